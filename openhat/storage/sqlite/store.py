"""The embedded default backend: stdlib sqlite3 in WAL mode.

One writer connection, guarded by a lock, takes the database lock up front
(`BEGIN IMMEDIATE`) so a write transaction never fails half-way on a busy database; readers
use their own connection per thread and never block the writer.

Several server processes (`--workers`) share one database file. SQLite's own busy handler
waits by sleeping in growing steps, which measured at half the single-process ingest rate;
writers therefore queue on an exclusive `flock` of a lock file beside the database, which
wakes the next writer the moment the previous one commits.
"""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path

from openhat.storage import migrations
from openhat.storage.base import Store, Tx
from openhat.storage.rows import (
    DuplicateRecord,
    NewElement,
    NewRecord,
    RecordQuery,
    RecordsMissing,
    StoredRecord,
)
from openhat.storage.sql.dialect import Dialect
from openhat.storage.sql.runner import Sql
from openhat.storage.sqlite import duplicates as sqlite_duplicates
from openhat.storage.sqlite import inserts as sqlite_inserts
from openhat.storage.sqlite import query as sqlite_query
from openhat.storage.sqlite import sql as sqlite_sql
from openhat.storage.sqlite.apps import SqliteApplications
from openhat.storage.sqlite.checkpoints import Checkpointer
from openhat.storage.sqlite.queries import SqliteQueries

_BUSY_TIMEOUT_MS = 30_000
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",  # durable at checkpoints; a crash loses no committed page
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}",
    "PRAGMA cache_size=-65536",  # 64 MiB
    "PRAGMA wal_autocheckpoint=4000",  # for other writers (the bench floor, the sqlite3 CLI)
)


SQLITE = Dialect(
    name="sqlite", pyformat=False, unique_violations=(sqlite3.IntegrityError,),
    has_role="EXISTS (SELECT 1 FROM json_each(roles) WHERE value = :role)",
    byte_order="", for_update="", named_lock=None, lock_table=None)


