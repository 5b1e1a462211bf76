"""Reading and loading a HAT's rows on PostgreSQL (storage/sql/portable.py): JSONB read as
its text, rows loaded with COPY inside the unit of work, the identity sequences moved past
the loaded values at the end (the values are kept: `seq` needs no uniqueness across HATs)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql

from openhat.storage.postgres.records import try_maintenance_xact_lock
from openhat.storage.sql.portable import PortableTable, PortableWriter, Row
from openhat.storage.sql.runner import Sql

Connection = psycopg.Connection[tuple[Any, ...]]


class PostgresPortable(PortableWriter):
    def __init__(self, sql: Sql) -> None:
        super().__init__(sql)
        self._ordered: set[tuple[str, str]] = set()
        self._loaded: set[str] = set()
        self.unanalyzed = False  # loaded, but ANALYZE left to after the commit

    def _json_text(self, column: str) -> str:
        return f"{column}::text"

    def load(self, table: PortableTable, hat_id: str, rows: Sequence[Row]) -> None:
        names = sql.SQL(", ").join(sql.Identifier(n)
                                   for n in ("hat_id", *table.names, *table.derived))
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table.name), names)
        with self._conflicts(table.name), self._sql.connection() as conn, conn.cursor() as cur, \
                cur.copy(statement) as copy:
            for row in rows:
                copy.write_row((hat_id, *row))
        self._ordered.update((table.name, c.name) for c in table.columns if c.kind == "order")
        self._loaded.add(table.name)

    def finish(self) -> None:
        """Move the sequences on, and ANALYZE what was loaded, in the transaction (it counts
        its own new rows): with the statistics of an empty table the planner reads a
        million-record HAT many times slower (perf-notes), from the first request on.
        While an order index is being built the ANALYZE would deadlock with it
        (postgres/records.py, the maintenance lock), so it then runs after the commit."""
        with self._sql.connection() as conn:
            for table, column in sorted(self._ordered):
                advance_sequence(conn, table, column)
            if self._loaded and not try_maintenance_xact_lock(conn):
                self.unanalyzed = True
                return
            for table in sorted(self._loaded):
                conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))


def advance_sequence(conn: Connection, table: str, column: str) -> None:
    """Move an identity sequence past the highest value now in the column (it only ever
    moves forward, so concurrent inserts of other HATs are not disturbed)."""
    found = conn.execute("SELECT pg_get_serial_sequence(%s, %s)", (table, column)).fetchone()
    if not found or not found[0]:
        return
    sequence = str(found[0])
    conn.execute(sql.SQL("SELECT setval(%s::regclass, m) FROM (SELECT max({}) AS m FROM {}) t"
                         " WHERE m > coalesce(pg_sequence_last_value(%s::regclass), 0)")
                 .format(sql.Identifier(column), sql.Identifier(table)), (sequence, sequence))
