"""Reading and loading a HAT's rows on PostgreSQL (storage/sql/portable.py): JSONB read as
its text, rows loaded with COPY inside the unit of work, the identity sequences moved past
the loaded values at the end (the values are kept: `seq` needs no uniqueness across HATs).

Into a database that holds no other HAT, an empty table about to receive REBUILD_ROWS rows
or more loses its indexes (and the unique constraints they back) for the load and gets
them back in `finish`, each built once from the loaded rows: a plain COPY of a million
records with the builds after takes 0.55 to 0.67 of the time of one that keeps every
index up to date row by row, the whole import about a sixth less (docs/operations.md).
The DDL is part of the unit of work, so a load that fails leaves the schema as it was. Its
locks would stop every reader of the table until the commit, hence never beside another
HAT's rows, nor while the maintenance lock is held (an index build on the table)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql
from psycopg.sql import Composable

from openhat.storage.postgres.records import try_maintenance_xact_lock
from openhat.storage.sql.portable import PORTABLE_TABLES, PortableTable, PortableWriter, Row
from openhat.storage.sql.runner import Sql

Connection = psycopg.Connection[tuple[Any, ...]]

REBUILD_ROWS = 1000  # rows from which a load into an empty table rebuilds its indexes after


class PostgresPortable(PortableWriter):
    def __init__(self, sql: Sql) -> None:
        super().__init__(sql)
        self._ordered: set[tuple[str, str]] = set()
        self._loaded: set[str] = set()
        self.unanalyzed = False  # loaded, but ANALYZE left to after the commit
        self._dropped: list[tuple[str, Composable]] = []  # (table, DDL to run in finish)

    def expect(self, rows: dict[str, int]) -> None:
        tables = [t.name for t in PORTABLE_TABLES if rows.get(t.name, 0) >= REBUILD_ROWS]
        if not tables:
            return
        with self._sql.connection() as conn:
            alone = conn.execute("SELECT count(*) <= 1 FROM hats").fetchone()
            if not (alone and alone[0]) or not try_maintenance_xact_lock(conn):
                return
            for table in tables:
                self._dropped += [(table, ddl) for ddl in set_aside_indexes(conn, table)]

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
        """Build the indexes `expect` dropped (a unique one refuses rows sharing a key here),
        move the sequences on, and ANALYZE what was loaded, in the transaction (it counts
        its own new rows): with the statistics of an empty table the planner reads a
        million-record HAT many times slower (perf-notes), from the first request on.
        While an order index is being built the ANALYZE would deadlock with it
        (postgres/records.py, the maintenance lock), so it then runs after the commit."""
        with self._sql.connection() as conn:
            for table, ddl in self._dropped:
                with self._conflicts(table):
                    conn.execute(ddl)
            self._dropped.clear()
            for table, column in sorted(self._ordered):
                advance_sequence(conn, table, column)
            if self._loaded and not try_maintenance_xact_lock(conn):
                self.unanalyzed = True
                return
            for table in sorted(self._loaded):
                conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))


def set_aside_indexes(conn: Connection, table: str) -> list[Composable]:
    """Drop the indexes and unique constraints of `table` if it is empty and no foreign key
    leans on them; returns the DDL that makes them again (none when kept)."""
    name = sql.Identifier(table)
    free = conn.execute(sql.SQL("SELECT NOT EXISTS (SELECT FROM {}) AND NOT EXISTS (SELECT"
                                " FROM pg_constraint WHERE confrelid = %s::regclass)"
                                ).format(name), (table,)).fetchone()
    if not (free and free[0]):
        return []
    rebuild: list[Composable] = []
    for constraint, definition in conn.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE"
            " conrelid = %s::regclass AND contype IN ('p', 'u') ORDER BY conname",
            (table,)).fetchall():
        conn.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}")
                     .format(name, sql.Identifier(constraint)))
        rebuild.append(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
            name, sql.Identifier(constraint), sql.SQL(definition)))
    for index, definition in conn.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
            " WHERE indrelid = %s::regclass AND indisvalid AND NOT EXISTS (SELECT FROM"
            " pg_constraint WHERE conindid = indexrelid) ORDER BY 1", (table,)).fetchall():
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.SQL(index)))
        rebuild.append(sql.SQL(definition))
    return rebuild


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
