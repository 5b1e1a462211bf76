"""The portable rows (storage/sql/portable.py) on both backends: the registry covers the
schema, keyset pages read every row once in key order, a snapshot ignores later writes, and
a load keeps the relative order of `order` columns next to other HATs' rows."""

from __future__ import annotations

from hashlib import sha256
from typing import Any

import pytest

from openhat.hats import service as hats
from openhat.records.service import new_record
from openhat.storage.base import Store
from openhat.storage.postgres.store import PostgresStore
from openhat.storage.rows import Hat, HatUnavailable, NewElement
from openhat.storage.sql.portable import BY_NAME, PORTABLE_TABLES
from openhat.storage.sqlite.store import SqliteStore

# Columns stored by one engine only, computed on load (not in the archive).
ENGINE_ONLY = {"records": {"dup_key"}}


def schema_columns(store: Store, table: str) -> set[str]:
    if isinstance(store, SqliteStore):
        return {row[1] for row in store._reader().execute(f"PRAGMA table_info({table})")}
    assert isinstance(store, PostgresStore)
    with store.connection() as conn:
        return {row[0] for row in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND"
            " table_schema = current_schema()", (table,))}


@pytest.mark.parametrize("table", PORTABLE_TABLES, ids=lambda t: t.name)
def test_the_registry_names_every_column(store: Store, table: Any) -> None:
    """A column the registry does not know would be lost by an export: a new column gets a
    word in PORTABLE_TABLES (and the export format's version goes up)."""
    known = {"hat_id", *table.names, *table.derived}
    assert schema_columns(store, table.name) - ENGINE_ONLY.get(table.name, set()) == known


def put(store: Store, hat_id: str, count: int, endpoint: str = "ns/ep") -> list[str]:
    elements = [NewElement(new_record(endpoint, {"i": i}),
                           (new_record("ns/link", {"of": i, "from": endpoint}),),
                           f"group-{endpoint}-{i:04d}") for i in range(count)]
    with store.write(hat_id) as tx:
        tx.records.insert(hat_id, elements, 1000)
    return [e.record.record_id for e in elements]


def test_keyset_pages_read_every_row_once_in_key_order(store: Store) -> None:
    hat = hats.create_hat(store, "a.example.test", "owner", "owner-password-1").hat
    other = hats.create_hat(store, "b.example.test", "owner", "owner-password-1").hat
    put(store, hat.hat_id, 23)
    put(store, other.hat_id, 5)
    with store.snapshot() as reader:
        for name, expected in (("records", 46), ("record_links", 46)):
            table = BY_NAME[name]
            rows = list(reader.rows(table, hat.hat_id, page_rows=4))  # many short pages
            keys = [tuple(row[table.names.index(k)] for k in table.key) for row in rows]
            assert len(rows) == expected == reader.count(table, hat.hat_id)
            assert keys == sorted(set(keys))


def test_a_snapshot_ignores_writes_made_after_it_began(store: Store) -> None:
    hat = hats.create_hat(store, "a.example.test", "owner", "owner-password-1").hat
    put(store, hat.hat_id, 3)
    records = BY_NAME["records"]
    with store.snapshot() as reader:
        assert reader.count(records, hat.hat_id) == 6
        put(store, hat.hat_id, 2, "ns/later")
        assert len(list(reader.rows(records, hat.hat_id))) == 6
    with store.snapshot() as reader:
        assert reader.count(records, hat.hat_id) == 10


def test_a_load_keeps_the_order_above_other_hats_rows(store: Store) -> None:
    source = hats.create_hat(store, "a.example.test", "owner", "owner-password-1").hat
    put(store, source.hat_id, 3)
    records = BY_NAME["records"]
    with store.snapshot() as reader:
        rows = list(reader.rows(records, source.hat_id))
    seq = records.names.index("seq")
    copy = Hat("copy-id", "copy.example.test", source.created_at)
    with store.write() as tx:
        tx.hats.create(copy)
        tx.portable.load(records, copy.hat_id, [(*row, sha256(row[2].encode()).digest())
                                                     for row in rows])
        tx.portable.finish()
    with store.snapshot() as reader:
        loaded = list(reader.rows(records, copy.hat_id))
    by_order = [r[0] for r in sorted(rows, key=lambda r: r[seq])]
    assert [r[0] for r in sorted(loaded, key=lambda r: r[seq])] == by_order
    put(store, source.hat_id, 1, "ns/after")  # the engine's own inserts still go after
    with store.snapshot() as reader:
        after = max(r[seq] for r in reader.rows(records, source.hat_id))
    assert after > max(r[seq] for r in loaded) or isinstance(store, PostgresStore)


def test_a_write_for_a_hat_no_longer_there_is_refused(store: Store) -> None:
    """On both engines (SQLite checks when its write transaction begins): a write that
    waited for a move finds the HAT gone and is not written into the old database."""
    with pytest.raises(HatUnavailable), store.write("no-such-hat") as tx:
        tx.records.insert("no-such-hat", [NewElement(new_record("ns/ep", {}))], 1000)
