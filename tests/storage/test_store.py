"""The Store contract (storage/base.py), checked on every backend with real databases.

Both backends must answer alike, so these tests state results, never how a backend gets
them.
"""

from __future__ import annotations

import threading
from typing import Any

import orjson
import pytest

from openhat.hats import service as hats
from openhat.records import service as records
from openhat.storage.base import Store
from openhat.storage.migrations import migrations
from openhat.storage.postgres.move import NOT_HAT_DATA
from openhat.storage.postgres.store import PostgresStore
from openhat.storage.query import Filter, endpoint_page
from openhat.storage.rows import (
    DirectoryEntry,
    DuplicateRecord,
    HatExists,
    HatUnavailable,
    NewElement,
    NewRecord,
    RecordsMissing,
)
from openhat.storage.sql.hats import HAT_TABLES
from openhat.storage.sqlite.store import SqliteStore
from tests.storage import writes

NOW = 1_700_000_000_000


def rec(endpoint: str, data: Any) -> NewRecord:
    return records.new_record(endpoint, data)


def put(store: Store, hat_id: str, *datas: Any, endpoint: str = "ns/ep") -> list[str]:
    elements = [NewElement(rec(endpoint, d)) for d in datas]
    writes.insert(store, hat_id, elements, NOW)
    return [e.record.record_id for e in elements]


def page(store: Store, hat_id: str, endpoint: str = "ns/ep",
         order_by: tuple[str, ...] | None = None, field_filter: Filter | None = None,
         **query: Any) -> list[Any]:
    found = store.records.page(hat_id, endpoint_page(
        endpoint, order_by, filters=() if field_filter is None else (field_filter,), **query))
    return [orjson.loads(r.data) for r in found]


def text_in(path: tuple[str, ...], values: tuple[str, ...]) -> Filter:
    """GET /data's ad-hoc filter (storage.query: `textIn`)."""
    return Filter(path, "textIn", value=values)


@pytest.fixture
def hat_id(store: Store) -> str:
    return hats.create_hat(store, "a.example.test", "owner", "pa55w0rd").hat.hat_id


def test_migrate_twice_applies_nothing_more(store: Store) -> None:
    assert store.migrate() == []


def test_hats_are_created_found_listed_renamed_and_deleted(store: Store) -> None:
    a = hats.create_hat(store, "a.example.test", "owner", "pw-a").hat
    b = hats.create_hat(store, "b.example.test", "owner", "pw-b").hat
    assert store.hats.by_domain("a.example.test") == a
    assert [h.domain for h in store.hats.all()] == ["a.example.test", "b.example.test"]
    with pytest.raises(HatExists):
        hats.create_hat(store, "a.example.test", "other", "pw")
    with pytest.raises(HatExists), store.write() as tx:
        tx.hats.rename(b.hat_id, "a.example.test")
    with store.write() as tx:
        tx.hats.rename(b.hat_id, "c.example.test")
    assert store.hats.by_domain("b.example.test") is None
    put(store, a.hat_id, {"x": 1})
    with store.write() as tx:
        tx.hats.delete(a.hat_id)
    assert [h.domain for h in store.hats.all()] == ["c.example.test"]
    assert store.keys.all(a.hat_id) == []
    assert page(store, a.hat_id) == []


def test_users_and_keys(store: Store, hat_id: str) -> None:
    [key] = store.keys.all(hat_id)
    assert key.hat_id == hat_id and not key.revoked and key.retired_at is None
    user = store.users.by_name(hat_id, "owner")
    assert user is not None and user.roles == ("owner",) and user.enabled
    assert store.users.by_id(hat_id, user.user_id) == user
    assert store.users.by_name("another-hat", "owner") is None
    with store.write(hat_id) as tx:
        tx.users.set_password(hat_id, user.user_id, "new-hash", 42)
    changed = store.users.by_id(hat_id, user.user_id)
    assert changed is not None
    assert (changed.password_hash, changed.password_changed_at) == ("new-hash", 42)


