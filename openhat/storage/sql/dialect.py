"""What the plain-table SQL needs to know about a database engine: a small Dialect.

The plain tables (hats, users, keys, directory, applications, debits, bundles, combinators,
idempotency keys) are read and written by SQL written once, in SQLite's named-parameter
style (`:name`). A Dialect turns that text into its engine's form once per statement, and
names the few expressions that differ: how a JSON array of roles is searched, which
exceptions mean a unique key was violated, and how writers are serialised where a key is not
a UNIQUE constraint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# `:name` outside of quotes; `::` (a PostgreSQL cast) is left alone.
_NAMED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|::|:([A-Za-z_][A-Za-z0-9_]*)|%")


def to_pyformat(sql: str) -> str:
    """`:name` parameters as psycopg's `%(name)s`, with a literal `%` doubled; quoted
    literals and `::` casts untouched."""

    def replace(match: re.Match[str]) -> str:
        found = match.group(0)
        if match.group(1) is not None:
            return f"%({match.group(1)})s"
        return "%%" if found == "%" else found

    return _NAMED.sub(replace, sql)


@dataclass(frozen=True)
class Dialect:
    """An engine's share of the plain-table SQL."""

    name: str  # "sqlite" or "postgres": also the folder of its migrations
    pyformat: bool  # parameters as `%(name)s` (psycopg) instead of `:name` (sqlite3)
    unique_violations: tuple[type[Exception], ...]
    # SQL true when the JSON array text in the column `roles` holds the parameter `:role`.
    has_role: str
    # Appended to a text column in ORDER BY: byte order, whatever the database's collation.
    byte_order: str
    # Appended to a SELECT whose rows the transaction will change (row locks where the
    # engine has them; SQLite's write transaction already excludes every other writer).
    for_update: str
    # A statement taking a transaction-scoped lock named by the parameter `:lock`, or None
    # where the write transaction already serialises all writers (SQLite).
    named_lock: str | None
    # A statement serialising the writers of table `{table}` until the transaction ends
    # (reads go on), for a key the table cannot hold unique itself (PostgreSQL's HAT domains,
    # see migrations/postgres/001_core.sql); None where the write transaction already
    # serialises all writers (SQLite).
    lock_table: str | None
    # A statement announcing the parameter `:hat` to the processes watching the change log
    # when the transaction commits, or None where they poll for it (SQLite).
    notify: str | None = None
    # Reads come from a file of this machine, never waiting on the network or on a writer
    # (SQLite in WAL mode): cheaper to run where the request is than to hand to a thread.
    local_reads: bool = False
    _texts: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def text(self, sql: str) -> str:
        """`sql` (written with `:name` parameters) in this engine's parameter style."""
        if not self.pyformat:
            return sql
        found = self._texts.get(sql)
        if found is None:
            found = self._texts[sql] = to_pyformat(sql)
        return found

    def lock(self, table: str) -> str | None:
        """The statement that serialises `table`'s writers (see `lock_table`), or None."""
        return None if self.lock_table is None else self.lock_table.format(table=table)
