"""Running plain-table SQL on a connection: one small class over both drivers.

sqlite3 and psycopg connections both answer `execute(sql, params)` with a cursor, so the SQL
written once only needs its parameter style translated (see dialect.py) and a connection:
inside a unit of work always the transaction's own, outside one a reader per call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from openhat.storage.sql.dialect import Dialect

Row = tuple[Any, ...]
Params = Mapping[str, Any]


class Sql:
    """Runs `:name`-parameter SQL on the connections `connect` hands out."""

    def __init__(self, dialect: Dialect, connect: Callable[[], AbstractContextManager[Any]]
                 ) -> None:
        self.dialect = dialect
        self._connect = connect

    def one(self, sql: str, params: Params | None = None) -> Row | None:
        """The first row, or None."""
        with self._connect() as conn:
            row = conn.execute(self.dialect.text(sql), params or {}).fetchone()
        return None if row is None else tuple(row)

    def all(self, sql: str, params: Params | None = None) -> list[Row]:
        with self._connect() as conn:
            return [tuple(row) for row in conn.execute(self.dialect.text(sql),
                                                       params or {}).fetchall()]

    def run(self, sql: str, params: Params | None = None) -> int:
        """Execute a write; returns the number of rows it changed."""
        with self._connect() as conn:
            return int(conn.execute(self.dialect.text(sql), params or {}).rowcount)

    def native(self, sql: str, params: Sequence[Any] | Params) -> list[Row]:
        """The rows of SQL already in the engine's own parameter style (`?` or `%s`): the
        record query builders' text, run as it is (rows as the driver gives them)."""
        with self._connect() as conn:
            rows: list[Row] = conn.execute(sql, params).fetchall()
            return rows

    def connection(self) -> AbstractContextManager[Any]:
        """The connection itself, for the hand-written record write paths (COPY, one-step
        inserts) that need more than `run`."""
        return self._connect()

    def unique_violation(self, exc: BaseException) -> bool:
        """Whether `exc` is this engine's unique-key violation."""
        return isinstance(exc, self.dialect.unique_violations)


class Area:
    """A storage area over one `Sql`: the store's reads, or (as a writer subclass) one unit
    of work's reads and writes."""

    def __init__(self, sql: Sql) -> None:
        self._sql = sql
