"""Ingest and read benchmark for PostgreSQL, as ratios measured in one run.

(a) the floor: N seed-shaped notes, each with one linked nudge, written straight into a fresh
    database of openhat's own schema with psycopg COPY (records, then link groups) in one
    transaction: the fastest way into those tables;
(b) the same records through `POST /api/v2.6/data-batch` in batches of 1,000 notes against a
    running `openhat serve --database postgresql://...`, from 4 concurrent clients;
(c) the latency of reading a 1,000-record page (`GET /data/...?take=1000`) from an endpoint
    of 1,000,000 records and from one of 10,000: the big one should be no slower than 2x.
    The big endpoint is bulk-loaded with COPY (as an import would), then ANALYZEd.

Usage: python -m bench.postgres_ingest [--postgres URL] [--notes 50000] [--big 1000000]
It creates its databases on the server --postgres names (default: the tests' server) and
drops them afterwards. Not a test: machines are noisy, so only ratios from the same run
mean much.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import secrets
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager

import orjson
import psycopg
import uuid_utils

from bench.common import seed_note, wait_for_health
from bench.ingest import free_port, serve, server_ingest
from openhat.config import Settings
from openhat.storage.postgres.store import PostgresStore

Row = tuple[str, str, str, str, bytes, int, int]  # a records row, as COPY takes it
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
PASSWORD = "bench-password-123456"


@contextmanager
def scratch_database(server: str) -> Iterator[str]:
    """A new, migrated database on `server`, dropped afterwards."""
    name = f"openhat_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0".encode())
    url = f"{server.split('?')[0].rsplit('/', 1)[0]}/{name}"
    try:
        store = PostgresStore(url)
        store.migrate()
        store.close()
        yield url
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())


def record_rows(hat_id: str, notes: int, start: int = 0, endpoint: str | None = None
                ) -> tuple[list[Row], list[tuple[str, str, str]]]:
    """Rows of openhat's records and record_links tables for `notes` notes and nudges,
    prepared as the server prepares them (canonical JSON, SHA-256, time-ordered ids)."""
    rows: list[Row] = []
    links: list[tuple[str, str, str]] = []
    for i in range(start, start + notes):
        note, nudge = seed_note(i)
        group = str(uuid_utils.uuid7())
        pairs = ((endpoint, note),) if endpoint else (("rumpel/notable", note),
                                                       ("rumpel/nudge", nudge))
        for name, data in pairs:
            text = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
            record_id = str(uuid_utils.uuid7())
            rows.append((hat_id, record_id, name, text.decode(),
                         hashlib.sha256(text).digest(), 0, 0))
            if not endpoint:
                links.append((hat_id, group, record_id))
    return rows, links


def copy_rows(conn: psycopg.Connection[tuple[object, ...]], rows: list[Row],
              links: list[tuple[str, str, str]]) -> None:
    """COPY in text format, each table's rows written as one buffer: the fastest psycopg
    COPY measured here (row-by-row `write_row` is about a third slower)."""
    text = "".join(f"{h}\t{i}\t{e}\t{_escape(d)}\t\\\\x{x.hex()}\t{c}\t{u}\n"
                   for h, i, e, d, x, c, u in rows)
    with conn.cursor() as cur:
        with cur.copy("COPY records (hat_id, record_id, endpoint, data, hash, created_at,"
                      " updated_at) FROM STDIN") as copy:
            copy.write(text.encode())
        if links:
            with cur.copy("COPY record_links (hat_id, group_id, record_id) FROM STDIN") as copy:
                copy.write("".join(f"{h}\t{g}\t{r}\n" for h, g, r in links).encode())


def _escape(json_text: str) -> str:
    # Compact JSON holds no raw tab, newline or carriage return: only backslashes to double.
    return json_text.replace("\\", "\\\\")


def floor(server: str, notes: int) -> float:
    """Records per second of COPY into openhat's schema, in one transaction."""
    with scratch_database(server) as url:
        rows, links = record_rows("bench", notes)
        with psycopg.connect(url) as conn:
            start = time.perf_counter()
            copy_rows(conn, rows, links)
            conn.commit()
            elapsed = time.perf_counter() - start
    return len(rows) / elapsed


