"""Malformed query input is a 400 that names the problem, never a 5xx, on both backends:
paths (GET orderBy and filter keys, combinator fields, mapping sources sorted by) and
numbers (bundle limits) are checked when parsed, before any SQL is written."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from openhat.web.openapi import document
from tests.api.hat_fixtures import API, save

RECORDS = [{"it's": {"x": 2}, "a": [5, 1]}, {"it's": {"x": 1}, "a": [4, 2]}]


@pytest.fixture
def stored(owner: TestClient) -> TestClient:
    save(owner, [("test/input", r) for r in RECORDS])
    return owner


def xs(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [r["data"]["it's"]["x"] for r in response.json()]


def bad_request(response: Any, field: str, problem: str) -> None:
    """A 400 in the route's own error shape whose text names the field and the problem."""
    assert response.status_code == 400, response.text
    body = response.json()
    text = body.get("cause") or body["message"]
    assert body.get("error") == "Bad Request" or body.get("message") == "Bad Request", body
    assert field in text and problem in text, text


@pytest.mark.parametrize(("params", "field"), [
    ({"orderBy": 'a"b'}, "orderBy"),  # SQLite's JSON paths cannot quote a quote
    ({"orderBy": "a\x00b"}, "orderBy"),
    ({"orderBy": "a\\b"}, "orderBy"),  # SQLite reads a backslash in a path as an escape
    ({"a\x00b": "x"}, "a\\x00b"),  # PostgreSQL refuses NUL in any text it is sent
    ({'k"ey.x': "x"}, 'k"ey.x'),  # a dotted key is a path (one key may hold anything)
])
def test_data_paths_refuse_quotes_backslashes_and_control_characters(
        stored: TestClient, params: dict[str, str], field: str) -> None:
    response = stored.get(f"{API}/data/test/input", params=params)
    bad_request(response, field, "not supported")


def test_data_filter_values_refuse_nul(stored: TestClient) -> None:
    response = stored.get(f"{API}/data/test/input", params={"kind": "x\x00"})
    bad_request(response, "kind", "NUL")


def test_data_sorts_by_a_key_with_an_apostrophe(stored: TestClient) -> None:
    response = stored.get(f"{API}/data/test/input", params={"orderBy": "it's.x"})
    assert xs(response) == [1, 2]


def combinator(owner: TestClient, queries: list[dict[str, Any]], params: str = "") -> Any:
    registered = owner.post(f"{API}/combinator/input", json=queries)
    assert registered.status_code == 201, registered.text
    return owner.get(f"{API}/combinator/input{params}")


@pytest.mark.parametrize("source", ['it"s.x', "it\x00s.x", "it\\s.x"])
def test_combinator_sorted_by_an_unusable_mapping_source(stored: TestClient,
                                                         source: str) -> None:
    response = combinator(stored, [{"endpoint": "test/input", "mapping": {"v": source}}],
                          "?orderBy=v")
    bad_request(response, "orderBy", "not supported")


@pytest.mark.parametrize("source", ['it"s.x', "it\x00s.x", "it\\s.x"])
def test_bundle_sorted_by_an_unusable_mapping_source(stored: TestClient, source: str) -> None:
    bundle = {"p": {"endpoints": [{"endpoint": "test/input", "mapping": {"v": source}}],
                    "orderBy": "v"}}
    bad_request(stored.post(f"{API}/data-bundle/input", json=bundle), "orderBy",
                "not supported")


def test_sorting_by_a_mapping_source_with_an_apostrophe(stored: TestClient) -> None:
    queries = [{"endpoint": "test/input", "mapping": {"v": "it's.x", "it's": "it's"}}]
    found = combinator(stored, queries, "?orderBy=v&ordering=descending")
    assert found.status_code == 200, found.text
    assert [r["data"]["v"] for r in found.json()] == [2, 1]
    bundle = {"p": {"endpoints": queries, "orderBy": "v"}}
    assert stored.post(f"{API}/data-bundle/input", json=bundle).status_code == 201
    read = stored.get(f"{API}/data-bundle/input")
    assert [r["data"]["v"] for r in read.json()["p"]] == [1, 2]


@pytest.mark.parametrize("field", ["a.²", "a.٣"])  # digits, but not ASCII: object keys
def test_non_ascii_digits_in_paths_are_object_keys(stored: TestClient, field: str) -> None:
    contains = {"field": field, "operator": {"operator": "contains", "value": 1}}
    assert combinator(stored, [{"endpoint": "test/input", "filters": [contains]}]).json() == []
    found = combinator(stored, [{"endpoint": "test/input"}], f"?orderBy={field}")
    assert xs(found) == [2, 1]  # no such key: insertion order


@pytest.mark.parametrize(("operator", "problem"), [
    ({"operator": "find", "search": "a\x00b"}, "NUL"),  # PostgreSQL refuses NUL in text
    ({"operator": "contains", "value": {"k\x00": "a"}}, "NUL"),
    ({"operator": "between", "lower": "a\x00", "upper": "b"}, "NUL"),
])
def test_filter_values_must_bind(owner: TestClient, operator: dict[str, Any],
                                 problem: str) -> None:
    query = [{"endpoint": "test/input", "filters": [{"field": "a", "operator": operator}]}]
    bad_request(owner.post(f"{API}/combinator/input", json=query), "operator", problem)


@pytest.mark.parametrize("limit", [2**31, 2**63, 2**64 - 1])  # the last: orjson's largest
def test_bundle_limit_is_range_checked(owner: TestClient, limit: int) -> None:
    bundle = {"p": {"endpoints": [{"endpoint": "test/input"}], "limit": limit}}
    bad_request(owner.post(f"{API}/data-bundle/input", json=bundle), "limit", "at most")


