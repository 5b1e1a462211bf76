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
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import orjson
import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from openhat.clock import now_s
from openhat.storage import redact_url
from openhat.storage.base import Store, Tx
from openhat.storage.migrations import migrations
from openhat.storage.postgres.apps import PostgresApplications
from openhat.storage.postgres.queries import PostgresQueries
from openhat.storage.postgres.records import PostgresRecords, PostgresRecordsWriter, order_indexes
from openhat.storage.rows import (
    DirectoryEntry,
    Hat,
    HatExists,
    HatUnavailable,
    IdempotentResponse,
    SigningKey,
    StorageError,
    User,
)
from openhat.storage.sql.dialect import Dialect
from openhat.storage.sql.runner import Sql
from openhat.storage.sqlite.sql import HAT_TABLES

log = logging.getLogger("openhat.storage")

Connection = psycopg.Connection[tuple[Any, ...]]

_CONNECT_TIMEOUT_S = 10.0
# Fresh statistics after bulk loads (perf-notes: stale ones made paging 20x slower): ANALYZE
# once the rows written since the last one pass this share of the table (or this floor).
_ANALYZE_SHARE = 0.5
_ANALYZE_FLOOR = 10_000

POSTGRES = Dialect(
    name="postgres", pyformat=True, unique_violations=(pg_errors.UniqueViolation,),
    has_role="roles::jsonb ? :role", byte_order=' COLLATE "C"', for_update=" FOR UPDATE",
    named_lock="SELECT pg_advisory_xact_lock(hashtext(:lock))")


