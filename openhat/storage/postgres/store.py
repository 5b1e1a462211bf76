"""The server backend: PostgreSQL through psycopg 3 with a connection pool.

Connections run in autocommit mode, so a read costs one round trip; every write opens an
explicit transaction and is all or nothing. Record batches go in with COPY (the fastest way
into PostgreSQL, perf-notes); record data is stored as JSONB and read back as its text
(`data::text`), which the web layer passes through without decoding.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from openhat.storage import migrations, redact_url
from openhat.storage.base import Store, Tx
from openhat.storage.postgres import sql as postgres_sql
from openhat.storage.postgres.apps import PostgresApplications
from openhat.storage.postgres.queries import PostgresQueries
from openhat.storage.rows import (
    DuplicateRecord,
    HatUnavailable,
    NewElement,
    NewRecord,
    RecordQuery,
    RecordsMissing,
    StorageError,
    StoredRecord,
)
from openhat.storage.sql.dialect import Dialect
from openhat.storage.sql.runner import Sql

log = logging.getLogger("openhat.storage")

Connection = psycopg.Connection[tuple[Any, ...]]

_CONNECT_TIMEOUT_S = 10.0
# Fresh statistics after bulk loads (perf-notes: stale ones made paging 20x slower): ANALYZE
# once the rows written since the last one pass this share of the table (or this floor).
_ANALYZE_SHARE = 0.5
_ANALYZE_FLOOR = 10_000

_RECORD_COLUMNS = "hat_id, record_id, endpoint, data, hash, created_at, updated_at"


POSTGRES = Dialect(
    name="postgres", pyformat=True, unique_violations=(pg_errors.UniqueViolation,),
    has_role="roles::jsonb ? :role", byte_order=' COLLATE "C"', for_update=" FOR UPDATE",
    named_lock="SELECT pg_advisory_xact_lock(hashtext(:lock))",
    lock_table="LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")


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
        Store.__init__(self, POSTGRES, Sql(POSTGRES, self._read))

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
            yield Tx(hat_id, Sql(POSTGRES, lambda: nullcontext(conn)))

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

    def close(self) -> None:
        self._pool.close()

    # --- records -----------------------------------------------------------------------
    def insert_elements(self, hat_id: str, elements: Sequence[NewElement], now: int,
                        skip_duplicates: bool = False) -> list[bool]:
        if not elements:
            return []
        if not skip_duplicates:
            try:
                with self._write(hat_id) as conn:
                    rows = _copy_elements(conn, hat_id, elements, now)
            except pg_errors.UniqueViolation as exc:
                raise DuplicateRecord(str(exc)) from exc
            self.note_bulk_write(rows)
            return [True] * len(elements)
        with self._pool.connection() as conn:
            try:
                with conn.transaction():
                    _lock_hat(conn, hat_id)
                    stored = _insert_new_elements(conn, hat_id, elements, now)
            except pg_errors.UniqueViolation:
                # A concurrent writer stored some of the same data since the check: go one
                # element at a time, each in its own savepoint.
                with conn.transaction():
                    _lock_hat(conn, hat_id)
                    stored = _insert_one_by_one(conn, hat_id, elements, now)
        self.note_bulk_write(sum(_row_count(e) for e, ok in zip(elements, stored, strict=True)
                              if ok))
        return stored

    def note_bulk_write(self, rows: int) -> None:
        """Count `rows` written; once they pass a share of the table as last analyzed,
        ANALYZE in the background, so the planner never works from the statistics of a far
        smaller table (perf-notes) and no request waits for it."""
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

    def read_records(self, hat_id: str, query: RecordQuery) -> list[StoredRecord]:
        sql, params = postgres_sql.select_page(hat_id, query)
        with self._read() as conn:
            rows = conn.execute(sql.encode(), params).fetchall()
        return [StoredRecord(*row) for row in rows]

    def get_record(self, hat_id: str, record_id: str) -> StoredRecord | None:
        with self._read() as conn:
            row = conn.execute("SELECT record_id, endpoint, data::text FROM records"
                               " WHERE hat_id = %s AND record_id = %s",
                               (hat_id, record_id)).fetchone()
        return StoredRecord(*row) if row else None

    def update_records(self, hat_id: str, updates: Sequence[NewRecord], now: int) -> None:
        if not updates:
            return
        try:
            with self._write(hat_id) as conn, conn.cursor() as cur:
                cur.executemany(
                    "UPDATE records SET data = %s::jsonb, hash = %s, updated_at = %s"
                    " WHERE hat_id = %s AND record_id = %s",
                    [(u.data, u.hash, now, hat_id, u.record_id) for u in updates])
                # Each update touches at most one row: fewer rows means an unknown id.
                if cur.rowcount != len(updates):
                    raise RecordsMissing("unknown record id")
        except pg_errors.UniqueViolation as exc:
            raise DuplicateRecord(str(exc)) from exc

    def delete_records(self, hat_id: str, record_ids: Sequence[str]) -> None:
        if len(set(record_ids)) != len(record_ids):
            raise RecordsMissing("an id is listed twice")
        with self._write(hat_id) as conn:
            deleted = _delete_records(conn, hat_id, "record_id = ANY(%s)", list(record_ids))
            if deleted != len(record_ids):
                raise RecordsMissing("unknown record id")

    def delete_endpoint(self, hat_id: str, endpoint: str) -> int:
        with self._write(hat_id) as conn:
            return _delete_records(conn, hat_id, "endpoint = %s", endpoint)

    def link_records(self, hat_id: str, group_id: str, record_ids: Sequence[str]) -> None:
        unique = list(dict.fromkeys(record_ids))
        with self._write(hat_id) as conn:
            # FOR KEY SHARE: the records cannot be deleted under the new links.
            found = conn.execute("SELECT count(*) FROM (SELECT 1 FROM records WHERE hat_id = %s"
                                 " AND record_id = ANY(%s) FOR KEY SHARE) f",
                                 (hat_id, unique)).fetchone()
            if found is None or found[0] != len(unique):
                raise RecordsMissing("unknown record id")
            conn.execute("INSERT INTO record_links SELECT %s, %s, unnest(%s::text[])",
                         (hat_id, group_id, unique))

    def endpoints(self, hat_id: str) -> list[str]:
        # A loose index scan: one index probe per distinct endpoint instead of reading every
        # record of the HAT.
        with self._read() as conn:
            rows = conn.execute(
                "WITH RECURSIVE e AS ((SELECT endpoint FROM records WHERE hat_id = %(h)s"
                " ORDER BY endpoint LIMIT 1) UNION ALL SELECT (SELECT endpoint FROM records"
                " WHERE hat_id = %(h)s AND endpoint > e.endpoint ORDER BY endpoint LIMIT 1)"
                " FROM e WHERE e.endpoint IS NOT NULL)"
                " SELECT endpoint FROM e WHERE endpoint IS NOT NULL", {"h": hat_id}).fetchall()
        return sorted(row[0] for row in rows)

    def record_endpoints(self, hat_id: str, record_ids: Sequence[str]) -> list[str]:
        with self._read() as conn:
            rows = conn.execute("SELECT DISTINCT endpoint FROM records WHERE hat_id = %s"
                                " AND record_id = ANY(%s)", (hat_id, list(record_ids))).fetchall()
        return sorted(row[0] for row in rows)


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


def _row_count(element: NewElement) -> int:
    return 1 + (len(element.links) if element.group_id else 0)


def _copy_elements(conn: Connection, hat_id: str, elements: Sequence[NewElement],
                   now: int) -> int:
    """COPY the elements' records (each followed by its links, so `seq` keeps the request's
    order) and their link groups; returns the number of records written.

    The COPY text is built here in one piece: a third faster than psycopg's row-by-row
    `write_row` for batches of seed-shaped records, measured."""
    hat = _copy_text(hat_id)
    tail = f"\t{now}\t{now}\n"
    rows: list[str] = []
    links: list[str] = []
    for record, element_links, group_id in elements:
        rows.append(_copy_record(hat, record, tail))
        if element_links and group_id:
            group = f"{hat}\t{_copy_text(group_id)}\t"
            links.append(group + _copy_text(record.record_id) + "\n")
            for link in element_links:
                rows.append(_copy_record(hat, link, tail))
                links.append(group + _copy_text(link.record_id) + "\n")
    with conn.cursor() as cur:
        with cur.copy(f"COPY records ({_RECORD_COLUMNS}) FROM STDIN") as copy:
            copy.write("".join(rows).encode())
        if links:
            with cur.copy("COPY record_links (hat_id, group_id, record_id) FROM STDIN") as copy:
                copy.write("".join(links).encode())
    return len(rows)


def _copy_record(hat: str, record: NewRecord, tail: str) -> str:
    return (f"{hat}\t{_copy_text(record.record_id)}\t{_copy_text(record.endpoint)}\t"
            f"{_copy_text(record.data)}\t\\\\x{record.hash.hex()}{tail}")


def _copy_text(value: str) -> str:
    """A value in COPY's text format: backslash, tab, newline and carriage return escaped
    (compact JSON holds none of the last three raw; it does hold backslashes)."""
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def _insert_new_elements(conn: Connection, hat_id: str, elements: Sequence[NewElement],
                         now: int) -> list[bool]:
    """Store the elements that duplicate neither stored data nor an earlier kept element
    (nor themselves), found with one query; returns which were stored."""
    keys = [[(r.endpoint, r.hash) for r in _records_of(e)] for e in elements]
    endpoints = [endpoint for element_keys in keys for endpoint, _ in element_keys]
    hashes = [digest for element_keys in keys for _, digest in element_keys]
    stored_keys = {(row[0], bytes(row[1])) for row in conn.execute(
        "SELECT r.endpoint, r.hash FROM records r JOIN unnest(%s::text[], %s::bytea[])"
        " AS k(endpoint, hash) ON r.endpoint = k.endpoint AND r.hash = k.hash"
        " WHERE r.hat_id = %s", (endpoints, hashes, hat_id))}
    kept: list[bool] = []
    for element_keys in keys:
        fresh = (len(set(element_keys)) == len(element_keys)
                 and not any(key in stored_keys for key in element_keys))
        kept.append(fresh)
        if fresh:
            stored_keys.update(element_keys)
    chosen = [e for e, ok in zip(elements, kept, strict=True) if ok]
    if chosen:
        _copy_elements(conn, hat_id, chosen, now)
    return kept


def _insert_one_by_one(conn: Connection, hat_id: str, elements: Sequence[NewElement],
                       now: int) -> list[bool]:
    stored = []
    for element in elements:
        try:
            with conn.transaction():  # a savepoint
                _copy_elements(conn, hat_id, (element,), now)
        except pg_errors.UniqueViolation:
            stored.append(False)
        else:
            stored.append(True)
    return stored


def _records_of(element: NewElement) -> list[NewRecord]:
    if element.links and element.group_id:
        return [element.record, *element.links]
    return [element.record]


def _delete_records(conn: Connection, hat_id: str, condition: str, value: Any) -> int:
    """Delete the HAT's records matching `condition` with their link memberships; returns how
    many records went. A group left with fewer than two members links nothing any more, so it
    goes too (the original removes groups left empty)."""
    row = conn.execute(
        f"WITH doomed AS (DELETE FROM records WHERE hat_id = %s AND {condition}"
        " RETURNING record_id), unlinked AS (DELETE FROM record_links WHERE hat_id = %s AND"
        " record_id IN (SELECT record_id FROM doomed) RETURNING group_id)"
        " SELECT (SELECT count(*) FROM doomed), (SELECT array_agg(DISTINCT group_id)"
        " FROM unlinked)", (hat_id, value, hat_id)).fetchone()
    assert row is not None
    deleted, groups = int(row[0]), row[1]
    if groups:
        conn.execute("DELETE FROM record_links WHERE hat_id = %s AND group_id IN (SELECT group_id"
                     " FROM record_links WHERE hat_id = %s AND group_id = ANY(%s)"
                     " GROUP BY group_id HAVING count(*) < 2)", (hat_id, hat_id, groups))
    return deleted
