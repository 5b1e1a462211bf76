"""Order indexes (storage/query_indexes.py): made once an endpoint is large, used by sorted
pages, and never changing an answer."""

from __future__ import annotations

from typing import Any

import orjson

from openhat.hats import service as hats
from openhat.records import service as records
from openhat.storage.base import Store
from openhat.storage.query import EndpointSelect, Filter, PageQuery
from openhat.storage.query_indexes import index_name
from openhat.storage.rows import NewElement
from tests.storage import writes

VALUES: list[Any] = ["b", 3, None, "a", True, [1], {"x": 1}, 2.5, "é", False]


def answer(store: Store, hat_id: str, query: PageQuery) -> list[Any]:
    return [orjson.loads(r.data) for r in store.records.page(hat_id, query)]


def fill(store: Store, endpoint: str) -> str:
    hat_id = hats.create_hat(store, "idx.example", "o", "pw").hat.hat_id
    elements = [NewElement(records.new_record(endpoint, {"v": v, "n": i, "even": i % 2 == 0}))
                for i, v in enumerate(VALUES * 3)]
    elements.append(NewElement(records.new_record(endpoint, {"n": -1})))  # no v: sorts last
    writes.insert(store, hat_id, elements, 1)
    return hat_id


def test_sorted_pages_make_and_use_an_index_only_when_large(store: Store) -> None:
    hat_id = fill(store, "idx/e")
    store.records.indexes.threshold = 30
    store.records.indexes.background = False
    for descending in (False, True):
        query = PageQuery((EndpointSelect("idx/e", (Filter(("even",), "contains", value=True),),
                                          ("v",)),), True, descending, 1, 7)
        before = answer(store, hat_id, query)
        name = index_name("idx/e", ("v",), descending)
        assert store.records.indexes.exists(name)
        assert answer(store, hat_id, query) == before
    small = PageQuery((EndpointSelect("idx/other", (), ("v",)),), True, False, 0, 5)
    answer(store, hat_id, small)
    assert not store.records.indexes.exists(
        index_name("idx/other", ("v",), False))


def test_the_sqlite_planner_walks_the_index(store: Store) -> None:
    if store.dialect.name != "sqlite":
        return
    from openhat.storage.sqlite import query as sqlite_query

    hat_id = fill(store, "idx/e")
    store.records.indexes.threshold = 30
    store.records.indexes.background = False
    query = PageQuery((EndpointSelect("idx/e", (), ("v",)),), True, True, 0, 5)
    answer(store, hat_id, query)
    sql, params = sqlite_query.PAGES.page_sql(hat_id, query)
    plan = " ".join(str(row) for row in store._reader().execute(  # type: ignore[attr-defined]
        "EXPLAIN QUERY PLAN " + sql, params))
    assert index_name("idx/e", ("v",), True) in plan
    assert "TEMP B-TREE" not in plan  # no sort: the index gives the order
