"""A HAT's rows, table by table, in a form both engines share: read in key order a page at a
time, and loaded in bulk into a new HAT. Export, import and the moves between engines
(openhat/portability) are built on this.

`PORTABLE_TABLES` is the registry: each table holding a HAT's rows, parents first, with
its key and its columns and what kind of value each holds. A new table with HAT rows gets
one line here (tests/storage/test_portable.py checks the schema against it). `hat_id` is
never a column here: every row belongs to the HAT being read or loaded.

Values cross as plain Python: str, int, bool, bytes, None; a `json` column as its JSON text
(on PostgreSQL `data::text`; the loader of each engine casts it back), an `order` column
(an insertion order: records.seq, data_debit_permissions.permissions_id) as an int whose
relative order the load keeps (the SQLite loader shifts the values past those of the
database's other HATs, as they share one rowid space).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from openhat.storage.rows import RowsConflict
from openhat.storage.sql.hats import HAT_TABLES
from openhat.storage.sql.runner import Area

Kind = Literal["text", "int", "bool", "bytes", "json", "order"]
Row = tuple[Any, ...]

PAGE_ROWS = 5000  # rows per keyset page: big enough to amortise the query, small in memory


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    nullable: bool = False


@dataclass(frozen=True)
class PortableTable:
    """A table of HAT rows as export and import see it."""

    name: str
    key: tuple[str, ...]  # unique within the HAT, with an index: keyset pages follow it;
    # () for a table of one row per HAT
    columns: tuple[Column, ...]  # every column but hat_id and the derived ones
    derived: tuple[str, ...] = ()  # stored columns computed from the others by the importer
    expires: str | None = None  # a time column (unix ms): rows older than `since` are dead

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _columns(spec: str) -> tuple[Column, ...]:
    """`"name:kind name:kind? ..."` (kind text when left out; `?`: may be null)."""
    out = []
    for item in spec.split():
        name, _, kind = item.partition(":")
        nullable = kind.endswith("?") or (not kind and name.endswith("?"))
        name, kind = name.rstrip("?"), kind.rstrip("?") or "text"
        out.append(Column(name, kind, nullable))  # type: ignore[arg-type]
    return tuple(out)


def _table(name: str, key: str, columns: str, **options: Any) -> PortableTable:
    return PortableTable(name, tuple(key.split()), _columns(columns), **options)


# Parents first (a load goes in this order; HAT_TABLES, children first, is its reverse).
PORTABLE_TABLES: tuple[PortableTable, ...] = (
    _table("signing_keys", "kid",
           "kid private_pem public_pem created_at:int retired_at:int? revoked:bool"),
    _table("users", "user_id",
           "user_id username password_hash roles enabled:bool password_changed_at:int"),
    _table("records", "record_id",
           "record_id endpoint data:json seq:order created_at:int updated_at:int",
           derived=("hash",)),
    _table("record_links", "group_id record_id", "group_id record_id"),
    _table("idempotency_keys", "key",
           "key fingerprint:bytes status:int? body:bytes? created_at:int", expires="created_at"),
    _table("applications", "application_id",
           "application_id manifest enabled:bool setup_version? added_at:int updated_at:int"
           " registration"),
    _table("combinators", "name", "name queries updated_at:int"),
    _table("bundles", "bundle_id", "bundle_id bundle debit_key? updated_at:int"),
    _table("data_debits", "debit_key",
           "debit_key created_at:int client_name client_url client_logo_url"
           " client_callback_url? application_id? description? legacy:bool client_user_id?"),
    _table("data_debit_permissions", "permissions_id",
           "permissions_id:order debit_key created_at:int purpose start_at:int period_ms:int"
           " cancel_at_period_end:bool canceled_at:int? terms_url bundle_id conditions_id?"
           " accepted:bool"),
    _table("files", "file_id",
           "file_id name source created_at:int updated_at:int tags? title? description?"
           " source_url? content_type? status size:int? content_public:bool"),
    _table("file_access", "file_id user_id", "file_id user_id content_readable:bool"),
    _table("file_secrets", "", "secret"),
    _table("account_emails", "user_id", "user_id email? pending_email? verified_at:int?"),
    _table("mail_tokens", "token_hash",
           "token_hash:bytes user_id purpose email created_at:int expires_at:int",
           expires="expires_at"),
    _table("login_log", "seq", "seq:order at:int address username user_id? outcome"),
    _table("change_counters", "", "last_id:int pruned_through:int"),
    _table("change_events", "last_id",
           "last_id:int count:int kind endpoint? record_ids created_at:int"),
    _table("audit_log", "entry_id",
           "entry_id at:int actor_kind actor_id? action object endpoint? count:int? client?"
           " outcome status:int"),
    _table("webhooks", "webhook_id",
           "webhook_id application_id url endpoints secret delivered_through:int attempts:int"
           " next_attempt_at:int lease_until:int last_error? created_at:int"),
    _table("she_functions", "function_id",
           "function_id enabled:bool last_execution:int? execution_started:int?"),
)
BY_NAME = {table.name: table for table in PORTABLE_TABLES}
assert {t.name for t in PORTABLE_TABLES} | {"hats"} == set(HAT_TABLES), "HAT_TABLES differs"


class PortableReader(Area):
    """A HAT's rows, read on one connection (a snapshot, or a unit of work holding the HAT),
    so every table is read as of one moment."""

    def count(self, table: PortableTable, hat_id: str, since: int = 0) -> int:
        """How many rows of the HAT `rows` yields for `table`."""
        where, params = self._where(table, hat_id, since)
        row = self._sql.one(f"SELECT count(*) FROM {table.name} WHERE {where}", params)
        return int(row[0]) if row else 0

    def rows(self, table: PortableTable, hat_id: str, since: int = 0,
             page_rows: int = PAGE_ROWS) -> Iterator[Row]:
        """Every row of the HAT in `table` (columns as `table.columns`), in key order, a
        keyset page at a time (never OFFSET: each page starts from the last key seen, so a
        page costs the same wherever it is). Rows of an expiring table older than `since`
        (unix ms) are left out."""
        bools = [i for i, c in enumerate(table.columns) if c.kind == "bool"]
        blobs = [i for i, c in enumerate(table.columns) if c.kind == "bytes"]
        keys = [table.names.index(k) for k in table.key]
        select = ", ".join(self._json_text(c.name) if c.kind == "json" else c.name
                           for c in table.columns)
        order = ", ".join(table.key)
        after = (f"({order}) > ({', '.join(f':k{i}' for i in range(len(keys)))})"
                 if len(keys) > 1 else f"{order} > :k0")
        where, params = self._where(table, hat_id, since)
        if not keys:  # one row per HAT at most
            order, page_rows = "hat_id", 2
        last: Sequence[Any] | None = None
        while True:
            condition = where if last is None else f"{where} AND {after}"
            if last is not None:
                params.update({f"k{i}": last[k] for i, k in enumerate(keys)})
            page = self._sql.all(f"SELECT {select} FROM {table.name} WHERE {condition}"
                                 f" ORDER BY {order} LIMIT {int(page_rows)}", params)
            for row in page:
                if bools or blobs:
                    values = list(row)
                    for i in bools:
                        values[i] = bool(values[i])
                    for i in blobs:
                        values[i] = None if values[i] is None else bytes(values[i])
                    row = tuple(values)
                yield row
            if len(page) < page_rows:
                return
            last = page[-1]

    def _json_text(self, column: str) -> str:
        """The SELECT expression of a JSON column's text."""
        return column

    def _where(self, table: PortableTable, hat_id: str, since: int
               ) -> tuple[str, dict[str, Any]]:
        if table.expires is None:
            return "hat_id = :hat", {"hat": hat_id}
        return f"hat_id = :hat AND {table.expires} >= :since", {"hat": hat_id, "since": since}


