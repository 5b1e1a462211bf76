"""Ingest and read benchmark for the SQLite default, as ratios measured in one run.

(a) the floor: N seed-shaped notes, each with one linked nudge, inserted straight into a fresh
    SQLite database of openhat's own schema with stdlib `executemany` in one transaction;
(b) the same records through `POST /api/v2.6/data-batch` in batches of 1,000 notes against a
    running `openhat serve`, from 4 concurrent clients;
(c) the median and p99 latency of a 1,000-record `GET` page.

Usage: python bench/ingest.py [--notes 100000] [--workers 1] [--clients 4]
It prints the figures and the ratio server/floor (target >= 0.6). Not a test: machines are
noisy, so only ratios from the same run mean much.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import orjson
import uuid_utils

from bench.common import note_batch, seed_note, wait_for_health
from openhat.config import Settings
from openhat.storage.sqlite.duplicates import duplicate_key
from openhat.storage.sqlite.store import PRAGMAS

ROOT = Path(__file__).resolve().parents[1]


def floor(notes: int, db_path: str) -> float:
    """Records per second of the raw insert into openhat's schema."""
    from openhat.storage.sqlite.store import SqliteStore

    store = SqliteStore(db_path)
    store.migrate()
    store.close()
    rows = []
    links = []
    hat_id = str(uuid.uuid4())  # shaped as the server's: the same rows
    for i in range(notes):
        note, nudge = seed_note(i)
        group = str(uuid_utils.uuid7())
        for endpoint, data in (("rumpel/notable", note), ("rumpel/nudge", nudge)):
            text = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
            record_id = str(uuid_utils.uuid7())
            digest = hashlib.sha256(text).digest()
            rows.append((hat_id, record_id, endpoint, text.decode(), digest, 0, 0,
                         duplicate_key(hat_id, endpoint, digest)))
            links.append((hat_id, group, record_id))
    conn = sqlite3.connect(db_path, isolation_level=None)
    for pragma in PRAGMAS:  # the same set-up as the server's connections: a fair floor
        conn.execute(pragma)
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO records (hat_id, record_id, endpoint, data, hash, created_at,"
                     " updated_at, dup_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.executemany("INSERT INTO record_links VALUES (?, ?, ?)", links)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return len(rows) / elapsed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(database: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OPENHAT_OWNER_PASSWORD": "bench-password-123456",
           "OPENHAT_LOG_LEVEL": "warning"}
    return subprocess.Popen(
        [sys.executable, "-m", "openhat", "serve", "--database", database, "--port", str(port),
         "--workers", str(workers)], env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def server_ingest(base: str, token: str, notes: int, clients: int, batch: int) -> float:
    """Records per second through POST /data-batch. The client is stdlib http.client on
    keep-alive connections: the lightest client, so the 2 cores go to the server."""
    host, port = base.removeprefix("http://").split(":")
    bodies = [orjson.dumps(note_batch(start, min(batch, notes - start)))
              for start in range(0, notes, batch)]
    queue = list(reversed(bodies))
    lock = threading.Lock()
    failures: list[str] = []

    def client() -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=300)
        headers = {"X-Auth-Token": token, "Content-Type": "application/json"}
        while True:
            with lock:
                if not queue:
                    conn.close()
                    return
                body = queue.pop()
            conn.request("POST", "/api/v2.6/data-batch", body=body, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            if response.status != 201:
                failures.append(f"{response.status} {answer[:200]!r}")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise SystemExit(f"server ingest failed: {failures[:3]}")
    return 2 * notes / elapsed


def page_latency(base: str, token: str, notes: int, pages: int) -> tuple[float, float]:
    import httpx2 as httpx

    times = []
    with httpx.Client(base_url=base, timeout=60, headers={"X-Auth-Token": token}) as http:
        for i in range(pages):
            skip = (i * 1000) % max(1, notes - 1000)
            start = time.perf_counter()
            response = http.get("/api/v2.6/data/rumpel/notable",
                                params={"skip": skip, "take": 1000})
            times.append(time.perf_counter() - start)
            assert response.status_code == 200 and len(response.json()) == 1000
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notes", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=Settings.workers,
                        help="server processes (default: the server's own)")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    import httpx2 as httpx

    with tempfile.TemporaryDirectory() as tmp:
        floors = [floor(args.notes, f"{tmp}/floor1.db")]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = serve(f"sqlite:///{tmp}/served.db", port, args.workers)
        try:
            wait_for_health(base)
            token = httpx.get(f"{base}/users/access_token",
                              headers={"username": "owner",
                                       "password": "bench-password-123456"}).json()["accessToken"]
            rate = server_ingest(base, token, args.notes, args.clients, args.batch)
            median, p99 = page_latency(base, token, args.notes, args.pages)
        finally:
            server.terminate()
            server.wait(10)
        floors.append(floor(args.notes, f"{tmp}/floor2.db"))  # before and after: noise shows
    floor_rate = statistics.mean(floors)
    print(f"records: {2 * args.notes} ({args.notes} notes + 1 linked nudge each)")
    print(f"floor   sqlite executemany, 1 transaction : {floor_rate:10.0f} rec/s"
          f"  (runs: {', '.join(f'{f:.0f}' for f in floors)})")
    print(f"openhat POST /data-batch x{args.clients} clients, "
          f"{args.workers} worker(s): {rate:10.0f} rec/s")
    print(f"ratio   openhat / floor                   : {rate / floor_rate:10.2f}  (target >= 0.6)")
    print(f"GET 1000-record page: median {median * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms")


if __name__ == "__main__":
    main()
