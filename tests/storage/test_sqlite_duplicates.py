"""SQLite's duplicate detection through the short `dup_key` digest (sqlite_duplicates.py):
a collision of the digest must never refuse a record, and databases made before the digest
existed must detect duplicates of their old records after the upgrade."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openhat.hats import service as hats
from openhat.records import service as records
from openhat.storage.migrations import migrations
from openhat.storage.query import endpoint_page
from openhat.storage.rows import DuplicateRecord, NewElement, NewRecord
from openhat.storage.sqlite import duplicates as sqlite_duplicates
from openhat.storage.sqlite import sql as sqlite_sql
from openhat.storage.sqlite.store import SqliteStore
from tests.storage import writes

NOW = 1_700_000_000_000


def elements(*datas: Any, endpoint: str = "ns/ep") -> list[NewElement]:
    return [NewElement(records.new_record(endpoint, d)) for d in datas]


def stored_data(store: SqliteStore, hat_id: str, endpoint: str = "ns/ep") -> list[str]:
    return [r.data for r in store.records.page(hat_id, endpoint_page(endpoint))]


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    store = SqliteStore(str(tmp_path / "hat.db"))
    store.migrate()
    return store


def test_every_digest_colliding_refuses_only_real_duplicates(
        store: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_duplicates, "duplicate_key", lambda *_: 7)
    hat_id = hats.create_hat(store, "a.example.test", "owner", "pa55w0rd").hat.hat_id
    other = hats.create_hat(store, "b.example.test", "owner", "pa55w0rd").hat.hat_id
    writes.insert(store, hat_id, elements({"n": 1}, {"n": 2}), NOW)
    writes.insert(store, hat_id, elements({"n": 1}, endpoint="ns/other"), NOW)
    writes.insert(store, other, elements({"n": 1}), NOW)
    with pytest.raises(DuplicateRecord):
        writes.insert(store, hat_id, elements({"n": 3}, {"n": 2}), NOW)
    assert writes.insert(store, hat_id, elements({"n": 3}, {"n": 1}, {"n": 3}),
                                 NOW, skip_duplicates=True) == [True, False, False]
    assert stored_data(store, hat_id) == ['{"n":1}', '{"n":2}', '{"n":3}']

    first = store.records.page(hat_id, endpoint_page("ns/ep"))[0].record_id
    update = records.new_record("ns/ep", {"n": 4}, first)
    writes.update(store, hat_id, [update], NOW)
    with pytest.raises(DuplicateRecord):
        writes.update(store, hat_id, [records.new_record("ns/ep", {"n": 2}, first)], NOW)
    writes.update(store, hat_id, [update], NOW)  # its own data again: not a duplicate
    assert stored_data(store, hat_id) == ['{"n":4}', '{"n":2}', '{"n":3}']


def test_an_update_keeps_duplicate_detection_for_its_new_data(store: SqliteStore) -> None:
    hat_id = hats.create_hat(store, "a.example.test", "owner", "pa55w0rd").hat.hat_id
    [element] = elements({"v": "old"})
    writes.insert(store, hat_id, [element], NOW)
    new = records.new_record("ns/ep", {"v": "new"}, element.record.record_id)
    writes.update(store, hat_id, [NewRecord(*new)], NOW)
    with pytest.raises(DuplicateRecord):
        writes.insert(store, hat_id, elements({"v": "new"}), NOW)
    writes.insert(store, hat_id, elements({"v": "old"}), NOW)  # the old data is free again


def test_records_stored_before_the_digest_existed_are_still_duplicates(tmp_path: Path) -> None:
    path = str(tmp_path / "old.db")
    old = SqliteStore(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                 " name TEXT NOT NULL, applied_at INTEGER NOT NULL)")
    for migration in migrations("sqlite"):
        if migration.version < 40:
            for statement in sqlite_sql.split_script(migration.sql):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations VALUES (?, ?, 0)",
                         (migration.version, migration.name))
    hat_id = hats.create_hat(old, "a.example.test", "owner", "pa55w0rd").hat.hat_id
    record = records.new_record("ns/ep", {"kept": True})
    conn.execute("INSERT INTO records (hat_id, record_id, endpoint, data, hash, created_at,"
                 " updated_at) VALUES (?, ?, ?, ?, ?, 0, 0)", (hat_id, *record))
    conn.close()
    old.close()

    store = SqliteStore(path)
    assert store.migrate()[0] == "040_compact_duplicate_key"  # later ones follow
    with pytest.raises(DuplicateRecord):
        writes.insert(store, hat_id, elements({"kept": True}), NOW)
    assert stored_data(store, hat_id) == ['{"kept":true}']


@given(hat_id=st.text(max_size=40), endpoints=st.lists(st.text(max_size=30), min_size=1,
                                                       max_size=4),
       digests=st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=6))
def test_the_bulk_digests_are_the_records_own(hat_id: str, endpoints: list[str],
                                              digests: list[bytes]) -> None:
    """An import's `dup_key`s (duplicate_keys, an endpoint's prefix hashed once) are those a
    record written through the API gets, so an imported record is found as a duplicate."""
    key = sqlite_duplicates.duplicate_keys(hat_id)
    for endpoint in endpoints:
        for digest in digests:
            assert key(endpoint, digest) == sqlite_duplicates.duplicate_key(hat_id, endpoint,
                                                                            digest)
