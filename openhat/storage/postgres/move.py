"""Moving one HAT's rows from one PostgreSQL database to another, safely.

The order of work (docs/scaling.md):
1. In the source, lock the HAT's row in `hats` (FOR UPDATE). Every write of HAT data holds
   that row shared (postgres._lock_hat), so writes already running finish first and new
   ones wait; reads go on.
2. Stream every table's rows of the HAT into the target with COPY (binary), in one target
   transaction; count the rows on both sides and roll everything back on any difference.
3. Commit the target, then `switch` (the caller points the HAT directory at the target).
   If the switch fails, the target's copy is deleted and the source is left as it was.
4. Delete the HAT's rows from the source and commit, which releases the lock: the writes
   that waited find no HAT any more (HatUnavailable), and asked again, the directory sends
   them to the target.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from psycopg import sql

from openhat.storage.postgres.portable import advance_sequence
from openhat.storage.postgres.store import Connection, PostgresStore
from openhat.storage.rows import HatExists, HatUnavailable, StorageError
from openhat.storage.sql.hats import HAT_TABLES

log = logging.getLogger("openhat.storage")

# Tables that have a hat_id column but hold no HAT's own rows.
NOT_HAT_DATA = frozenset({"hat_directory"})


class MoveFailed(StorageError):
    """The copy could not be verified; nothing changed."""


def move_hat(source: PostgresStore, target: PostgresStore, hat_id: str,
             switch: Callable[[], None]) -> dict[str, int]:
    """Copy, verify, switch, delete (see the module docstring). Returns rows per table.
    Raises HatUnavailable (no such HAT in the source), HatExists (the target has the
    domain or the id), MoveFailed (schemas differ, or counts do not match)."""
    with source.connection() as src, target.connection() as tgt:
        _check_schemas(src, tgt)
        with src.transaction():
            row = src.execute("SELECT domain FROM hats WHERE hat_id = %s FOR UPDATE",
                              (hat_id,)).fetchone()
            if row is None:
                raise HatUnavailable(hat_id)
            domain = str(row[0])
            counts = {table: _count(src, table, hat_id) for table in HAT_TABLES}
            with tgt.transaction():
                tgt.execute("LOCK TABLE hats IN SHARE ROW EXCLUSIVE MODE")
                if tgt.execute("SELECT 1 FROM hats WHERE hat_id = %s OR domain = %s",
                               (hat_id, domain)).fetchone():
                    raise HatExists(domain)
                for table in reversed(HAT_TABLES):  # parents first
                    _copy_table(src, tgt, table, hat_id)
                copied = {table: _count(tgt, table, hat_id) for table in HAT_TABLES}
                if copied != counts:
                    raise MoveFailed(f"row counts differ after copying: source {counts},"
                                     f" target {copied}")
            try:
                switch()
            except BaseException:
                log.exception("switching the directory failed; removing the copy")
                with target.write() as undo:
                    undo.hats.delete(hat_id)
                raise
            for table in HAT_TABLES:
                src.execute(sql.SQL("DELETE FROM {} WHERE hat_id = %s")
                            .format(sql.Identifier(table)), (hat_id,))
    target.note_bulk_write(counts.get("records", 0))
    return counts


def _check_schemas(src: Connection, tgt: Connection) -> None:
    """Both databases at the same migrations, and every table holding HAT rows known to
    HAT_TABLES (a table missing there would be left behind)."""
    versions = [[row[0] for row in conn.execute(
        "SELECT version FROM schema_migrations ORDER BY version")] for conn in (src, tgt)]
    if versions[0] != versions[1]:
        raise MoveFailed(f"the databases are at different migrations: {versions[0]} and"
                         f" {versions[1]}: run `openhat migrate` on both")
    tables = {row[0] for row in src.execute(
        "SELECT table_name FROM information_schema.columns WHERE column_name = 'hat_id'"
        " AND table_schema = current_schema()")}
    unknown = tables - set(HAT_TABLES) - NOT_HAT_DATA
    if unknown:
        raise MoveFailed(f"tables with HAT rows that a move does not know: {sorted(unknown)}")


def _count(conn: Connection, table: str, hat_id: str) -> int:
    row = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE hat_id = %s")
                       .format(sql.Identifier(table)), (hat_id,)).fetchone()
    return int(row[0]) if row else 0


def _columns(conn: Connection, table: str) -> list[tuple[str, bool]]:
    """(name, is an identity column) in table order."""
    return [(str(row[0]), row[1] == "YES") for row in conn.execute(
        "SELECT column_name, is_identity FROM information_schema.columns WHERE table_schema ="
        " current_schema() AND table_name = %s ORDER BY ordinal_position", (table,))]


def _copy_table(src: Connection, tgt: Connection, table: str, hat_id: str) -> None:
    """Stream the HAT's rows of one table. Identity values (records.seq, ...) are kept, so
    the HAT's insertion order survives; the target's sequence is then moved past them."""
    columns = _columns(src, table)
    if columns != _columns(tgt, table):
        raise MoveFailed(f"table {table} differs between the databases")
    names = sql.SQL(", ").join(sql.Identifier(name) for name, _ in columns)
    out = sql.SQL("COPY (SELECT {} FROM {} WHERE hat_id = {}) TO STDOUT (FORMAT BINARY)").format(
        names, sql.Identifier(table), sql.Literal(hat_id))
    into = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(sql.Identifier(table), names)
    with src.cursor() as read, tgt.cursor() as write, read.copy(out) as rows, \
            write.copy(into) as sink:
        for block in rows:
            sink.write(block)
    for name, identity in columns:
        if identity:
            advance_sequence(tgt, table, name)
