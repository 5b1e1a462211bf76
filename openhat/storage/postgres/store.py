"""The server backend: PostgreSQL through psycopg 3 with a connection pool.

Connections run in autocommit mode, so a read costs one round trip; every write opens an
explicit transaction and is all or nothing. Record batches go in with COPY (the fastest way
into PostgreSQL, perf-notes); record data is stored as JSONB and read back as its text
(`data::text`), which the web layer passes through without decoding (the records area:
postgres/records.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from openhat.storage import migrations, redact_url
from openhat.storage.base import Store, Tx
from openhat.storage.postgres import watch
from openhat.storage.postgres.portable import PostgresPortable
from openhat.storage.postgres.records import (
    PostgresRecords,
    PostgresRecordsWriter,
    maintenance_lock,
    order_indexes,
)
from openhat.storage.rows import HatUnavailable, StorageError
from openhat.storage.sql.dialect import Dialect
from openhat.storage.sql.runner import Sql

log = logging.getLogger("openhat.storage")

Connection = psycopg.Connection[tuple[Any, ...]]

_CONNECT_TIMEOUT_S = 10.0
# Fresh statistics after bulk loads (perf-notes: stale ones made paging 20x slower): ANALYZE
# once the rows written since the last one pass this share of the table (or this floor).
_ANALYZE_SHARE = 0.5
_ANALYZE_FLOOR = 10_000
_ANALYZE_WAIT_S = 60.0  # how long closing the store waits for an ANALYZE under way

POSTGRES = Dialect(
    name="postgres", pyformat=True, unique_violations=(pg_errors.UniqueViolation,),
    has_role="roles::jsonb ? :role", byte_order=' COLLATE "C"', for_update=" FOR UPDATE",
    named_lock="SELECT pg_advisory_xact_lock(hashtext(:lock))",
    lock_table="LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE",
    notify=f"SELECT pg_notify('{watch.CHANNEL}', :hat)")


class PostgresStore(Store):

    def __init__(self, url: str, min_size: int = 1, max_size: int = 10) -> None:
        self.url = url
        self._pool = ConnectionPool(url, min_size=min_size, max_size=max_size,
                                    kwargs={"autocommit": True}, configure=_configure,
                                    open=False, name="openhat")
        self._pool.open()
        try:
            self._pool.wait(timeout=_CONNECT_TIMEOUT_S)
        except PoolTimeout as exc:
            self._pool.close()
            raise StorageError(f"cannot connect to PostgreSQL at {redact_url(url)}") from exc
        self._analyze_lock = threading.Lock()
        self._written_since_analyze = 0
        self._analyzed_rows: float | None = None
        self._analyzing = False
        self._analyzer: threading.Thread | None = None
        reads = Sql(POSTGRES, self._read)
        Store.__init__(self, POSTGRES, reads, PostgresRecords(reads, order_indexes(reads)))

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A pooled connection in autocommit mode, for maintenance work (moving a HAT)."""
        with self._pool.connection() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._pool.connection() as conn:
            yield conn

    @contextmanager
    def _write(self, hat_id: str | None = None) -> Iterator[Connection]:
        """A write transaction: committed when the block ends, rolled back on any error.
        With `hat_id`, a write of that HAT's data: see _lock_hat."""
        with self._pool.connection() as conn, conn.transaction():
            if hat_id is not None:
                _lock_hat(conn, hat_id)
            yield conn

    @contextmanager
    def _transaction(self, hat_id: str | None) -> Iterator[Tx]:
        with self._write(hat_id) as conn:
            sql = Sql(POSTGRES, lambda: nullcontext(conn))
            records = PostgresRecordsWriter(sql, self.records.indexes)
            portable = PostgresPortable(sql)
            tx = Tx(hat_id, sql, records, portable)
            tx.after_commit.append(lambda: self.note_bulk_write(records.written,
                                                                portable.unanalyzed))
            yield tx

    def watch(self, changed: Callable[[str], None]) -> Callable[[], None]:
        return watch.watch(self.url, changed)

    @contextmanager
    def snapshot(self) -> Iterator[PostgresPortable]:
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield PostgresPortable(Sql(POSTGRES, lambda: nullcontext(conn)))

    # --- lifecycle ---------------------------------------------------------------------
    @contextmanager
    def _migrating(self) -> Iterator[migrations.Migrating]:
        # An advisory lock per schema: a process starting on the same database waits here,
        # then finds every migration applied (the reads come after the lock).
        with self._read() as conn:
            conn.execute("SELECT pg_advisory_lock(hashtext('openhat.migrate.' ||"
                         " current_schema()))")
            try:
                conn.execute(migrations.BOOKKEEPING)
                yield _Migrating(conn)
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext('openhat.migrate.' ||"
                             " current_schema()))")

    def gauges(self) -> dict[str, tuple[str, float]]:
        stats = self._pool.get_stats()
        size = stats.get("pool_size", 0)
        idle = stats.get("pool_available", 0)
        return {
            "db_connections_open": ("Database connections this process holds open",
                                    float(size)),
            "db_connections_in_use": ("Pooled connections lent out now", float(size - idle)),
            "db_pool_waiting": ("Requests waiting for a pooled connection",
                                float(stats.get("requests_waiting", 0))),
            "db_pool_max": ("Largest size of this process's connection pool",
                            float(self._pool.max_size)),
        }

    def close(self) -> None:
        """Lets an ANALYZE under way end first (a command such as `import` closes the store
        right after its load), then closes the pool."""
        analyzer = self._analyzer
        if analyzer is not None and analyzer.is_alive():
            analyzer.join(_ANALYZE_WAIT_S)
        self._pool.close()

    def note_bulk_write(self, rows: int, unanalyzed: bool = False) -> None:
        """Count `rows` written; once they pass a share of the table as last analyzed (or
        when a bulk load could not analyze in its transaction: `unanalyzed`), ANALYZE in the
        background, so the planner never works from the statistics of a far smaller table
        (perf-notes) and no request waits for it."""
        if rows <= 0 and not unanalyzed:
            return
        with self._analyze_lock:
            self._written_since_analyze += rows
            if self._analyzed_rows is None:
                with self._read() as conn:
                    found = conn.execute("SELECT reltuples FROM pg_class WHERE oid ="
                                         " 'records'::regclass").fetchone()
                self._analyzed_rows = max(float(found[0]) if found else 0.0, 0.0)
            threshold = max(_ANALYZE_FLOOR, _ANALYZE_SHARE * self._analyzed_rows)
            if self._analyzing or (self._written_since_analyze < threshold
                                   and not unanalyzed):
                return
            self._analyzed_rows += self._written_since_analyze
            self._written_since_analyze = 0
            self._analyzing = True
        self._analyzer = threading.Thread(target=self._analyze, name="openhat-analyze",
                                          daemon=True)
        self._analyzer.start()

    def _analyze(self) -> None:
        try:
            with self._read() as conn, maintenance_lock(conn):
                conn.execute("ANALYZE records")
                conn.execute("ANALYZE record_links")
        except (psycopg.Error, PoolTimeout, PoolClosed) as exc:
            log.warning("ANALYZE after a bulk write failed: %s", exc)
        finally:
            with self._analyze_lock:
                self._analyzing = False


def _configure(conn: Connection) -> None:
    """Every connection reads `'...'` literals the standard way (a backslash is a plain
    character), whatever the server's default: the query builders write paths and names as
    literals (postgres_query) and escape only quotes."""
    conn.execute("SET standard_conforming_strings = on")


def _lock_hat(conn: Connection, hat_id: str) -> None:
    """Hold the HAT's row (shared) until the write commits. A HAT move (postgres_move) takes
    it exclusively while it copies, so no write lands behind the copy; a write that waited
    for a move, or a write for a HAT not (or no longer) here, raises HatUnavailable."""
    found = conn.execute("SELECT 1 FROM hats WHERE hat_id = %s FOR KEY SHARE",
                         (hat_id,)).fetchone()
    if found is None:
        raise HatUnavailable(hat_id)


class _Migrating(migrations.Migrating):
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def applied(self) -> set[int]:
        return {row[0] for row in self._conn.execute("SELECT version FROM schema_migrations")}

    def apply(self, migration: migrations.Migration, applied_at_s: int) -> None:
        with self._conn.transaction():
            self._conn.execute(migration.sql.encode())
            self._conn.execute(POSTGRES.text(migrations.RECORD),
                               migrations.record(migration, applied_at_s))