def login(base: str) -> str:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    conn.request("GET", "/users/access_token", headers={"username": "owner",
                                                        "password": PASSWORD})
    return str(orjson.loads(conn.getresponse().read())["accessToken"])


def bulk_load(url: str, endpoint: str, notes: int) -> None:
    """Fill one endpoint of the served HAT with COPY in chunks, then ANALYZE (perf-notes:
    after a bulk load, fresh statistics are what keeps paging fast)."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT hat_id FROM hats").fetchone()
        assert row is not None
        for start in range(0, notes, 100_000):
            rows, _ = record_rows(str(row[0]), min(100_000, notes - start), start, endpoint)
            copy_rows(conn, rows, [])
            conn.commit()
        conn.execute("ANALYZE records")
        conn.commit()


def page_times(base: str, token: str, endpoint: str, skip: int, pages: int) -> list[float]:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    headers = {"X-Auth-Token": token}
    times = []
    for _ in range(pages):
        start = time.perf_counter()
        conn.request("GET", f"/api/v2.6/data/{endpoint}?take=1000&skip={skip}",
                     headers=headers)
        response = conn.getresponse()
        body = response.read()
        times.append(time.perf_counter() - start)
        assert response.status == 200 and len(orjson.loads(body)) == 1000, body[:200]
    return times


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"median {statistics.median(ordered) * 1000:6.1f} ms, p99 {p99 * 1000:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--postgres", default=DEFAULT_SERVER,
                        help="A database on the server to use (its databases are created"
                             " and dropped there).")
    parser.add_argument("--notes", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=Settings.workers,
                        help="server processes (default: the server's own)")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--pages", type=int, default=50)
    args = parser.parse_args()

    floors = [floor(args.postgres, args.notes)]
    with scratch_database(args.postgres) as url:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = serve(url, port, args.workers)
        try:
            wait_for_health(base)
            token = login(base)
            rate = server_ingest(base, token, args.notes, args.clients, args.batch)
            bulk_load(url, "bench/small", args.small)
            bulk_load(url, "bench/big", args.big)
            reads = {}
            for endpoint, size in (("bench/small", args.small), ("bench/big", args.big)):
                page_times(base, token, endpoint, 0, 3)  # warm the connections and cache
                reads[endpoint] = (page_times(base, token, endpoint, 0, args.pages),
                                   page_times(base, token, endpoint, size // 2, 5))
        finally:
            server.terminate()
            server.wait(10)
    floors.append(floor(args.postgres, args.notes))  # before and after: noise shows
    floor_rate = statistics.mean(floors)
    print(f"records: {2 * args.notes} ({args.notes} notes + 1 linked nudge each)")
    print(f"floor   psycopg COPY, 1 transaction       : {floor_rate:10.0f} rec/s"
          f"  (runs: {', '.join(f'{f:.0f}' for f in floors)})")
    print(f"openhat POST /data-batch x{args.clients} clients, "
          f"{args.workers} worker(s): {rate:10.0f} rec/s")
    print(f"ratio   openhat / floor                   : {rate / floor_rate:10.2f}  (target >= 0.6)")
    small_first, small_mid = reads["bench/small"]
    big_first, big_mid = reads["bench/big"]
    print(f"GET 1000-record first page, {args.small:>9} records: {summary(small_first)}")
    print(f"GET 1000-record first page, {args.big:>9} records: {summary(big_first)}")
    print(f"ratio   big / small (median)              : "
          f"{statistics.median(big_first) / statistics.median(small_first):10.2f}  (target <= 2)")
    print(f"GET 1000-record page at skip=N/2 (offset paging), small: {summary(small_mid)};"
          f" big: {summary(big_mid)}")


if __name__ == "__main__":
    main()