def test_default_order_is_insertion_order_across_batches(store: Store, hat_id: str) -> None:
    put(store, hat_id, *[{"n": i} for i in range(5)])
    put(store, hat_id, {"n": 5}, {"n": 6})
    assert page(store, hat_id) == [{"n": i} for i in range(7)]
    assert page(store, hat_id, descending=True, skip=1, take=2) == [{"n": 5}, {"n": 4}]


def test_data_round_trips_as_equal_json(store: Store, hat_id: str) -> None:
    data = {"s": "é \"q\" \\ \n\t", "f": 1.5, "i": -3, "big": 2**62, "b": [True, None],
            "o": {"z": 1, "a": [{}]}, "u": "😀"}
    [record_id] = put(store, hat_id, data)
    found = store.records.get(hat_id, record_id)
    assert found is not None and orjson.loads(found.data) == data
    assert found.endpoint == "ns/ep"
    assert store.records.get(hat_id, "00000000-0000-0000-0000-000000000000") is None


def test_duplicates_within_endpoint_refuse_the_whole_batch(store: Store, hat_id: str) -> None:
    put(store, hat_id, {"a": 1, "b": 2})
    with pytest.raises(DuplicateRecord):
        put(store, hat_id, {"new": 1}, {"b": 2, "a": 1})
    with pytest.raises(DuplicateRecord):  # duplicate inside one batch
        put(store, hat_id, {"c": 1}, {"c": 1})
    assert page(store, hat_id) == [{"a": 1, "b": 2}]
    put(store, hat_id, {"a": 1, "b": 2}, endpoint="ns/other")  # another endpoint: fine


def test_skip_duplicates_stores_the_rest_in_order(store: Store, hat_id: str) -> None:
    put(store, hat_id, {"n": 1})
    elements = [
        NewElement(rec("ns/ep", {"n": 0})),
        NewElement(rec("ns/ep", {"n": 1})),  # stored before
        NewElement(rec("ns/ep", {"n": 2}), (rec("ns/link", {"l": 1}),), "g1"),
        NewElement(rec("ns/ep", {"n": 3}), (rec("ns/link", {"l": 1}),), "g2"),  # link dup
        NewElement(rec("ns/ep", {"n": 0})),  # duplicates an earlier element
        NewElement(rec("ns/ep", {"n": 4}), (rec("ns/ep", {"n": 4}),), "g3"),  # self dup
        NewElement(rec("ns/ep", {"n": 5})),
    ]
    stored = writes.insert(store, hat_id, elements, NOW, skip_duplicates=True)
    assert stored == [True, False, True, False, False, False, True]
    assert page(store, hat_id) == [{"n": 1}, {"n": 0}, {"n": 2}, {"n": 5}]
    assert page(store, hat_id, "ns/link") == [{"l": 1}]
    assert writes.insert(store, hat_id, [], NOW, skip_duplicates=True) == []
    assert writes.insert(store, hat_id, [], NOW) == []


def test_concurrent_skip_duplicates_store_each_record_once(store: Store, hat_id: str) -> None:
    datas = [{"n": i} for i in range(200)]
    results: list[list[bool]] = []

    def write() -> None:
        elements = [NewElement(rec("ns/ep", d)) for d in datas]
        results.append(writes.insert(store, hat_id, elements, NOW, skip_duplicates=True))

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(d["n"] for d in page(store, hat_id)) == list(range(200))
    assert [sum(column) for column in zip(*results, strict=True)] == [1] * 200


def test_updates_are_all_or_nothing(store: Store, hat_id: str) -> None:
    a, b = put(store, hat_id, {"v": "a"}, {"v": "b"})
    writes.update(store, hat_id, [NewRecord(a, "ns/ep", *_text_hash({"v": "a2"}))], NOW)
    with pytest.raises(RecordsMissing):
        writes.update(store, hat_id, [
            NewRecord(b, "ns/ep", *_text_hash({"v": "b2"})),
            NewRecord("00000000-0000-0000-0000-000000000000", "ns/ep", *_text_hash({"v": 1})),
        ], NOW)
    with pytest.raises(DuplicateRecord):
        writes.update(store, hat_id, [NewRecord(b, "ns/ep", *_text_hash({"v": "a2"}))], NOW)
    assert page(store, hat_id) == [{"v": "a2"}, {"v": "b"}]
    writes.update(store, hat_id, [NewRecord(b, "ns/ep", *_text_hash({"v": "b"}))], NOW)
    writes.update(store, hat_id, [], NOW)