class PostgresStore(PostgresApplications, PostgresQueries, Store):

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
            tx = Tx(hat_id, sql, records)
            tx.after_commit.append(lambda: self.note_bulk_write(records.written))
            yield tx

    # --- lifecycle ---------------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply pending migrations, each in one transaction with its bookkeeping row. An
        advisory lock (per schema) lets two processes start at once: the second waits, then
        finds nothing left to do."""
        applied: list[str] = []
        with self._read() as conn:
            conn.execute("SELECT pg_advisory_lock(hashtext('openhat.migrate.' ||"
                         " current_schema()))")
            try:
                conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER"
                             " PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
                done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
                for migration in migrations(self.dialect.name):
                    if migration.version in done:
                        continue
                    with conn.transaction():
                        conn.execute(migration.sql.encode())
                        conn.execute("INSERT INTO schema_migrations VALUES (%s, %s, %s)",
                                     (migration.version, migration.name, now_s()))
                    applied.append(f"{migration.version:03d}_{migration.name}")
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext('openhat.migrate.' ||"
                             " current_schema()))")
        return applied

    def close(self) -> None:
        self._pool.close()

    # --- HATs, keys, users -------------------------------------------------------------
    def create_hat(self, hat: Hat, owner: User, key: SigningKey) -> None:
        with self._write() as conn:
            _lock_domains(conn)
            if _domain_taken(conn, hat.domain) or conn.execute(
                    "SELECT 1 FROM hats WHERE hat_id = %s", (hat.hat_id,)).fetchone():
                raise HatExists(hat.domain)
            conn.execute("INSERT INTO hats VALUES (%s, %s, %s)",
                         (hat.hat_id, hat.domain, hat.created_at))
            _insert_user(conn, owner)
            _insert_key(conn, key)

    def hat_by_domain(self, domain: str) -> Hat | None:
        with self._read() as conn:
            row = conn.execute("SELECT hat_id, domain, created_at FROM hats WHERE domain = %s",
                               (domain,)).fetchone()
        return Hat(*row) if row else None

    def list_hats(self) -> list[Hat]:
        with self._read() as conn:
            rows = conn.execute("SELECT hat_id, domain, created_at FROM hats"
                                " ORDER BY domain COLLATE \"C\"").fetchall()
        return [Hat(*row) for row in rows]

    def rename_hat(self, hat_id: str, domain: str) -> None:
        with self._write() as conn:
            _lock_domains(conn)
            taken = conn.execute("SELECT 1 FROM hats WHERE domain = %s AND hat_id <> %s",
                                 (domain, hat_id)).fetchone()
            if taken:
                raise HatExists(domain)
            conn.execute("UPDATE hats SET domain = %s WHERE hat_id = %s", (domain, hat_id))

    def delete_hat(self, hat_id: str) -> None:
        with self._write() as conn:
            for table in HAT_TABLES:
                conn.execute(f"DELETE FROM {table} WHERE hat_id = %s", (hat_id,))

    def directory_entries(self) -> list[DirectoryEntry]:
        with self._read() as conn:
            rows = conn.execute("SELECT domain, hat_id, database_url FROM hat_directory"
                                " ORDER BY domain COLLATE \"C\"").fetchall()
        return [DirectoryEntry(*row) for row in rows]

    def directory_entry(self, domain: str) -> DirectoryEntry | None:
        with self._read() as conn:
            row = conn.execute("SELECT domain, hat_id, database_url FROM hat_directory"
                               " WHERE domain = %s", (domain,)).fetchone()
        return DirectoryEntry(*row) if row else None

    def set_directory_entry(self, entry: DirectoryEntry) -> None:
        with self._write() as conn:
            conn.execute("LOCK TABLE hat_directory IN SHARE ROW EXCLUSIVE MODE")
            conn.execute("DELETE FROM hat_directory WHERE domain = %s OR hat_id = %s",
                         (entry.domain, entry.hat_id))
            conn.execute("INSERT INTO hat_directory VALUES (%s, %s, %s, %s)",
                         (entry.hat_id, entry.domain, entry.database_url, now_s()))

    def remove_directory_entry(self, domain: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM hat_directory WHERE domain = %s", (domain,))

    # --- idempotency keys --------------------------------------------------------------
    def claim_idempotency_key(self, hat_id: str, key: str, fingerprint: bytes, now: int,
                              expire_before: int) -> IdempotentResponse | None:
        with self._write(hat_id) as conn:
            conn.execute("DELETE FROM idempotency_keys WHERE hat_id = %s AND key = %s AND"
                         " created_at < %s", (hat_id, key, expire_before))
            # ON CONFLICT: of two claims racing for one key exactly one inserts; the other
            # waits for it and then reads its row.
            claimed = conn.execute(
                "INSERT INTO idempotency_keys (hat_id, key, fingerprint, created_at)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT (hat_id, key) DO NOTHING RETURNING 1",
                (hat_id, key, fingerprint, now)).fetchone()
            if claimed is not None:
                return None
            row = conn.execute("SELECT fingerprint, status, body FROM idempotency_keys"
                               " WHERE hat_id = %s AND key = %s", (hat_id, key)).fetchone()
        if row is None:  # released between our insert attempt and the read: claim again
            return self.claim_idempotency_key(hat_id, key, fingerprint, now, expire_before)
        return IdempotentResponse(bytes(row[0]), row[1],
                                  None if row[2] is None else bytes(row[2]))

    def finish_idempotency_key(self, hat_id: str, key: str, status: int, body: bytes) -> None:
        with self._write(hat_id) as conn:
            conn.execute("UPDATE idempotency_keys SET status = %s, body = %s WHERE hat_id = %s"
                         " AND key = %s", (status, body, hat_id, key))

    def release_idempotency_key(self, hat_id: str, key: str) -> None:
        with self._write(hat_id) as conn:
            conn.execute("DELETE FROM idempotency_keys WHERE hat_id = %s AND key = %s",
                         (hat_id, key))

    # --- records: ANALYZE after bulk writes ----------------------------------------------
    def note_bulk_write(self, rows: int) -> None:
        """Count `rows` written; once they pass a share of the table as last analyzed,
        ANALYZE in the background, so the planner never works from the statistics of a far
        smaller table (perf-notes) and no request waits for it."""
        if rows <= 0:
            return
        with self._analyze_lock:
            self._written_since_analyze += rows
            if self._analyzed_rows is None:
                with self._read() as conn:
                    found = conn.execute("SELECT reltuples FROM pg_class WHERE oid ="
                                         " 'records'::regclass").fetchone()
                self._analyzed_rows = max(float(found[0]) if found else 0.0, 0.0)
            threshold = max(_ANALYZE_FLOOR, _ANALYZE_SHARE * self._analyzed_rows)
            if self._analyzing or self._written_since_analyze < threshold:
                return
            self._analyzed_rows += self._written_since_analyze
            self._written_since_analyze = 0
            self._analyzing = True
        threading.Thread(target=self._analyze, name="openhat-analyze", daemon=True).start()

    def _analyze(self) -> None:
        try:
            with self._read() as conn:
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


def _lock_domains(conn: Connection) -> None:
    """Serialise changes to HAT domains. Domains are unique without a UNIQUE constraint,
    which could not lead with hat_id (see migrations/postgres/001_core.sql); reads are not
    blocked by this lock mode."""
    conn.execute("LOCK TABLE hats IN SHARE ROW EXCLUSIVE MODE")


def _domain_taken(conn: Connection, domain: str) -> bool:
    return conn.execute("SELECT 1 FROM hats WHERE domain = %s", (domain,)).fetchone() is not None


def _insert_user(conn: Connection, user: User) -> None:
    conn.execute("INSERT INTO users VALUES (%s, %s, %s, %s, %s, %s, %s)",
                 (user.hat_id, user.user_id, user.username, user.password_hash,
                  orjson.dumps(list(user.roles)).decode(), user.enabled,
                  user.password_changed_at))


def _insert_key(conn: Connection, key: SigningKey) -> None:
    conn.execute("INSERT INTO signing_keys VALUES (%s, %s, %s, %s, %s, %s, %s)",
                 (key.hat_id, key.kid, key.private_pem, key.public_pem, key.created_at,
                  key.retired_at, key.revoked))
