"""The PostgreSQL store's share of endpoint queries (and their order indexes).

A mixin of PostgresStore (mirror of `sqlite_queries`); the SQL of queries is built in
`postgres_query`.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

import psycopg

from openhat.storage import query_indexes
from openhat.storage.postgres import query as postgres_query
from openhat.storage.query import EndpointSelect, LinkedRecord, PageQuery, Path, QueriedRecord

Connection = psycopg.Connection[tuple[Any, ...]]

_LINKS_CHUNK = 5000  # main record ids per links query


class PostgresQueries:
    """Needs `_read()` and `_write()` from PostgresStore."""

    def _read(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def _write(self, hat_id: str | None = None) -> AbstractContextManager[Connection]:
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
        """True for a usable index; an invalid one (a failed concurrent build) is dropped."""
        with self._read() as conn:
            row = conn.execute("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON"
                               " c.oid = i.indexrelid WHERE c.relname = %s AND"
                               " c.relnamespace = current_schema()::regnamespace",
                               (name,)).fetchone()
            if row is not None and not row[0]:
                conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}".encode())
                return False
        return row is not None

    def _endpoint_holds(self, hat_id: str, endpoint: str, count: int) -> bool:
        with self._read() as conn:
            row = conn.execute("SELECT count(*) FROM (SELECT 1 FROM records WHERE hat_id = %s"
                               " AND endpoint = %s LIMIT %s) s", (hat_id, endpoint, count)
                               ).fetchone()
        return row is not None and int(row[0]) >= count

    def _create_order_index(self, name: str, endpoint: str, path: Path,
                            descending: bool) -> None:
        sql = postgres_query.order_index_sql(name, endpoint, path, descending)
        with self._read() as conn:  # autocommit: CONCURRENTLY cannot run in a transaction
            conn.execute(sql.replace("%%", "%").encode())
            conn.execute(b"ANALYZE records")  # statistics for the new expressions

    def query_page(self, hat_id: str, query: PageQuery) -> list[QueriedRecord]:
        self.order_indexes().consider(hat_id, query)
        sql, params = postgres_query.page_sql(hat_id, query)
        with self._read() as conn:
            rows = conn.execute(sql.encode(), params).fetchall()
        return [QueriedRecord(row[0], row[2], row[3], row[4]) for row in rows]

    def query_links(self, hat_id: str, record_ids: Sequence[str],
                    select: EndpointSelect) -> list[LinkedRecord]:
        found: list[LinkedRecord] = []
        with self._read() as conn:
            for start in range(0, len(record_ids), _LINKS_CHUNK):
                sql, params = postgres_query.links_sql(
                    hat_id, record_ids[start:start + _LINKS_CHUNK], select)
                found += [LinkedRecord(row[0], row[2], row[3], row[4])
                          for row in conn.execute(sql.encode(), params)]
        return found