def _text_hash(data: Any) -> tuple[str, bytes]:
    record = records.new_record("ns/ep", data)
    return record.data, record.hash


def test_links_and_deletes(store: Store, hat_id: str) -> None:
    note = rec("ns/note", {"n": 1})
    nudge = rec("ns/nudge", {"m": 1})
    writes.insert(store, hat_id, [NewElement(note, (nudge,), "group-1")], NOW)
    a, b, c = put(store, hat_id, {"x": 1}, {"x": 2}, {"x": 3})
    writes.link(store, hat_id, "group-2", [a, b, a])
    with pytest.raises(RecordsMissing):
        writes.link(store, hat_id, "group-3", [c, "00000000-0000-0000-0000-000000000000"])
    assert store.records.endpoints_of(hat_id, [a, note.record_id, b]) == ["ns/ep", "ns/note"]
    assert store.records.endpoints(hat_id) == ["ns/ep", "ns/note", "ns/nudge"]
    with pytest.raises(RecordsMissing):
        writes.delete(store, hat_id, [a, a])
    with pytest.raises(RecordsMissing):
        writes.delete(store, hat_id, [a, "00000000-0000-0000-0000-000000000000"])
    assert page(store, hat_id) == [{"x": 1}, {"x": 2}, {"x": 3}]
    writes.delete(store, hat_id, [a])
    assert page(store, hat_id) == [{"x": 2}, {"x": 3}]
    assert writes.delete_endpoint(store, hat_id, "ns/nudge") == 1
    assert writes.delete_endpoint(store, hat_id, "ns/nudge") == 0
    assert store.records.endpoints(hat_id) == ["ns/ep", "ns/note"]
    writes.delete(store, hat_id, [])


@pytest.mark.parametrize(("path", "values", "expected"), [
    (("k",), ("x",), [1, 2, 3, 5]),
    (("k",), ("x", "y"), [1, 2, 3, 5, 6]),
    (("k",), ("1",), []),  # numbers never equal strings
    (("a", "k"), ("x",), [2]),
    (("a",), ("x",), []),  # an object under the key is not a string
    (("tags", "0"), ("x",), []),  # "0" is an object key, not an array index
    (("k", "z"), ("x",), [8]),
])
def test_field_filter(store: Store, hat_id: str, path: tuple[str, ...],
                      values: tuple[str, ...], expected: list[int]) -> None:
    put(store, hat_id,
        {"id": 1, "k": "x"},
        {"id": 2, "a": {"k": "x"}},
        {"id": 3, "k": ["y", "x"]},  # a string element of an array under the key
        {"id": 4, "k": [["x"]]},  # nested deeper: no
        {"id": 5, "list": [{"k": "x"}], "tags": ["x"]},
        {"id": 6, "k": "y"},
        {"id": 7, "k": 1},
        {"id": 8, "k": {"z": "x"}})
    found = page(store, hat_id, field_filter=text_in(path, values))
    assert [d["id"] for d in found] == expected


def test_filter_applies_before_paging(store: Store, hat_id: str) -> None:
    put(store, hat_id, *[{"i": i, "k": "even" if i % 2 == 0 else "odd"} for i in range(10)])
    found = page(store, hat_id, field_filter=text_in(("k",), ("odd",)), skip=1, take=2)
    assert [d["i"] for d in found] == [3, 5]


ORDER_DATA: list[Any] = [
    {"id": "missing"},
    {"id": "null", "v": None},
    {"id": "str-b", "v": "b"},
    {"id": "str-B", "v": "B"},
    {"id": "str-é", "v": "é"},
    {"id": "num-10", "v": 10},
    {"id": "num-2.5", "v": 2.5},
    {"id": "num-2.5-again", "v": 2.50, "x": 1},
    {"id": "false", "v": False},
    {"id": "true", "v": True},
    {"id": "array", "v": [1]},
    {"id": "object", "v": {"a": 1}},
]


