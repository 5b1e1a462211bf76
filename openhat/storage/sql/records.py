"""The records reads both engines answer with the same code: one record, the newest time of
an endpoint, pages and links run from the text of the engine's query builder, and the size
test of the order-index policy.

What differs per engine (the builders, the write paths, how ids are listed) is in
sqlite/records.py and postgres/records.py, subclasses of `SqlRecords`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from openhat.storage.query import EndpointSelect, LinkedRecord, PageQuery, QueriedRecord
from openhat.storage.query_indexes import OrderIndexes
from openhat.storage.records import Records
from openhat.storage.rows import StoredRecord
from openhat.storage.sql.pages import PageSql
from openhat.storage.sql.runner import Sql

_IDS_CHUNK = 500  # ids per IN list (SQLite allows 32766 parameters; texts cached per size)


class SqlRecords(Records):
    """Reads over `Sql`; a subclass names its engine's query builder."""

    _pages: PageSql  # the engine's page and links SQL
    _links_chunk: int  # main record ids per links query
    _data_size: str  # the SQL size of one record's stored data, in bytes

    def data_bytes(self, hat_id: str) -> int:
        row = self._sql.one(f"SELECT coalesce(sum({self._data_size}), 0) FROM records"
                            " WHERE hat_id = :hat", {"hat": hat_id})
        return 0 if row is None else int(row[0])

    def __init__(self, sql: Sql, indexes: OrderIndexes) -> None:
        self._sql = sql
        self.indexes = indexes

    def get(self, hat_id: str, record_id: str) -> StoredRecord | None:
        row = self._sql.one(f"SELECT record_id, endpoint, {self._pages.data} FROM records"
                            " WHERE hat_id = :hat AND record_id = :id",
                            {"hat": hat_id, "id": record_id})
        return None if row is None else StoredRecord(*row)

    def get_many(self, hat_id: str, record_ids: Sequence[str]) -> list[StoredRecord]:
        found: list[StoredRecord] = []
        for start in range(0, len(record_ids), _IDS_CHUNK):
            chunk = record_ids[start:start + _IDS_CHUNK]
            params = {"hat": hat_id, **{f"i{n}": value for n, value in enumerate(chunk)}}
            names = ", ".join(f":i{n}" for n in range(len(chunk)))
            found += [StoredRecord(*row) for row in self._sql.all(
                f"SELECT record_id, endpoint, {self._pages.data} FROM records"
                f" WHERE hat_id = :hat AND record_id IN ({names})", params)]
        return found

    def newest_time(self, hat_id: str, endpoint: str) -> int | None:
        row = self._sql.one("SELECT max(updated_at) FROM records WHERE hat_id = :hat AND"
                            " endpoint = :endpoint", {"hat": hat_id, "endpoint": endpoint})
        return None if row is None or row[0] is None else int(row[0])

    def page(self, hat_id: str, query: PageQuery) -> list[QueriedRecord]:
        self.indexes.consider(hat_id, query)
        sql, params = self._pages.page_sql(hat_id, query)
        rows = self._sql.native(sql, params)
        if len(query.selects) > 1:  # a union's rows carry its sort keys after the record
            rows = [row[:4] for row in rows]
        return list(map(QueriedRecord._make, rows))

    def links(self, hat_id: str, record_ids: Sequence[str],
              select: EndpointSelect) -> list[LinkedRecord]:
        found: list[LinkedRecord] = []
        for start in range(0, len(record_ids), self._links_chunk):
            sql, params = self._pages.links_sql(
                hat_id, record_ids[start:start + self._links_chunk], select)
            found += [LinkedRecord(row[0], row[2], row[3], row[4])
                      for row in self._sql.native(sql, params)]
        return found

    def linked(self, hat_id: str, record_id: str) -> list[StoredRecord]:
        sql, params = self._pages.linked_sql(hat_id, record_id)
        return [StoredRecord(*row[1:]) for row in self._sql.native(sql, params)]


def holds_at_least(reads: Sql) -> Callable[[str, str, int], bool]:
    """OrderIndexes' `large`: whether the HAT holds at least `count` records of the
    endpoint, found without counting past `count`."""

    def large(hat_id: str, endpoint: str, count: int) -> bool:
        row = reads.one("SELECT count(*) FROM (SELECT 1 FROM records WHERE hat_id = :hat AND"
                        " endpoint = :endpoint LIMIT :count) s",
                        {"hat": hat_id, "endpoint": endpoint, "count": count})
        return row is not None and int(row[0]) >= count

    return large
