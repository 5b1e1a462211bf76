"""The records area on PostgreSQL: pages and links built by `postgres_query`, and the write
path written for PostgreSQL: batches go in with COPY (the fastest way in, perf-notes), data is
stored as JSONB and read back as its text (`data::text`).

Inside a unit of work a unique violation aborts the whole transaction, so every write that may
meet one runs in a savepoint (a nested `conn.transaction()`), leaving the unit of work usable.
The rows a unit of work wrote are counted (`written`) for the store's ANALYZE policy, which
runs after the commit (PostgresStore.note_bulk_write, through `tx.after_commit`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from openhat.storage import query_indexes
from openhat.storage.postgres import query as postgres_query
from openhat.storage.query import Path
from openhat.storage.records import RecordsWriter
from openhat.storage.rows import DuplicateRecord, NewElement, NewRecord, RecordsMissing
from openhat.storage.sql.records import SqlRecords, holds_at_least
from openhat.storage.sql.runner import Sql

Connection = psycopg.Connection[tuple[Any, ...]]
log = logging.getLogger("openhat.storage")

# One advisory lock per database for the schema work openhat does beside requests: every
# order-index build and drop, and its ANALYZEs of `records`. Two of them at once deadlock in
# PostgreSQL: CREATE INDEX CONCURRENTLY waits for every older snapshot, among them that of a
# second build (or ANALYZE) queued for the table lock the first holds (seen in CI: "deadlock
# detected", and no index). Holding it also tells another process that an invalid index is
# being built, not a failed build's leftover. It is taken by polling pg_try_advisory_lock,
# never by waiting in pg_advisory_lock: a statement that waits holds a snapshot, which the
# build holding the lock would wait for in turn.
_MAINTENANCE_LOCK = "7401, 0"
_POLL_S = 0.05

_RECORD_COLUMNS = "hat_id, record_id, endpoint, data, hash, created_at, updated_at"


def _valid(conn: psycopg.Connection[Any], name: str) -> bool | None:
    """Whether this schema's index `name` is usable, or None when there is none."""
    row = conn.execute("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON"
                       " c.oid = i.indexrelid WHERE c.relname = %s AND"
                       " c.relnamespace = current_schema()::regnamespace", (name,)).fetchone()
    return None if row is None else bool(row[0])


def _try_maintenance_lock(conn: psycopg.Connection[Any], scope: str = "") -> bool:
    """Take the maintenance lock if it is free; `scope` "_xact" for one held to the commit."""
    (locked,) = conn.execute(f"SELECT pg_try_advisory{scope}_lock({_MAINTENANCE_LOCK})"
                             ).fetchone() or (False,)
    return bool(locked)


@contextmanager
def maintenance_lock(conn: psycopg.Connection[Any]) -> Iterator[None]:
    """Hold the maintenance lock for the block (an autocommit connection: polled, see above)."""
    while not _try_maintenance_lock(conn):
        time.sleep(_POLL_S)
    try:
        yield
    finally:
        conn.execute(f"SELECT pg_advisory_unlock({_MAINTENANCE_LOCK})")


def try_maintenance_xact_lock(conn: psycopg.Connection[Any]) -> bool:
    """In a transaction: take the maintenance lock until the commit if it is free. Never
    waited for there: the transaction's snapshot would hold up the build holding the lock."""
    return _try_maintenance_lock(conn, "_xact")


def drop_failed_build(conn: psycopg.Connection[Any], name: str) -> bool | None:
    """Drop the invalid index `name` if no build is running, so that the next attempt can
    make it; the index's validity afterwards. Looked at again under the lock: a build that
    ended since the caller saw the index invalid has made it, and it stays."""
    if not _try_maintenance_lock(conn):
        return False  # being built (or other maintenance runs): looked at again later
    try:
        valid = _valid(conn, name)
        if valid is False:
            conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}".encode())
            return None
        return valid
    finally:
        conn.execute(f"SELECT pg_advisory_unlock({_MAINTENANCE_LOCK})")


def order_indexes(reads: Sql) -> query_indexes.OrderIndexes:
    """The store's order-index policy (storage/query_indexes.py), made on PostgreSQL; `reads`
    hands out autocommit connections, as CONCURRENTLY cannot run in a transaction."""

    def exists(name: str) -> bool:
        """True for a usable index. An invalid one is either being built (by this or another
        process, which holds the build lock) or left by a failed build: only the latter is
        dropped."""
        with reads.connection() as conn:
            valid = _valid(conn, name)
            if valid is False:
                valid = drop_failed_build(conn, name)
        return bool(valid)

    def create(name: str, endpoint: str, path: Path, descending: bool) -> None:
        """Build under the maintenance lock (a build running in another process is waited
        for, then found made); a failed build's invalid leftover is dropped first."""
        sql = postgres_query.order_index_sql(name, endpoint, path, descending)
        with reads.connection() as conn, maintenance_lock(conn):
            if _valid(conn, name) is False:  # (a valid one, built meanwhile, stays)
                conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}".encode())
            conn.execute(sql.replace("%%", "%").encode())
            try:
                conn.execute(b"ANALYZE records")  # statistics for the new expressions
            except psycopg.Error as exc:  # e.g. autovacuum analysing at the same moment
                log.warning("ANALYZE after creating index %s failed: %s", name, exc)

    return query_indexes.OrderIndexes(exists, holds_at_least(reads), create)


