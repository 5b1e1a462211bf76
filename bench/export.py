"""Export and import at scale: N records (seed-shaped notes, each with a linked nudge) of one
HAT exported from SQLite, imported into a fresh SQLite and a fresh PostgreSQL database, and
exported from PostgreSQL, each step as its own `openhat` process, measured for records per
second and peak RSS (the target: at least 50,000 records/s under 200 MB at 1,000,000),
with the floors of the same run: what plain sqlite3 + orjson + gzip export, and what plain
`executemany` (SQLite) and COPY (PostgreSQL) into openhat's schema import, with the indexes
built after the load as the importer builds them into a new database. Each timed step starts
once the disk has written out what the last one left (`os.sync`), so that none pays for
another's writes.

Usage: python -m bench.export [--records 1000000] [--postgres URL] [--repeat 2]
The HAT is seeded straight through the store (as fast as it goes in), in a process of its
own; each import floor and import runs --repeat times, in turn, into new databases (the
PostgreSQL ones made on the server --postgres names and dropped afterwards).
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import orjson
import psycopg

from bench.common import seed_note
from bench.postgres_ingest import DEFAULT_SERVER, scratch_database
from openhat.hats import service as hats
from openhat.records.service import new_id, new_record
from openhat.storage import open_store
from openhat.storage.postgres.portable import set_aside_indexes
from openhat.storage.rows import NewElement

BATCH = 2000  # notes per unit of work while seeding


def seed(url: str, records: int) -> None:
    store = open_store(url)
    store.migrate()
    hat = hats.create_hat(store, "bench.example.test", "owner", "bench-password-123456").hat
    for start in range(0, records // 2, BATCH):
        elements = []
        for i in range(start, min(start + BATCH, records // 2)):
            note, nudge = seed_note(i)
            elements.append(NewElement(new_record("rumpel/notable", note),
                                       (new_record("rumpel/nudge", nudge),), new_id()))
        with store.write(hat.hat_id) as tx:
            tx.records.insert(hat.hat_id, elements, int(time.time() * 1000))
    store.close()


def export_floor(path: str) -> float:
    """Records/s of the least any export does: read the records' and the links' columns
    with sqlite3, one orjson line each, gzip (level 1) in blocks of 10,000 lines."""
    os.sync()
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)
    n = conn.execute("SELECT count(*) FROM records").fetchone()[0]
    for query in ("SELECT record_id, endpoint, data, seq, created_at, updated_at FROM records",
                  "SELECT group_id, record_id FROM record_links"):
        lines: list[bytes] = []
        for row in conn.execute(query):
            lines.append(orjson.dumps(row) + b"\n")
            if len(lines) == 10_000:
                packer.compress(b"".join(lines))
                lines = []
        packer.compress(b"".join(lines))
    packer.flush()
    conn.close()
    return n / (time.perf_counter() - started)


def import_floor(source: str, target: str) -> float:
    """Records/s of the least any import into SQLite does: the source's records and links
    `executemany`'d into openhat's schema (the dup_key column) in one transaction, straight
    from sqlite3 (no archive, no checks), with the secondary indexes dropped before and
    built after, two sorting threads."""
    store = open_store(f"sqlite:///{target}")
    store.migrate()
    store.close()
    os.sync()
    started = time.perf_counter()
    src, dst = sqlite3.connect(source), sqlite3.connect(target, isolation_level=None)
    dst.execute("BEGIN")
    indexes = dst.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND"
                          " tbl_name IN ('records', 'record_links') AND sql IS NOT NULL"
                          ).fetchall()
    for name, _ in indexes:
        dst.execute(f"DROP INDEX {name}")
    dst.executemany("INSERT INTO records (hat_id, record_id, endpoint, data, hash, created_at,"
                    " updated_at, dup_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    src.execute("SELECT hat_id, record_id, endpoint, data, hash, created_at,"
                                " updated_at, dup_key FROM records"))
    dst.executemany("INSERT INTO record_links VALUES (?, ?, ?)",
                    src.execute("SELECT hat_id, group_id, record_id FROM record_links"))
    dst.execute("PRAGMA threads=2")
    for _, create in indexes:
        dst.execute(create)
    dst.execute("COMMIT")
    n = dst.execute("SELECT count(*) FROM records").fetchone()[0]
    src.close()
    dst.close()
    return int(n) / (time.perf_counter() - started)


def import_floor_postgres(source: str, url: str) -> float:
    """Records/s of the least any import into PostgreSQL does: the source's records and
    links COPYed into openhat's schema in one transaction, straight from sqlite3 (no
    archive, no checks), its indexes and unique constraints dropped before and made again
    after, then ANALYZE, as the importer does into a database of its own."""
    store = open_store(url)
    store.migrate()
    store.close()
    os.sync()
    started = time.perf_counter()
    src = sqlite3.connect(source)
    with psycopg.connect(url) as dst, dst.cursor() as cur:
        for hat in src.execute("SELECT hat_id, domain, created_at FROM hats"):
            cur.execute("INSERT INTO hats (hat_id, domain, created_at) VALUES (%s, %s, %s)", hat)
        rebuild = [ddl for table in ("records", "record_links")
                   for ddl in set_aside_indexes(dst, table)]
        for table, columns in (
                ("records", "hat_id, record_id, seq, endpoint, data, hash, created_at,"
                            " updated_at"),
                ("record_links", "hat_id, group_id, record_id")):
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in src.execute(f"SELECT {columns} FROM {table}"):
                    copy.write_row(row)
        for statement in rebuild:
            cur.execute(statement)
        cur.execute("ANALYZE records")
        cur.execute("ANALYZE record_links")
        (n,) = cur.execute("SELECT count(*) FROM records").fetchone() or (0,)
    src.close()
    return int(n) / (time.perf_counter() - started)


def run(*args: str) -> tuple[float, float, float]:
    """(seconds, CPU seconds, peak RSS in MB) of one `openhat` process (its start
    included). CPU time counts too: on a machine shared with other work the wall clock
    mostly measures the others."""
    os.sync()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "openhat", *args, "--quiet"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime - cpu
    # RUSAGE_CHILDREN's ru_maxrss is the largest of any child so far, so a step that stays
    # below an earlier one shows the earlier figure: read each as "at most".
    return seconds, cpu, max(peak, before) / 1024


def step(name: str, records: int, *args: str, floor: float | None = None) -> None:
    seconds, cpu, peak = run(*args)
    ratio = "" if floor is None else f"  {records / seconds / floor:4.2f} of the floor"
    print(f"{name:<24} {records / seconds:>8,.0f} records/s  {seconds:6.1f} s"
          f" ({records / cpu:,.0f} records per CPU s)  peak RSS <= {peak:4.0f} MB{ratio}",
          flush=True)


def seed_elsewhere(url: str, records: int) -> None:
    """`seed` in a process of its own, so that this one stays small while it measures."""
    subprocess.run([sys.executable, "-c", "import sys; from bench.export import seed;"
                    " seed(sys.argv[1], int(sys.argv[2]))", url, str(records)], check=True)


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".writelock"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=DEFAULT_SERVER)
    parser.add_argument("--repeat", type=int, default=2,
                        help="each import floor and import this many times, in turn")
    options = parser.parse_args()
    n = options.records
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        source = f"sqlite:///{folder / 'source.db'}"
        started = time.perf_counter()
        seed_elsewhere(source, n)
        print(f"seeded {n:,} records in {time.perf_counter() - started:.1f} s", flush=True)
        archive = str(folder / "hat.tar.gz")
        floor = export_floor(source.removeprefix("sqlite:///"))
        print(f"{'export floor':<24} {floor:>8,.0f} records/s", flush=True)
        step("export SQLite", n, "export", "--output", archive, "--database", source,
             floor=floor)
        print(f"archive: {os.path.getsize(archive) / 1e6:.0f} MB", flush=True)
        for _ in range(options.repeat):
            floor = import_floor(source.removeprefix("sqlite:///"), str(folder / "floor.db"))
            print(f"{'import floor (SQLite)':<24} {floor:>8,.0f} records/s", flush=True)
            step("import into SQLite", n, "import", "--input", archive, "--database",
                 f"sqlite:///{folder / 'copy.db'}", floor=floor)
            remove_sqlite(folder / "floor.db")
            remove_sqlite(folder / "copy.db")
        for i in range(options.repeat):
            with scratch_database(options.postgres) as floor_pg:
                floor = import_floor_postgres(source.removeprefix("sqlite:///"), floor_pg)
            print(f"{'import floor (PostgreSQL)':<24} {floor:>8,.0f} records/s", flush=True)
            with scratch_database(options.postgres) as pg:
                step("import into PostgreSQL", n, "import", "--input", archive, "--database",
                     pg, floor=floor)
                if i == options.repeat - 1:
                    step("export PostgreSQL", n, "export", "--output", archive + ".pg",
                         "--database", pg)


if __name__ == "__main__":
    main()
