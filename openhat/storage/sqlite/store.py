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
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from pathlib import Path

from openhat.storage import migrations
from openhat.storage.base import Store, Tx
from openhat.storage.rows import HatUnavailable, StorageError
from openhat.storage.sql.dialect import Dialect
from openhat.storage.sql.runner import Sql
from openhat.storage.sqlite import duplicates as sqlite_duplicates
from openhat.storage.sqlite import query as sqlite_query
from openhat.storage.sqlite import sql as sqlite_sql
from openhat.storage.sqlite import watch
from openhat.storage.sqlite.checkpoints import Checkpointer
from openhat.storage.sqlite.groups import GroupCommit
from openhat.storage.sqlite.portable import SqlitePortable
from openhat.storage.sqlite.records import SqliteRecords, SqliteRecordsWriter, order_indexes

_BUSY_TIMEOUT_MS = 30_000
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",  # every commit durable (fsynced); commits are grouped
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}",
    "PRAGMA cache_size=-65536",  # 64 MiB
    "PRAGMA wal_autocheckpoint=4000",  # for other writers (the bench floor, the sqlite3 CLI)
)


SQLITE = Dialect(
    name="sqlite", pyformat=False, unique_violations=(sqlite3.IntegrityError,),
    has_role="EXISTS (SELECT 1 FROM json_each(roles) WHERE value = :role)",
    byte_order="", for_update="", named_lock=None, lock_table=None, local_reads=True)


class SqliteStore(Store):
    def __init__(self, path: str) -> None:
        self.path = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._writer = self._connect()
        self._write_lock = threading.Lock()  # may be released by another thread
        self._lock_file = None if path == ":memory:" else open(f"{path}.writelock", "a+b")  # noqa: SIM115
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._groups = GroupCommit(self._writer, self._lock_writers, self._unlock_writers)
        self._checkpointer: Checkpointer | None = None
        if path != ":memory:":
            # The writer leaves checkpoints to the Checkpointer thread (sqlite_checkpoints.py).
            self._writer.execute("PRAGMA wal_autocheckpoint=0")
            self._checkpointer = Checkpointer(path, self._exclusive)
        reads = Sql(SQLITE, lambda: nullcontext(self._reader()))
        Store.__init__(self, SQLITE, reads, SqliteRecords(reads, order_indexes(reads, self._write)))

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

    def _lock_writers(self) -> None:
        """Take the writers' turn, among every thread and process of the database."""
        self._write_lock.acquire()
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX)

    def _unlock_writers(self) -> None:
        """Give the turn back (possibly from another thread than the one that took it: a
        group's commit, groups.py)."""
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
        self._write_lock.release()

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """The turn of this thread among all writers of the database, in every process."""
        self._lock_writers()
        try:
            yield
        finally:
            self._unlock_writers()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: all or nothing, the database lock taken up front, durable
        when the block returns (committed with the group it joined: groups.py)."""
        with self._groups.unit() as conn:
            yield conn
        if self._checkpointer is not None:
            self._checkpointer.written()

    @contextmanager
    def _transaction(self, hat_id: str | None) -> Iterator[Tx]:
        """One writer at a time (every process): no HAT row to hold, but a write for a HAT
        not (or no longer) in the database raises HatUnavailable, as on PostgreSQL. The
        write transaction begins with the unit of work's first statement, so the Python work
        before it (preparing a batch's rows) does not hold every other writer up; all of the
        statements still run in that one transaction."""
        with ExitStack() as stack:
            begun: list[sqlite3.Connection] = []

            def connect() -> nullcontext[sqlite3.Connection]:
                if not begun:
                    conn = stack.enter_context(self._write())
                    if hat_id is not None and conn.execute(
                            "SELECT 1 FROM hats WHERE hat_id = ?", (hat_id,)).fetchone() is None:
                        raise HatUnavailable(hat_id)
                    begun.append(conn)
                return nullcontext(begun[0])

            sql = Sql(SQLITE, connect)
            yield Tx(hat_id, sql, SqliteRecordsWriter(sql, self.records.indexes),
                     SqlitePortable(sql))

    @contextmanager
    def snapshot(self) -> Iterator[SqlitePortable]:
        """A connection of its own in one read transaction: its snapshot holds from the
        first read to the end (WAL), whatever the writer commits meanwhile."""
        conn = self._connect()
        try:
            conn.execute("PRAGMA query_only=ON")
            conn.execute("BEGIN")
            yield SqlitePortable(Sql(SQLITE, lambda: nullcontext(conn)))
        finally:
            conn.close()

    def backup(self, path: str) -> None:
        """SQLite's online backup API in one step: one read transaction copies every page,
        so the copy is the database as of one commit, and in WAL mode the writer goes on
        meanwhile (a step-by-step copy restarts whenever another connection writes). The
        copy is written beside `path` and renamed into place once checked."""
        if self.path == ":memory:":
            raise ValueError("an in-memory database has nothing to back up")
        final = Path(path)
        partial = final.with_name(f".{final.name}.partial")
        partial.unlink(missing_ok=True)
        source = sqlite3.connect(self.path)
        try:
            target = sqlite3.connect(partial)
            try:
                source.backup(target)
                target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                (result,) = target.execute("PRAGMA quick_check").fetchone()
            finally:
                target.close()
            if result != "ok":
                raise StorageError(f"the backup failed its check: {result}")
            os.replace(partial, final)
        finally:
            source.close()
            partial.unlink(missing_ok=True)

    def watch(self, changed: Callable[[str], None]) -> Callable[[], None]:
        return watch.watch(self.changes, changed)

    # --- lifecycle ---------------------------------------------------------------------
    @contextmanager
    def _migrating(self) -> Iterator[migrations.Migrating]:
        # The writers' flock: a process starting on the same file waits here, then finds
        # every migration applied (the reads below come after the lock).
        with self._exclusive():
            self._writer.execute(migrations.BOOKKEEPING)
            yield _Migrating(self._writer)

    def gauges(self) -> dict[str, tuple[str, float]]:
        wal = Path(f"{self.path}-wal")
        with self._readers_lock:
            readers = len(self._readers)
        return {
            "sqlite_wal_bytes": ("Size of the SQLite write-ahead log file",
                                 float(wal.stat().st_size) if wal.exists() else 0.0),
            "db_connections_open": ("Database connections this process holds open",
                                    float(readers + 1)),
            "sqlite_units_of_work": ("Write units of work this process has run",
                                     float(self._groups.units)),
            "sqlite_commits": ("Commits those units shared (group commit)",
                               float(self._groups.commits)),
        }

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
