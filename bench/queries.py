"""Combinator page latency over one large endpoint, on SQLite and PostgreSQL.

Fills an endpoint with N seed-shaped notes (default 1,000,000), registers a combinator with
a filter (`kind` contains "note": a quarter of the records) and a mapping, and reads pages
sorted by the mapped `updated` field, newest first: before the order index exists, then with
it (storage/query_indexes.py). Prints the median latency of each kind of page.

    python bench/queries.py                       # both backends, 1,000,000 records
    python bench/queries.py --records 100000 --backends sqlite

PostgreSQL: a database is created (and dropped) on the server of OPENHAT_TEST_POSTGRES
(default postgresql://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from openhat.clock import now_ms
from openhat.hats import service as hats
from openhat.queries import stored as bundles
from openhat.records import service as records
from openhat.storage import open_store
from openhat.storage.base import Store
from openhat.storage.query_indexes import index_name
from openhat.storage.rows import NewElement

ENDPOINT = "bench/notes"
KINDS = ("note", "list", "idea", "photo")
COMBINATOR = [{
    "endpoint": ENDPOINT,
    "mapping": {"updated": "data.notablesv1.updated_time", "message": "data.notablesv1.message",
                "kind": "data.notablesv1.kind"},
    "filters": [{"field": "data.notablesv1.kind",
                 "operator": {"operator": "contains", "value": "note"}}],
}]
ORDER_PATH = ("data", "notablesv1", "updated_time")
POSTGRES_URL = os.environ.get("OPENHAT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def note(i: int) -> dict[str, Any]:
    """A seed-shaped note; `updated_time` walks through 2017-2020 in a scrambled order."""
    second = (i * 7919) % 100_000_000
    updated = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(1_490_000_000 + second))
    return {"id": i, "lastUpdated": "2017-04-23T14:21:51+01:00", "data": {"notablesv1": {
        "authorv1": {"phata": "testing.hubat.net"}, "created_time": updated,
        "shared": "true" if i % 3 else "false", "shared_on": "twitter",
        "message": f"Showcasing the new HAT APIs, note number {i}",
        "public_until": "2017-05-11T14:21:54+01:00", "updated_time": updated,
        "kind": KINDS[i % len(KINDS)]}}}


def fill(store: Store, hat_id: str, count: int, batch: int = 10_000) -> float:
    started = time.perf_counter()
    for start in range(0, count, batch):
        elements = [NewElement(records.new_record(ENDPOINT, note(i)))
                    for i in range(start, min(count, start + batch))]
        with store.write(hat_id) as tx:
            tx.records.insert(hat_id, elements, now_ms())
    return time.perf_counter() - started


def timed(fn: Callable[[], Any], repeat: int) -> float:
    """Median milliseconds of `repeat` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


@contextmanager
def database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    import psycopg

    name = f"openhat_bench_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}".encode())
    try:
        yield f"{POSTGRES_URL.split('?')[0].rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())


def run(backend: str, count: int, take: int, repeat: int) -> dict[str, float]:
    with database(backend) as url:
        store = open_store(url)
        try:
            store.migrate()
            hat_id = hats.create_hat(store, "bench.example", "owner", "bench-pw").hat.hat_id
            result = {"fill s": fill(store, hat_id, count)}
            if backend == "postgres":
                with store._read() as conn:  # type: ignore[attr-defined]
                    conn.execute(b"ANALYZE records")
            bundles.register_combinator(store, hat_id, "bench", COMBINATOR)

            def page(skip: int) -> Callable[[], Any]:
                def read() -> Any:
                    found = bundles.combinator_data(store, hat_id, "bench", "updated", True,
                                                    skip, take)
                    assert len(found) == take, len(found)
                    return found
                return read

            indexes = store.records.indexes
            indexes.threshold = count + 1
            result["first page, no index ms"] = timed(page(0), repeat)
            name = index_name(ENDPOINT, ORDER_PATH, True)
            started = time.perf_counter()
            indexes.create(name, ENDPOINT, ORDER_PATH, True)
            indexes._known.add(name)
            result["index build s"] = time.perf_counter() - started
            result["first page, indexed ms"] = timed(page(0), repeat * 5)
            result["page at skip=10000, indexed ms"] = timed(page(10_000), repeat)
            return result
        finally:
            store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--take", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.records:,} records in {ENDPOINT}; combinator: kind contains \"note\" (1/4),"
          f" mapped, orderBy updated descending, take {args.take}")
    for backend in args.backends.split(","):
        result = run(backend, args.records, args.take, args.repeat)
        print(f"\n{backend}")
        for label, value in result.items():
            print(f"  {label:34} {value:10.1f}")


if __name__ == "__main__":
    main()
