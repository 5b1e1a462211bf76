"""Loading a HAT's rows on SQLite (storage/sql/portable.py): `executemany` inside the unit
of work's write transaction, with the SQLite-only `dup_key` digest computed per record, and
the `order` columns (rowids, shared by every HAT of the file) shifted past the file's
highest value, which keeps their order.

A table about to receive at least as many rows as it holds loses its secondary indexes
for the load, and gets them back, built once from the sorted rows, in `finish`: that is
about twice as fast as keeping each index up to date row by row. SQLite's DDL is part of
the transaction, so a load that fails leaves the indexes as they were, and readers of the
file meanwhile read the snapshot before it, indexes and all."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from openhat.storage.sql.portable import PORTABLE_TABLES, PortableTable, PortableWriter, Row
from openhat.storage.sql.runner import Sql
from openhat.storage.sqlite import duplicates

SORT_THREADS = 2  # helper threads for sorting the rows of an index built in `finish`
LOAD_CACHE_KIB = 16 << 10  # the page cache while loading


class SqlitePortable(PortableWriter):
    def __init__(self, sql: Sql) -> None:
        super().__init__(sql)
        self._shifts: dict[tuple[str, str], int] = {}
        self._dropped: list[str] = []  # the CREATE INDEX statements to run in finish

    def expect(self, rows: dict[str, int]) -> None:
        for table in (t.name for t in PORTABLE_TABLES):  # never a name from the archive
            incoming = rows.get(table, 0)
            if not incoming:
                continue
            held = self._sql.one(f"SELECT count(*) FROM {table}")
            if held is None or int(held[0]) > incoming:
                continue
            for name, create in self._sql.all(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                    " AND tbl_name = :table AND sql IS NOT NULL ORDER BY name",
                    {"table": table}):
                self._sql.run(f"DROP INDEX {name}")
                self._dropped.append(str(create))

    def finish(self) -> None:
        """Build the indexes `expect` dropped (a unique one refuses duplicate rows here)."""
        if not self._dropped:
            return
        with self._small_cache() as conn:
            conn.execute(f"PRAGMA threads={SORT_THREADS}")  # the sort on more cores
            try:
                for create in self._dropped:
                    with self._conflicts(create.split(" ON ", 1)[1].split()[0]):
                        conn.execute(create)
            finally:
                conn.execute("PRAGMA threads=0")
        self._dropped.clear()

    def load(self, table: PortableTable, hat_id: str, rows: Sequence[Row]) -> None:
        names = [*table.names, *table.derived]
        shifts = [(i, shift) for i, c in enumerate(table.columns) if c.kind == "order"
                  if (shift := self._shift(table.name, c.name))]  # none into a new file
        values: Iterator[Row] = ((hat_id, *row) for row in rows)
        if shifts:
            values = ((hat_id, *_shifted(row, shifts)) for row in rows)
        if table.name == "records":  # and its SQLite-only column
            endpoint, digest = names.index("endpoint"), names.index("hash")
            names.append("dup_key")
            key = duplicates.duplicate_keys(hat_id)
            values = ((*row, key(row[endpoint + 1], row[digest + 1])) for row in values)

        marks = ", ".join("?" * (len(names) + 1))
        with self._conflicts(table.name), self._small_cache() as conn:
            conn.executemany(f"INSERT INTO {table.name} (hat_id, {', '.join(names)})"
                             f" VALUES ({marks})", values)

    @contextmanager
    def _small_cache(self) -> Iterator[Any]:
        """The connection with a page cache of LOAD_CACHE_KIB meanwhile: a bulk load only
        appends (its dirty pages go to the WAL as the cache fills, whatever its size), and
        an index's sort spills to temporary files past it, so a small cache costs no speed
        and keeps a million-record import's memory flat."""
        with self._sql.connection() as conn:
            (before,) = conn.execute("PRAGMA cache_size").fetchone()
            conn.execute(f"PRAGMA cache_size=-{LOAD_CACHE_KIB}")
            try:
                yield conn
            finally:
                conn.execute(f"PRAGMA cache_size={int(before)}")

    def _shift(self, table: str, column: str) -> int:
        """The highest value of the column in the file before this load (every HAT's rows
        share the rowid): loaded values, all positive, land above it in their order."""
        found = self._shifts.get((table, column))
        if found is None:
            row = self._sql.one(f"SELECT coalesce(max({column}), 0) FROM {table}")
            found = self._shifts[(table, column)] = int(row[0]) if row else 0
        return found


def _shifted(row: Row, shifts: list[tuple[int, int]]) -> Row:
    out = list(row)
    for i, shift in shifts:
        out[i] += shift
    return tuple(out)