@pytest.mark.parametrize(("descending", "expected"), [
    (False, ["null", "str-B", "str-b", "str-é", "num-2.5", "num-2.5-again", "num-10", "false",
             "true", "array", "object", "missing"]),
    (True, ["object", "array", "true", "false", "num-10", "num-2.5", "num-2.5-again", "str-é",
            "str-b", "str-B", "null", "missing"]),  # ties keep insertion order; missing last
])
def test_ordering_by_data_path(store: Store, hat_id: str, descending: bool,
                               expected: list[str]) -> None:
    put(store, hat_id, *ORDER_DATA)
    found = page(store, hat_id, order_by=("v",), descending=descending)
    assert [d["id"] for d in found] == expected


def test_ordering_by_nested_path_with_paging(store: Store, hat_id: str) -> None:
    put(store, hat_id, *[{"m": {"n": (i * 7) % 10}} for i in range(10)], {"m": 5})
    found = page(store, hat_id, order_by=("m", "n"), skip=2, take=3)
    assert found == [{"m": {"n": 2}}, {"m": {"n": 3}}, {"m": {"n": 4}}]
    last = page(store, hat_id, order_by=("m", "n"), skip=10)
    assert last == [{"m": 5}]  # "m.n" missing (m is a number): last


def test_hats_never_see_each_others_rows(store: Store) -> None:
    a = hats.create_hat(store, "a.example.test", "owner", "pw-a").hat.hat_id
    b = hats.create_hat(store, "b.example.test", "owner", "pw-b").hat.hat_id
    [ra] = put(store, a, {"same": 1})
    [rb] = put(store, b, {"same": 1})  # same data in another HAT: not a duplicate
    assert store.records.get(b, ra) is None
    with pytest.raises(RecordsMissing):
        writes.delete(store, b, [ra])
    with pytest.raises(RecordsMissing):
        writes.link(store, b, "g", [ra, rb])
    assert writes.delete_endpoint(store, b, "ns/ep") == 1
    assert page(store, a) == [{"same": 1}]
    assert store.records.endpoints(b) == []


def test_every_table_with_hat_rows_is_known_to_delete_and_move(store: Store) -> None:
    """Deleting a HAT (tx.hats.delete) and `hats move` walk HAT_TABLES: a new table holding
    HAT rows must be listed there, or deleting and moving a HAT would leave its rows behind."""
    if isinstance(store, SqliteStore):
        conn = store._reader()
        tables = {name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")
            if any(col[1] == "hat_id" for col in conn.execute(f"PRAGMA table_info({name})"))}
    else:
        assert isinstance(store, PostgresStore)
        with store.connection() as pg:
            tables = {row[0] for row in pg.execute(
                "SELECT table_name FROM information_schema.columns WHERE column_name ="
                " 'hat_id' AND table_schema = current_schema()")}
    assert tables - NOT_HAT_DATA == set(HAT_TABLES)


def test_directory_entries(store: Store) -> None:
    assert store.directory.entries() == []
    b = DirectoryEntry("b.example.test", "hat-b", "postgresql://x@db2/b")
    a = DirectoryEntry("a.example.test", "hat-a", "postgresql://x@db2/b")
    with store.write() as tx:
        tx.directory.set(b)
        tx.directory.set(a)
    assert store.directory.entries() == [a, b]
    moved = DirectoryEntry("a.example.test", "hat-a", "postgresql://x@db3/c")
    with store.write() as tx:
        tx.directory.set(moved)
    assert store.directory.entry("a.example.test") == moved
    with store.write() as tx:
        tx.directory.remove("a.example.test")
    assert store.directory.entries() == [b]
    assert store.directory.entry("a.example.test") is None


def test_writes_for_a_hat_not_in_the_database(store: Store, hat_id: str) -> None:
    """Refused on both backends (HatUnavailable: the HAT was moved away or removed while the
    request ran), and nothing is stored for anyone."""
    with pytest.raises(HatUnavailable):
        put(store, "no-such-hat", {"x": 1})
    assert store.records.endpoints("no-such-hat") == []
    assert store.records.endpoints(hat_id) == []