class SqliteStore(SqliteApplications, SqliteQueries, Store):
    def __init__(self, path: str) -> None:
        self.path = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._writer = self._connect()
        self._write_lock = threading.Lock()
        self._lock_file = None if path == ":memory:" else open(f"{path}.writelock", "a+b")  # noqa: SIM115
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._checkpointer: Checkpointer | None = None
        if path != ":memory:":
            # The writer leaves checkpoints to the Checkpointer thread (sqlite_checkpoints.py).
            self._writer.execute("PRAGMA wal_autocheckpoint=0")
            self._checkpointer = Checkpointer(path, self._exclusive)
        Store.__init__(self, SQLITE, Sql(SQLITE, lambda: nullcontext(self._reader())))

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                               timeout=_BUSY_TIMEOUT_MS / 1000)
        for pragma in PRAGMAS:
            conn.execute(pragma)
        sqlite_query.register_functions(conn)
        sqlite_duplicates.register_function(conn)
        return conn

    def _reader(self) -> sqlite3.Connection:
        if self.path == ":memory:":
            return self._writer
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only=ON")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """The turn of this thread among all writers of the database, in every process."""
        with self._write_lock:
            if self._lock_file is not None:
                fcntl.flock(self._lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                if self._lock_file is not None:
                    fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: all or nothing, the database lock taken up front."""
        with self._exclusive():
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        if self._checkpointer is not None:
            self._checkpointer.written()

    @contextmanager
    def _transaction(self, hat_id: str | None) -> Iterator[Tx]:
        # One writer at a time (every process): no HAT row to hold, moves are PostgreSQL's.
        with self._write() as conn:
            yield Tx(hat_id, Sql(SQLITE, lambda: nullcontext(conn)))

    # --- lifecycle ---------------------------------------------------------------------
    @contextmanager
    def _migrating(self) -> Iterator[migrations.Migrating]:
        # The writers' flock: a process starting on the same file waits here, then finds
        # every migration applied (the reads below come after the lock).
        with self._exclusive():
            self._writer.execute(migrations.BOOKKEEPING)
            yield _Migrating(self._writer)

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.close()
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        self._writer.close()
        if self._lock_file is not None:
            self._lock_file.close()

    # --- records -----------------------------------------------------------------------
    def insert_elements(self, hat_id: str, elements: Sequence[NewElement], now: int,
                        skip_duplicates: bool = False) -> list[bool]:
        if not skip_duplicates:
            rows = sqlite_inserts.element_rows(hat_id, elements)  # all built before the lock
            keys = rows.content_keys()
            if len(keys) != len(rows.records):
                raise DuplicateRecord("the same data twice in one endpoint")
            prepared = sqlite_inserts.prepare(hat_id, now, rows)
            with self._write() as conn:
                if not keys.isdisjoint(sqlite_duplicates.stored(conn, hat_id, rows.dup_keys())):
                    raise DuplicateRecord("data already stored")
                sqlite_inserts.insert(conn, prepared)
            return [True] * len(elements)
        per_element = [sqlite_inserts.element_rows(hat_id, (e,)) for e in elements]
        with self._write() as conn:
            taken = sqlite_duplicates.stored(conn, hat_id,
                                             [k for rows in per_element for k in rows.dup_keys()])
            kept = sqlite_inserts.Rows([], [])
            stored = []
            for rows in per_element:
                keys = rows.content_keys()
                ok = len(keys) == len(rows.records) and taken.isdisjoint(keys)
                if ok:
                    taken |= keys
                    kept.records.extend(rows.records)
                    kept.links.extend(rows.links)
                stored.append(ok)
            sqlite_inserts.insert(conn, sqlite_inserts.prepare(hat_id, now, kept))
            return stored

    def read_records(self, hat_id: str, query: RecordQuery) -> list[StoredRecord]:
        sql, params = sqlite_sql.select_page(hat_id, query)
        return [StoredRecord(*row) for row in self._reader().execute(sql, params)]

    def get_record(self, hat_id: str, record_id: str) -> StoredRecord | None:
        row = self._reader().execute(
            "SELECT record_id, endpoint, data FROM records WHERE hat_id = ? AND record_id = ?",
            (hat_id, record_id),
        ).fetchone()
        return StoredRecord(*row) if row else None

    def update_records(self, hat_id: str, updates: Sequence[NewRecord], now: int) -> None:
        with self._write() as conn:
            for update in updates:
                row = conn.execute("SELECT endpoint FROM records WHERE hat_id = ? AND"
                                   " record_id = ?", (hat_id, update.record_id)).fetchone()
                if row is None:
                    raise RecordsMissing(update.record_id)
                dup_key = sqlite_duplicates.duplicate_key(hat_id, row[0], update.hash)
                if sqlite_duplicates.stored_elsewhere(conn, hat_id, update.record_id, row[0],
                                                      update.hash, dup_key):
                    raise DuplicateRecord(update.record_id)
                conn.execute("UPDATE records SET data = ?, hash = ?, dup_key = ?, updated_at = ?"
                             " WHERE hat_id = ? AND record_id = ?",
                             (update.data, update.hash, dup_key, now, hat_id, update.record_id))

    def delete_records(self, hat_id: str, record_ids: Sequence[str]) -> None:
        with self._write() as conn:
            if len(set(record_ids)) != len(record_ids):
                raise RecordsMissing("an id is listed twice")
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS doomed (record_id TEXT PRIMARY KEY)")
            conn.execute("DELETE FROM temp.doomed")
            conn.executemany("INSERT INTO temp.doomed VALUES (?)", [(i,) for i in record_ids])
            deleted = _delete_doomed(conn, hat_id)
            if deleted != len(record_ids):
                raise RecordsMissing("unknown record id")

    def delete_endpoint(self, hat_id: str, endpoint: str) -> int:
        with self._write() as conn:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS doomed (record_id TEXT PRIMARY KEY)")
            conn.execute("DELETE FROM temp.doomed")
            conn.execute("INSERT INTO temp.doomed SELECT record_id FROM records"
                         " WHERE hat_id = ? AND endpoint = ?", (hat_id, endpoint))
            return _delete_doomed(conn, hat_id)

    def link_records(self, hat_id: str, group_id: str, record_ids: Sequence[str]) -> None:
        unique = list(dict.fromkeys(record_ids))
        with self._write() as conn:
            found = 0
            for chunk in sqlite_sql.chunks(unique):
                marks = ",".join("?" * len(chunk))
                found += conn.execute(f"SELECT count(*) FROM records WHERE hat_id = ? AND"
                                      f" record_id IN ({marks})", (hat_id, *chunk)).fetchone()[0]
            if found != len(unique):
                raise RecordsMissing("unknown record id")
            conn.executemany("INSERT INTO record_links VALUES (?, ?, ?)",
                             [(hat_id, group_id, record_id) for record_id in unique])

    def endpoints(self, hat_id: str) -> list[str]:
        rows = self._reader().execute(
            "SELECT DISTINCT endpoint FROM records WHERE hat_id = ? ORDER BY endpoint", (hat_id,)
        ).fetchall()
        return [row[0] for row in rows]

    def record_endpoints(self, hat_id: str, record_ids: Sequence[str]) -> list[str]:
        found: set[str] = set()
        for chunk in sqlite_sql.chunks(list(record_ids)):
            marks = ",".join("?" * len(chunk))
            found.update(row[0] for row in self._reader().execute(
                f"SELECT DISTINCT endpoint FROM records WHERE hat_id = ? AND record_id IN"
                f" ({marks})", (hat_id, *chunk)))
        return sorted(found)


class _Migrating(migrations.Migrating):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def applied(self) -> set[int]:
        return {row[0] for row in self._conn.execute("SELECT version FROM schema_migrations")}

    def apply(self, migration: migrations.Migration, applied_at_s: int) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in sqlite_sql.split_script(migration.sql):
                conn.execute(statement)
            conn.execute(migrations.RECORD, migrations.record(migration, applied_at_s))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def _delete_doomed(conn: sqlite3.Connection, hat_id: str) -> int:
    """Delete the records listed in temp.doomed with their link memberships; returns how
    many records went. A group left with fewer than two members links nothing any more, so
    it goes too (the original removes groups left empty)."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS touched (group_id TEXT PRIMARY KEY)")
    conn.execute("DELETE FROM temp.touched")
    conn.execute("INSERT OR IGNORE INTO temp.touched SELECT group_id FROM record_links"
                 " WHERE hat_id = ? AND record_id IN (SELECT record_id FROM temp.doomed)",
                 (hat_id,))
    conn.execute("DELETE FROM record_links WHERE hat_id = ? AND record_id IN"
                 " (SELECT record_id FROM temp.doomed)", (hat_id,))
    deleted: int = conn.execute("DELETE FROM records WHERE hat_id = ? AND record_id IN"
                                " (SELECT record_id FROM temp.doomed)", (hat_id,)).rowcount
    conn.execute("DELETE FROM record_links WHERE hat_id = ? AND group_id IN (SELECT l.group_id"
                 " FROM record_links l JOIN temp.touched t ON t.group_id = l.group_id"
                 " WHERE l.hat_id = ? GROUP BY l.group_id HAVING count(*) < 2)",
                 (hat_id, hat_id))
    return deleted