TRICKY_VALUES = ["\x00", "a\x00", '"', "'", "\\", "٣", "²", "1\x00", "%00"]
QUERY_NAMES = ["orderBy", "ordering", "skip", "take", "kind", "it's.x"]


@pytest.mark.parametrize("value", TRICKY_VALUES)
@pytest.mark.parametrize("name", QUERY_NAMES)
def test_tricky_text_in_every_data_query_parameter(stored: TestClient, name: str,
                                                   value: str) -> None:
    """Fixed regression cases for what the random query fuzz once found (a NUL in a query key
    was a 500 on PostgreSQL): every parameter, as name and as value, is a 2xx or a 400."""
    for params in ({name: value}, {name + value: "x"}):
        response = stored.get(f"{API}/data/test/input", params=params)
        assert response.status_code in (200, 400), (params, response.text)
        if response.status_code == 400:
            assert response.json()["message"], response.text


@pytest.mark.parametrize("value", TRICKY_VALUES)
def test_tricky_text_in_combinator_and_bundle_parameters(stored: TestClient,
                                                         value: str) -> None:
    assert stored.post(f"{API}/combinator/c", json=[{"endpoint": "test/input"}]).status_code == 201
    bundle = {"p": {"endpoints": [{"endpoint": "test/input"}]}}
    assert stored.post(f"{API}/data-bundle/b", json=bundle).status_code == 201
    for name in ("orderBy", "ordering", "skip", "take"):
        for url in (f"{API}/combinator/c", f"{API}/data-bundle/b"):
            response = stored.get(url, params={name: value, name + value: value})
            assert response.status_code in (200, 400), (url, name, response.text)


# What number parsing and SQL trip on: `²` passes str.isdigit() but not int() (the audit log's
# skip, take, since and until, an event id and a blob URL's expiry were 500s with it), other
# scripts' digits, what Python's int() takes but Java's parsers refuse (spaces, underscores),
# signs, integers past 32 and 64 bits, more digits than int() converts, NUL and quotes.
TRICKY_VALUES = ["²", "٣", " 5", "1_0", "--5", "+5", "-1", "2147483648",
                 "9223372036854775808", "9" * 5000, "\x00", '"', "'", "\\"]
PATH_PARAMETERS = {"namespace": "test", "endpoint": "input", "name": "input",
                   "debit_key": "d", "prefix": "instagram", "function_id": "f",
                   "user_id": "6c2a1b7e-0d3e-4b5a-9c1d-2e3f4a5b6c7d", "file_id": "x.png"}


# A usable value of each parameter, given beside the one tried, so that a route needing
# several reaches the code that reads the tried one.
USABLE = {"redirect": "https://example.com/back", "resource": "https://example.com",
          "name": "app", "content": "true", "atPeriodEnd": "false", "useAll": "false",
          "skipErrors": "false", "ordering": "ascending", "take": "5", "skip": "0",
          "since": "0", "until": "1600000000"}


def query_parameters() -> list[tuple[str, str, str, dict[str, str]]]:
    """Every (method, path, query parameter, its operation's other parameters) the API
    describes, but the event stream's (an accepted value opens an endless stream:
    test_events.py covers its parameters)."""
    found = []
    for path, operations in document()["paths"].items():
        for method, operation in operations.items():
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            for name in names if path != "/api/v2.6/events" else []:
                others = {n: USABLE.get(n, "x") for n in names if n != name}
                found.append((method.upper(), path.format(**PATH_PARAMETERS), name, others))
    return found


def test_every_query_parameter_refuses_tricky_values_without_a_5xx(stored: TestClient) -> None:
    """Each value in each described query parameter: a 2xx or a 4xx with the HAT's error
    body, never a 5xx."""
    checked = query_parameters()
    assert len(checked) > 40  # the description is where the parameters come from
    for method, path, name, others in checked:
        for value in TRICKY_VALUES:
            response = stored.request(method, path, params={**others, name: value},
                                      json={} if method in ("POST", "PUT") else None)
            assert response.status_code < 500, (method, path, name, value, response.text)
            if response.status_code >= 400 and path != "/control/v2/auth/hatlogin":
                assert "message" in response.json(), (method, path, name, value)


@pytest.mark.parametrize("name", ["skip", "take", "since", "until"])
@pytest.mark.parametrize("value", ["²", " 5", "1_0", "-1", "9" * 5000])
def test_audit_numbers_are_whole_numbers(owner: TestClient, name: str, value: str) -> None:
    bad_request(owner.get(f"{API}/audit", params={name: value}), name, "")


@pytest.mark.parametrize("value", [" 5", "5 ", "1_0", "²", "--1", "9" * 5000])
def test_paging_numbers_are_read_as_the_original_reads_them(stored: TestClient,
                                                            value: str) -> None:
    """Java's Integer.parseInt: no spaces, no underscores (Python's int() takes both)."""
    bad_request(stored.get(f"{API}/data/test/input", params={"take": value}), "take",
                "Cannot parse")


@pytest.mark.parametrize(("value", "taken"), [("+1", 1), ("٢", 2), ("00001", 1)])
def test_paging_numbers_take_a_sign_leading_zeros_and_any_decimal_digits(
        stored: TestClient, value: str, taken: int) -> None:
    """As Java's Integer.parseInt, which reads any script's decimal digits."""
    assert len(xs(stored.get(f"{API}/data/test/input", params={"take": value}))) == taken
