"""Loading a HAT's rows on SQLite (storage/sql/portable.py): `executemany` inside the unit
of work's write transaction, with the SQLite-only `dup_key` digest computed per record, and
the `order` columns (rowids, shared by every HAT of the file) shifted past the file's
highest value, which keeps their order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from openhat.storage.sql.portable import PortableTable, PortableWriter, Row
from openhat.storage.sql.runner import Sql
from openhat.storage.sqlite import duplicates


class SqlitePortable(PortableWriter):
    def __init__(self, sql: Sql) -> None:
        super().__init__(sql)
        self._shifts: dict[tuple[str, str], int] = {}

    def load(self, table: PortableTable, hat_id: str, rows: Sequence[Row]) -> None:
        names = [*table.names, *table.derived]
        shifts = [(i, self._shift(table.name, c.name)) for i, c in enumerate(table.columns)
                  if c.kind == "order"]
        dup_key = table.name == "records"
        if dup_key:
            endpoint, digest = names.index("endpoint"), names.index("hash")
            names.append("dup_key")

        def values() -> Iterator[Row]:
            for row in rows:
                if shifts:
                    out = list(row)
                    for i, shift in shifts:
                        out[i] += shift
                    row = tuple(out)
                if dup_key:
                    row = (*row, duplicates.duplicate_key(hat_id, row[endpoint], row[digest]))
                yield (hat_id, *row)

        marks = ", ".join("?" * (len(names) + 1))
        with self._sql.connection() as conn:
            conn.executemany(f"INSERT INTO {table.name} (hat_id, {', '.join(names)})"
                             f" VALUES ({marks})", values())

    def _shift(self, table: str, column: str) -> int:
        """The highest value of the column in the file before this load (every HAT's rows
        share the rowid): loaded values, all positive, land above it in their order."""
        found = self._shifts.get((table, column))
        if found is None:
            row = self._sql.one(f"SELECT coalesce(max({column}), 0) FROM {table}")
            found = self._shifts[(table, column)] = int(row[0]) if row else 0
        return found
