"""The SQLite store's share of endpoint queries (and their order indexes).

A mixin of SqliteStore, kept apart from the records code; the SQL text of queries is built
in `sqlite_query`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager

from openhat.storage import query_indexes
from openhat.storage.query import EndpointSelect, LinkedRecord, PageQuery, Path, QueriedRecord
from openhat.storage.sqlite import query as sqlite_query


class SqliteQueries:
    """Needs `_reader()` and `_write()` from SqliteStore."""

    def _reader(self) -> sqlite3.Connection:
        raise NotImplementedError

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    # --- queries -------------------------------------------------------------------------
    order_index_threshold = query_indexes.DEFAULT_THRESHOLD
    order_index_background = True
    _order_indexes: query_indexes.OrderIndexes | None = None

    def order_indexes(self) -> query_indexes.OrderIndexes:
        """The order-index policy of this store (storage/query_indexes.py)."""
        if self._order_indexes is None:
            self._order_indexes = query_indexes.OrderIndexes(
                self._index_exists, self._endpoint_holds, self._create_order_index,
                self.order_index_threshold, self.order_index_background)
        return self._order_indexes

    def _index_exists(self, name: str) -> bool:
        return self._reader().execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND"
                                      " name = ?", (name,)).fetchone() is not None

    def _endpoint_holds(self, hat_id: str, endpoint: str, count: int) -> bool:
        found: int = self._reader().execute(
            "SELECT count(*) FROM (SELECT 1 FROM records WHERE hat_id = ? AND endpoint = ?"
            " LIMIT ?)", (hat_id, endpoint, count)).fetchone()[0]
        return found >= count

    def _create_order_index(self, name: str, endpoint: str, path: Path,
                            descending: bool) -> None:
        with self._write() as conn:
            conn.execute(sqlite_query.order_index_sql(name, endpoint, path, descending))

    def query_page(self, hat_id: str, query: PageQuery) -> list[QueriedRecord]:
        self.order_indexes().consider(hat_id, query)
        sql, params = sqlite_query.page_sql(hat_id, query)
        return [QueriedRecord(row[0], row[2], row[3], row[4])
                for row in self._reader().execute(sql, params)]

    def query_links(self, hat_id: str, record_ids: Sequence[str],
                    select: EndpointSelect) -> list[LinkedRecord]:
        found: list[LinkedRecord] = []
        for start in range(0, len(record_ids), 500):
            sql, params = sqlite_query.links_sql(hat_id, record_ids[start:start + 500], select)
            found += [LinkedRecord(row[0], row[2], row[3], row[4])
                      for row in self._reader().execute(sql, params)]
        return found