class PortableWriter(PortableReader, ABC):
    """Bulk loading the rows of a new HAT, inside one unit of work (the HAT's own row is made
    first, with `tx.hats.create`). Each engine writes them its fastest way."""

    def hold(self, hat_id: str) -> str | None:
        """Hold the HAT against every other writer until the unit of work ends (a move
        copies it meanwhile): its row locked for update on PostgreSQL; on SQLite the write
        transaction, begun here, excludes every writer already. Returns its domain, None
        when the HAT is not in this database."""
        row = self._sql.one(f"SELECT domain FROM hats WHERE hat_id = :hat"
                            f"{self._sql.dialect.for_update}", {"hat": hat_id})
        return None if row is None else str(row[0])

    def expect(self, rows: dict[str, int]) -> None:
        """The rows about to be loaded, per table name (a loader may prepare for them); names
        that are no table of PORTABLE_TABLES are ignored (they may come from an archive)."""

    @abstractmethod
    def load(self, table: PortableTable, hat_id: str, rows: Sequence[Row]) -> None:
        """Insert rows of `table` (values in the order of `table.columns`, then
        `table.derived`), keeping every value but the `order` columns, whose relative
        order is kept. Call `expect` before the first, `finish` once every table is
        loaded. Raises RowsConflict when rows share a key (here or in `finish`)."""

    def finish(self) -> None:
        """Whatever the engine must do once the rows are in (move sequences on)."""

    @contextmanager
    def _conflicts(self, table: str) -> Iterator[None]:
        """A unique key violated while loading `table` as RowsConflict."""
        try:
            yield
        except Exception as exc:
            if self._sql.unique_violation(exc):
                raise RowsConflict(f"{table}: the rows hold a key more than once ({exc})"
                                   ) from None
            raise
