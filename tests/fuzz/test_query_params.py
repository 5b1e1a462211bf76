"""Hypothesis on query input, on both backends: arbitrary text in every query parameter of
GET /data/{ns}/{ep} and in every path, mapping source, orderBy and limit of combinators and
bundles is answered with a 2xx or a documented 4xx, never a 5xx.

OPENHAT_FUZZ_EXAMPLES sets the examples per test (see test_data_bodies).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.fuzz import counting
from tests.fuzz.test_data_bodies import API, ERROR, FUZZ, encode

# Any text without lone surrogates, leaning on what paths, SQL and number parsing trip on.
TRICKY = st.sampled_from(['"', "'", "\\", "\x00", "\n", ".", "[]", "[0]", "%", "²", "٣", "0",
                          "-1", "a", "{", ","])
TEXT = st.lists(TRICKY | st.text(st.characters(exclude_categories=("Cs",)), max_size=4),
                max_size=5).map("".join)
NUMBERS = st.integers() | st.sampled_from([2**31, 2**63, 2**64 - 1, -(2**63)])
PARAMS = st.lists(st.tuples(st.sampled_from(["orderBy", "ordering", "skip", "take"]) | TEXT,
                            TEXT | NUMBERS.map(str)), max_size=5)


def expect_no_5xx(response: Any) -> None:
    counting.count()
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        ERROR.validate(response.json())


@pytest.fixture
def stored(owner: TestClient) -> TestClient:
    records = [{"a": {"b": 1, "²": [2, 1]}, "it's": "x"}, {"a": [3, {"b": "y"}], "\\": None}]
    assert owner.post(f"{API}/data/fuzz/query", json=records).status_code == 201
    return owner


@FUZZ
@given(params=PARAMS)
def test_any_data_query_parameters(stored: TestClient, params: list[tuple[str, str]]) -> None:
    expect_no_5xx(stored.get(f"{API}/data/fuzz/query", params=params))


OPERATORS = st.one_of(
    st.fixed_dictionaries({"operator": st.just("find"), "search": TEXT}),
    st.fixed_dictionaries({"operator": st.sampled_from(["contains", "in"]),
                           "value": TEXT | NUMBERS | st.lists(TEXT, max_size=2)}),
    st.fixed_dictionaries({"operator": st.just("between"), "lower": TEXT | NUMBERS,
                           "upper": TEXT | NUMBERS}))
TRANSFORMATIONS = st.none() | st.fixed_dictionaries(
    {"transformation": st.sampled_from(["datetimeExtract", "timestampExtract"]),
     "part": st.sampled_from(["hour", "epoch"]) | TEXT})
FILTERS = st.builds(lambda field, operator, transformation: {
    "field": field, "operator": operator,
    **({"transformation": transformation} if transformation else {})},
    TEXT, OPERATORS, TRANSFORMATIONS)
QUERIES = st.lists(st.fixed_dictionaries(
    {"endpoint": st.just("fuzz/query")},
    optional={"mapping": st.dictionaries(st.sampled_from(["v", "w.x", "v[]"]) | TEXT, TEXT,
                                         min_size=1, max_size=2),
              "filters": st.lists(FILTERS, max_size=2)}), min_size=1, max_size=2)


@FUZZ
@given(queries=QUERIES, order_by=st.sampled_from(["v", "w.x"]) | TEXT,
       paging=st.lists(st.tuples(st.sampled_from(["ordering", "skip", "take"]),
                                 TEXT | NUMBERS.map(str)), max_size=2))
def test_any_combinator(stored: TestClient, queries: list[Any], order_by: str,
                        paging: list[tuple[str, str]]) -> None:
    registered = stored.post(f"{API}/combinator/fuzz", content=encode(queries),
                             headers={"Content-Type": "application/json"})
    expect_no_5xx(registered)
    if registered.status_code == 201:
        expect_no_5xx(stored.get(f"{API}/combinator/fuzz",
                                 params=[("orderBy", order_by), *paging]))


@FUZZ
@given(queries=QUERIES, order_by=st.none() | st.sampled_from(["v", "w.x"]) | TEXT,
       limit=st.none() | NUMBERS)
def test_any_bundle(stored: TestClient, queries: list[Any], order_by: str | None,
                    limit: int | None) -> None:
    prop: dict[str, Any] = {"endpoints": queries, "orderBy": order_by, "limit": limit}
    registered = stored.post(f"{API}/data-bundle/fuzz", content=encode({"p": prop}),
                             headers={"Content-Type": "application/json"})
    expect_no_5xx(registered)
    if registered.status_code == 201:
        expect_no_5xx(stored.get(f"{API}/data-bundle/fuzz"))