@pytest.mark.postgres
def test_two_processes_migrating_at_once() -> None:
    from tests.conftest import postgres_schema

    with postgres_schema() as url:
        stores = [PostgresStore(url), PostgresStore(url)]
        applied: list[list[str]] = []
        try:
            threads = [threading.Thread(target=lambda s=s: applied.append(s.migrate()))
                       for s in stores]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            for s in stores:
                s.close()
        assert sorted(map(len, applied))[0] == 0  # the second found nothing left to do
        assert sum(map(len, applied)) == len(migrations("postgres"))


def test_text_that_copy_must_escape_round_trips(store: Store, hat_id: str) -> None:
    """PostgreSQL writes batches with COPY's text format, where tab, newline, carriage
    return and backslash are special: every one must come back as sent."""
    odd = "tab\there\nnew\rcr\\back\\\\slash\\N"
    [record_id] = put(store, hat_id, {odd: odd, "raw": "\\t\\n"}, endpoint="ns/" + odd)
    found = store.records.get(hat_id, record_id)
    assert found is not None
    assert found.endpoint == "ns/" + odd
    assert orjson.loads(found.data) == {odd: odd, "raw": "\\t\\n"}
    element = NewElement(rec("ns/x", {"a": 1}), (rec("ns/y", {"b": odd}),), "group\t\\1")
    writes.insert(store, hat_id, [element], NOW)
    assert page(store, hat_id, "ns/y") == [{"b": odd}]


def test_a_batch_of_multibyte_text_is_stored_exactly_and_in_order(store: Store,
                                                                  hat_id: str) -> None:
    """SQLite writes a batch in one statement that cuts the texts out of one buffer by
    byte offsets: characters of 1 to 4 bytes, and texts of many lengths, keep their bounds."""
    datas = [{"t": "é" * i + "€" * (i % 3) + "🎩" * (i % 5) + "x" * (i % 7)} for i in range(300)]
    elements = [NewElement(rec("ns/ep", d), (rec("ns/l", {"of": d["t"]}),), f"g{i}")
                for i, d in enumerate(datas)]
    writes.insert(store, hat_id, elements, NOW)
    assert page(store, hat_id, take=1000) == datas
    assert page(store, hat_id, "ns/l", take=1000) == [{"of": d["t"]} for d in datas]
    for element in elements[::37]:
        found = store.records.get(hat_id, element.record.record_id)
        assert found is not None and orjson.loads(found.data) == orjson.loads(element.record.data)


@pytest.mark.parametrize("descending", [False, True])
def test_deep_pages_in_insertion_order(store: Store, hat_id: str, descending: bool) -> None:
    """Far into an endpoint PostgreSQL finds where a page starts from the index alone:
    the pages must be exactly OFFSET's, up to and past the end."""
    put(store, hat_id, *[{"n": i} for i in range(2600)])
    put(store, hat_id, *[{"n": i} for i in range(10)], endpoint="ns/other")
    expected = list(range(2600))[::-1] if descending else list(range(2600))
    for skip, take in ((999, 3), (1000, 5), (2000, 1000), (2598, 10), (2600, 5), (5000, 1)):
        found = page(store, hat_id, skip=skip, take=take, descending=descending)
        assert [d["n"] for d in found] == expected[skip:skip + take]


@pytest.mark.postgres
def test_postgres_connections_read_literals_the_standard_way() -> None:
    """The query builders escape only quotes in literals: a server configured with
    standard_conforming_strings off must not change what they mean."""
    from urllib.parse import quote

    from tests.conftest import postgres_schema

    with postgres_schema() as url:  # its URL ends with the options parameter
        store = PostgresStore(url + quote(" -cstandard_conforming_strings=off"))
        try:
            with store.connection() as conn:
                row = conn.execute("SHOW standard_conforming_strings").fetchone()
        finally:
            store.close()
    assert row == ("on",)
