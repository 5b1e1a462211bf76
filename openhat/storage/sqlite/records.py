"""The records area on SQLite: pages and links built by `sqlite_query`, and the write path
written for SQLite (inserts.py: a whole batch in one `INSERT ... SELECT` over `json_each`;
duplicates.py: the 8-byte duplicate index).

Inside a unit of work the transaction begins with its first statement (SqliteStore.
_transaction), so a batch's rows are prepared before the write lock is taken.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager

from openhat.storage import query_indexes
from openhat.storage.query import Path
from openhat.storage.records import RecordsWriter
from openhat.storage.rows import DuplicateRecord, NewElement, NewRecord, RecordsMissing
from openhat.storage.sql.records import SqlRecords, holds_at_least
from openhat.storage.sql.runner import Sql
from openhat.storage.sqlite import duplicates as sqlite_duplicates
from openhat.storage.sqlite import inserts as sqlite_inserts
from openhat.storage.sqlite import query as sqlite_query
from openhat.storage.sqlite.sql import chunks


def order_indexes(reads: Sql, write: Callable[[], AbstractContextManager[sqlite3.Connection]]
                  ) -> query_indexes.OrderIndexes:
    """The store's order-index policy (storage/query_indexes.py), made on SQLite."""

    def exists(name: str) -> bool:
        # An index made before numbers had their exact second key sorts by other
        # expressions, which no query uses any more: it is made again (`create`).
        row = reads.one("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name",
                        {"name": name})
        return row is not None and "hat_number_residue" in row[0]

    def create(name: str, endpoint: str, path: Path, descending: bool) -> None:
        with write() as conn:
            conn.execute(f"DROP INDEX IF EXISTS {name}")
            conn.execute(sqlite_query.order_index_sql(name, endpoint, path, descending))

    return query_indexes.OrderIndexes(exists, holds_at_least(reads), create)


class SqliteRecords(SqlRecords):
    _pages = sqlite_query.PAGES
    _links_chunk = 500  # under SQLite's bound-parameter limit
    _data_size = "length(CAST(data AS BLOB))"

    def endpoints(self, hat_id: str) -> list[str]:
        return [row[0] for row in self._sql.all(
            "SELECT DISTINCT endpoint FROM records WHERE hat_id = :hat ORDER BY endpoint",
            {"hat": hat_id})]

    def endpoints_of(self, hat_id: str, record_ids: Sequence[str]) -> list[str]:
        found: set[str] = set()
        for chunk in chunks(list(record_ids)):
            marks = ",".join("?" * len(chunk))
            found.update(row[0] for row in self._sql.native(
                f"SELECT DISTINCT endpoint FROM records WHERE hat_id = ? AND record_id IN"
                f" ({marks})", [hat_id, *chunk]))
        return sorted(found)


class SqliteRecordsWriter(SqliteRecords, RecordsWriter):
    def insert(self, hat_id: str, elements: Sequence[NewElement], now_ms: int,
               skip_duplicates: bool = False) -> list[bool]:
        if not elements:
            return []
        if not skip_duplicates:
            rows = sqlite_inserts.element_rows(hat_id, elements)  # all built before the lock
            keys = rows.content_keys()
            if len(keys) != len(rows.records):
                raise DuplicateRecord("the same data twice in one endpoint")
            prepared = sqlite_inserts.prepare(hat_id, now_ms, rows)
            with self._sql.connection() as conn:  # the first statement takes the lock
                if not keys.isdisjoint(sqlite_duplicates.stored(conn, hat_id, rows.dup_keys())):
                    raise DuplicateRecord("data already stored")
                sqlite_inserts.insert(conn, prepared)
            return [True] * len(elements)
        per_element = [sqlite_inserts.element_rows(hat_id, (e,)) for e in elements]
        with self._sql.connection() as conn:
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
            if kept.records:
                sqlite_inserts.insert(conn, sqlite_inserts.prepare(hat_id, now_ms, kept))
            return stored

    def update(self, hat_id: str, updates: Sequence[NewRecord], now_ms: int) -> None:
        if not updates:
            return
        with self._sql.connection() as conn:
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
                             (update.data, update.hash, dup_key, now_ms, hat_id,
                              update.record_id))

    def delete(self, hat_id: str, record_ids: Sequence[str]) -> None:
        if len(set(record_ids)) != len(record_ids):
            raise RecordsMissing("an id is listed twice")
        if not record_ids:
            return
        with self._sql.connection() as conn:
            _doomed(conn)
            conn.executemany("INSERT INTO temp.doomed VALUES (?)", [(i,) for i in record_ids])
            if _delete_doomed(conn, hat_id) != len(record_ids):
                raise RecordsMissing("unknown record id")

    def delete_endpoint(self, hat_id: str, endpoint: str) -> int:
        with self._sql.connection() as conn:
            _doomed(conn)
            conn.execute("INSERT INTO temp.doomed SELECT record_id FROM records"
                         " WHERE hat_id = ? AND endpoint = ?", (hat_id, endpoint))
            return _delete_doomed(conn, hat_id)

    def link(self, hat_id: str, group_id: str, record_ids: Sequence[str]) -> None:
        unique = list(dict.fromkeys(record_ids))
        with self._sql.connection() as conn:
            found = 0
            for chunk in chunks(unique):
                marks = ",".join("?" * len(chunk))
                found += conn.execute(f"SELECT count(*) FROM records WHERE hat_id = ? AND"
                                      f" record_id IN ({marks})", (hat_id, *chunk)).fetchone()[0]
            if found != len(unique):
                raise RecordsMissing("unknown record id")
            conn.executemany("INSERT INTO record_links VALUES (?, ?, ?)",
                             [(hat_id, group_id, record_id) for record_id in unique])


def _doomed(conn: sqlite3.Connection) -> None:
    """An empty temp.doomed, the ids of the records about to go."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS doomed (record_id TEXT PRIMARY KEY)")
    conn.execute("DELETE FROM temp.doomed")


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