class PostgresRecords(SqlRecords):
    _pages = postgres_query.PAGES
    _links_chunk = 5000  # one array parameter, so only the statement's size bounds it
    _data_size = "pg_column_size(data)"  # as stored: jsonb, compressed when large

    def endpoints(self, hat_id: str) -> list[str]:
        # A loose index scan: one index probe per distinct endpoint instead of reading every
        # record of the HAT.
        rows = self._sql.all(
            "WITH RECURSIVE e AS ((SELECT endpoint FROM records WHERE hat_id = :h"
            " ORDER BY endpoint LIMIT 1) UNION ALL SELECT (SELECT endpoint FROM records"
            " WHERE hat_id = :h AND endpoint > e.endpoint ORDER BY endpoint LIMIT 1)"
            " FROM e WHERE e.endpoint IS NOT NULL)"
            " SELECT endpoint FROM e WHERE endpoint IS NOT NULL", {"h": hat_id})
        return sorted(row[0] for row in rows)

    def endpoints_of(self, hat_id: str, record_ids: Sequence[str]) -> list[str]:
        rows = self._sql.all("SELECT DISTINCT endpoint FROM records WHERE hat_id = :hat"
                             " AND record_id = ANY(:ids)", {"hat": hat_id, "ids": list(record_ids)})
        return sorted(row[0] for row in rows)


class PostgresRecordsWriter(PostgresRecords, RecordsWriter):
    def __init__(self, sql: Sql, indexes: query_indexes.OrderIndexes) -> None:
        super().__init__(sql, indexes)
        self.written = 0  # records stored by this unit of work (for ANALYZE after commit)

    def insert(self, hat_id: str, elements: Sequence[NewElement], now_ms: int,
               skip_duplicates: bool = False) -> list[bool]:
        if not elements:
            return []
        with self._sql.connection() as conn:
            if not skip_duplicates:
                try:
                    with conn.transaction():  # a savepoint
                        self.written += _copy_elements(conn, hat_id, elements, now_ms)
                except pg_errors.UniqueViolation as exc:
                    raise DuplicateRecord(str(exc)) from exc
                return [True] * len(elements)
            try:
                with conn.transaction():
                    stored = _insert_new_elements(conn, hat_id, elements, now_ms)
            except pg_errors.UniqueViolation:
                # A concurrent writer stored some of the same data since the check: go one
                # element at a time, each in its own savepoint.
                stored = _insert_one_by_one(conn, hat_id, elements, now_ms)
        self.written += sum(_row_count(e) for e, ok in zip(elements, stored, strict=True) if ok)
        return stored

    def update(self, hat_id: str, updates: Sequence[NewRecord], now_ms: int) -> None:
        if not updates:
            return
        with self._sql.connection() as conn:
            try:
                with conn.transaction(), conn.cursor() as cur:
                    cur.executemany(
                        "UPDATE records SET data = %s::jsonb, hash = %s, updated_at = %s"
                        " WHERE hat_id = %s AND record_id = %s",
                        [(u.data, u.hash, now_ms, hat_id, u.record_id) for u in updates])
                    # Each update touches at most one row: fewer rows means an unknown id.
                    if cur.rowcount != len(updates):
                        raise RecordsMissing("unknown record id")
            except pg_errors.UniqueViolation as exc:
                raise DuplicateRecord(str(exc)) from exc

    def delete(self, hat_id: str, record_ids: Sequence[str]) -> None:
        if len(set(record_ids)) != len(record_ids):
            raise RecordsMissing("an id is listed twice")
        if not record_ids:
            return
        with self._sql.connection() as conn, conn.transaction():
            deleted = _delete_records(conn, hat_id, "record_id = ANY(%s)", list(record_ids))
            if deleted != len(record_ids):
                raise RecordsMissing("unknown record id")

    def delete_endpoint(self, hat_id: str, endpoint: str) -> int:
        with self._sql.connection() as conn:
            return _delete_records(conn, hat_id, "endpoint = %s", endpoint)

    def link(self, hat_id: str, group_id: str, record_ids: Sequence[str]) -> None:
        unique = list(dict.fromkeys(record_ids))
        with self._sql.connection() as conn:
            # FOR KEY SHARE: the records cannot be deleted under the new links.
            found = conn.execute("SELECT count(*) FROM (SELECT 1 FROM records WHERE hat_id = %s"
                                 " AND record_id = ANY(%s) FOR KEY SHARE) f",
                                 (hat_id, unique)).fetchone()
            if found is None or found[0] != len(unique):
                raise RecordsMissing("unknown record id")
            conn.execute("INSERT INTO record_links SELECT %s, %s, unnest(%s::text[])",
                         (hat_id, group_id, unique))


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
