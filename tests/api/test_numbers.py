"""Number fidelity (issue 12), black-box over HTTP on both backends: every route that stores
or returns data gives back each number with the value it was sent with, numbers no backend
can store are refused before anything is written, and filters and ordering compare numbers
by value however long they are."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.api.debit_fixtures import setup_request
from tests.profiles import examples

API = "/api/v2.6"
JSON_HEADERS = {"Content-Type": "application/json"}

LONG = "0." + "1234567890" * 100 + "1"  # 1,001 significant digits
DOC = ('{"big": 123456789012345678901234567890, "neg": -98765432109876543210987654321,'
       ' "pi": 3.14159265358979323846264338327950288, "tiny": 0.30000000000000000000000000001,'
       f' "long": {LONG}, "exp": 1.5e300, "far": 1e400, "small": 1e-400, "zero": -0.0,'
       ' "u64": 18446744073709551615, "one": 1.0, "plain": 42, "list": [1180591620717411303424,'
       ' 1180591620717411303425, 2.00000000000000000000000000001], "nested": {"id":'
       ' 9223372036854775808123}}')
DOC2 = '{"big": 340282366920938463463374607431768211457, "pi": 2.718281828459045235360287}'


def exact(text: str | bytes) -> Any:
    """JSON with every number a Decimal, so that values compare exactly (1.0 == 1)."""
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)


def send(client: TestClient, method: str, path: str, body: str,
         **headers: str) -> Any:
    return client.request(method, path, content=body.encode(),
                          headers={**JSON_HEADERS, **headers})


def saved(client: TestClient, endpoint: str, body: str) -> Any:
    response = send(client, "POST", f"{API}/data/{endpoint}", body)
    assert response.status_code == 201, response.text
    return exact(response.content)


def read(client: TestClient, path: str) -> Any:
    response = client.get(f"{API}/{path}")
    assert response.status_code == 200, response.text
    return exact(response.content)


# --- values kept -------------------------------------------------------------------------

def test_post_an_object_and_read_it_back(owner: TestClient) -> None:
    record = saved(owner, "test/numbers", DOC)
    assert record["data"] == exact(DOC)
    [found] = read(owner, "data/test/numbers")
    assert found["data"] == record["data"]
    assert read(owner, f"data-record/{record['recordId']}")["data"] == exact(DOC)


def test_post_an_array(owner: TestClient) -> None:
    records = saved(owner, "test/numbers", f"[{DOC}, {DOC2}]")
    assert [r["data"] for r in records] == [exact(DOC), exact(DOC2)]
    assert [r["data"] for r in read(owner, "data/test/numbers")] == [exact(DOC), exact(DOC2)]


def test_batch_with_links(owner: TestClient) -> None:
    body = (f'[{{"endpoint": "test/numbers", "data": {DOC}, "links": [{{"endpoint":'
            f' "test/linked", "data": {DOC2}}}]}}]')
    response = send(owner, "POST", f"{API}/data-batch", body)
    assert response.status_code == 201, response.text
    [element] = exact(response.content)
    assert element["data"] == exact(DOC)
    assert [link["data"] for link in element["links"]] == [exact(DOC2)]
    assert [r["data"] for r in read(owner, "data/test/linked")] == [exact(DOC2)]
    _combinator(owner, "withlinks", '[{"endpoint": "test/numbers", "links": [{"endpoint":'
                ' "test/linked"}]}]')
    linked = read(owner, "combinator/withlinks")
    assert [link["data"] for link in linked[0]["links"]] == [exact(DOC2)]


def test_put_replaces_with_exact_numbers(owner: TestClient) -> None:
    record = saved(owner, "test/numbers", DOC2)
    body = f'[{{"endpoint": "test/numbers", "recordId": "{record["recordId"]}", "data": {DOC}}}]'
    response = send(owner, "PUT", f"{API}/data", body)
    assert response.status_code == 201, response.text
    assert exact(response.content)[0]["data"] == exact(DOC)
    assert read(owner, f"data-record/{record['recordId']}")["data"] == exact(DOC)


def _combinator(client: TestClient, name: str, body: str) -> None:
    response = send(client, "POST", f"{API}/combinator/{name}", body)
    assert response.status_code == 201, response.text


MAPPING = '{"copy.big": "big", "copy.long": "long", "deep": "nested.id", "far": "far"}'
MAPPED = {"copy": {"big": exact(DOC)["big"], "long": Decimal(LONG)},
          "deep": exact(DOC)["nested"]["id"], "far": Decimal("1e400")}


def test_combinators_mapped_and_unmapped(owner: TestClient) -> None:
    saved(owner, "test/numbers", DOC)
    _combinator(owner, "plain", '[{"endpoint": "test/numbers"}]')
    assert [r["data"] for r in read(owner, "combinator/plain")] == [exact(DOC)]
    _combinator(owner, "mapped", f'[{{"endpoint": "test/numbers", "mapping": {MAPPING}}}]')
    assert [r["data"] for r in read(owner, "combinator/mapped")] == [MAPPED]


BUNDLE = ('{"plain": {"endpoints": [{"endpoint": "test/numbers", "filters": [{"field": "big",'
          ' "operator": {"operator": "between", "lower": 123456789012345678901234567889.5,'
          ' "upper": 1e400}}]}]}, "mapped": {"endpoints": [{"endpoint": "test/numbers",'
          f' "mapping": {MAPPING}}}]}}}}')


def test_bundles_mapped_and_unmapped(owner: TestClient) -> None:
    saved(owner, "test/numbers", DOC)
    response = send(owner, "POST", f"{API}/data-bundle/numbers", BUNDLE)
    assert response.status_code == 201, response.text
    found = read(owner, "data-bundle/numbers")
    assert [r["data"] for r in found["plain"]] == [exact(DOC)]
    assert [r["data"] for r in found["mapped"]] == [MAPPED]
    structure = read(owner, "data-bundle/numbers/structure")
    assert structure == {"name": "numbers", "bundle": exact(BUNDLE)}


def test_data_debit_values(owner: TestClient) -> None:
    saved(owner, "test/numbers", DOC)
    request = setup_request()
    request["bundle"] = {"name": "numbers", "bundle": "BUNDLE"}
    body = json.dumps(request).replace('"BUNDLE"', BUNDLE)  # its numbers as written
    response = send(owner, "POST", f"{API}/data-debit/dd", body)
    assert response.status_code == 201, response.text
    assert owner.get(f"{API}/data-debit/dd/enable").status_code == 200
    values = read(owner, "data-debit/dd/values")["bundle"]
    assert [r["data"] for r in values["plain"]] == [exact(DOC)]
    assert [r["data"] for r in values["mapped"]] == [MAPPED]


def test_the_feed_keeps_coordinates(owner: TestClient) -> None:
    note = ('{"message": "here", "currently_shared": true, "shared_on": ["phata"],'
            ' "created_time": "2018-02-15T13:13:37.000Z",'
            ' "updated_time": "2018-02-16T13:13:37.000Z", "locationv1":'
            ' {"latitude": 51.50735090000000000000001, "longitude": -0.1277583000000000000001}}')
    saved(owner, "rumpel/notablesv1", note)
    [item] = read(owner, "she/feed?since=1400000000&until=1600000000")
    assert item["location"]["geo"] == {"latitude": Decimal("51.50735090000000000000001"),
                                       "longitude": Decimal("-0.1277583000000000000001")}


def test_an_idempotent_replay_answers_the_same_numbers(owner: TestClient) -> None:
    body = f'[{{"endpoint": "test/numbers", "data": {DOC}}}]'
    first = send(owner, "POST", f"{API}/data-batch", body, **{"Idempotency-Key": "n-1"})
    again = send(owner, "POST", f"{API}/data-batch", body, **{"Idempotency-Key": "n-1"})
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert exact(again.content)[0]["data"] == exact(DOC)
    assert len(read(owner, "data/test/numbers")) == 1


@pytest.mark.parametrize("number", [
    "1e-16383",  # the smallest PostgreSQL's numeric holds
    "9" * 131_072,  # the longest integer it holds
    "-1e131071",  # the same, written short
    "0e999999",  # zero, however written
])
def test_the_edges_of_the_range_are_kept(owner: TestClient, number: str) -> None:
    record = saved(owner, "test/numbers", f'{{"n": {number}}}')
    assert record["data"]["n"] == Decimal(number)
    assert read(owner, "data/test/numbers")[0]["data"]["n"] == Decimal(number)


def test_equal_values_written_differently_are_distinct_records(owner: TestClient) -> None:
    """Duplicates are equal JSON texts as stored (records.service): `1` and `1.0` are two
    records on both backends, as before."""
    saved(owner, "test/numbers", '{"n": 1}')
    saved(owner, "test/numbers", '{"n": 1.0}')
    again = send(owner, "POST", f"{API}/data/test/numbers", '{"n": 1.0}')
    assert again.status_code == 400


# --- refusals ----------------------------------------------------------------------------

OUT_OF_RANGE = [
    "1e131072",  # 131,073 digits before the point: beyond numeric
    "-1" + "0" * 131_072,  # the same, written out
    "1e-16384",  # 16,384 digits after the point
    "1.5e-16383",
    "0." + "0" * 16_383 + "1",
    "0e-16384",  # zero with too long a scale: PostgreSQL refuses it too
]


def _routes(number: str) -> list[tuple[str, str, str]]:
    data = f'{{"n": {number}}}'
    batch = f'[{{"endpoint": "test/numbers", "data": {data}}}]'
    linked = (f'[{{"endpoint": "test/numbers", "data": {{"ok": 1}}, "links": [{{"endpoint":'
              f' "test/linked", "data": {data}}}]}}]')
    filtered = (f'[{{"endpoint": "test/numbers", "filters": [{{"field": "n", "operator":'
                f' {{"operator": "contains", "value": {number}}}}}]}}]')
    return [("POST", f"{API}/data/test/numbers", data),
            ("POST", f"{API}/data/test/numbers", f"[{{\"ok\": 1}}, {data}]"),
            ("POST", f"{API}/data-batch", batch), ("POST", f"{API}/data-batch", linked),
            ("PUT", f"{API}/data", batch.replace('"data"', '"recordId":'
                                                 ' "00000000-0000-0000-0000-000000000000",'
                                                 ' "data"')),
            ("POST", f"{API}/combinator/refused", filtered),
            ("POST", f"{API}/data-bundle/refused", f'{{"p": {{"endpoints": {filtered}}}}}')]


@pytest.mark.parametrize("number", OUT_OF_RANGE)
def test_numbers_beyond_the_range_are_refused_everywhere(owner: TestClient,
                                                         number: str) -> None:
    for method, path, body in _routes(number):
        response = send(owner, method, path, body)
        assert response.status_code == 400, (path, response.text)
        answer = response.json()
        assert answer["error"] == "Bad Request"
        assert answer["message"].startswith("Invalid Json: the number "), answer
        assert "outside the range stored exactly" in answer["message"]
    assert read(owner, "data/test/numbers") == []
    assert read(owner, "data/test/linked") == []
    assert owner.get(f"{API}/combinator/refused").status_code == 404
    assert owner.get(f"{API}/data-bundle/refused").status_code == 404


@pytest.mark.parametrize("body", [
    '{"n": NaN}', '{"n": Infinity}', '{"n": -Infinity}',  # not JSON, even on the exact path
    '{"n": 1e400, "s": "\\ud800"}',  # a lone surrogate, met on the exact path
    '{"n": 12345678901234567890123, "m": 01}',  # a leading zero, met on the exact path
    '{"n": 1e400',  # cut short after a number only the exact path reads
])
def test_what_orjson_refuses_the_exact_reading_refuses_too(owner: TestClient,
                                                           body: str) -> None:
    response = send(owner, "POST", f"{API}/data/test/numbers", body)
    assert response.status_code == 400, response.text
    assert response.json()["message"].startswith("Invalid Json: ")
    assert read(owner, "data/test/numbers") == []


# --- filters and ordering ----------------------------------------------------------------

TWO_70 = 2**70


def _save_ordered(owner: TestClient) -> None:
    for n in (f"{TWO_70 + 1}", f"{TWO_70}", "1e400", "0.1", "0.1000000000000000000000001",
              "0.0999999999999999999999999", "-1e400", f"{TWO_70}.5"):
        saved(owner, "test/numbers", f'{{"n": {n}}}')


ORDERED = [Decimal(n) for n in ("-1e400", "0.0999999999999999999999999", "0.1",
                                "0.1000000000000000000000001", f"{TWO_70}", f"{TWO_70}.5",
                                f"{TWO_70 + 1}", "1e400")]


def test_order_by_a_big_number(owner: TestClient) -> None:
    _save_ordered(owner)
    found = read(owner, "data/test/numbers?orderBy=n")
    assert [r["data"]["n"] for r in found] == ORDERED
    found = read(owner, "data/test/numbers?orderBy=n&ordering=descending")
    assert [r["data"]["n"] for r in found] == ORDERED[::-1]


@pytest.mark.parametrize(("operator", "expected"), [
    (f'{{"operator": "between", "lower": {TWO_70 + 1}, "upper": 1e400}}', ORDERED[6:]),
    (f'{{"operator": "between", "lower": 0.1, "upper": {TWO_70}}}', ORDERED[2:5]),
    (f'{{"operator": "in", "value": [{TWO_70 + 1}, 0.1000000000000000000000001]}}',
     [ORDERED[3], ORDERED[6]]),
    (f'{{"operator": "contains", "value": {TWO_70}}}', [ORDERED[4]]),
    (f'{{"operator": "contains", "value": {TWO_70}.0}}', [ORDERED[4]]),  # equal values
    ('{"operator": "contains", "value": 1E+400}', [ORDERED[7]]),
])
def test_filters_compare_big_numbers_by_value(owner: TestClient, operator: str,
                                              expected: list[Decimal]) -> None:
    _save_ordered(owner)
    _combinator(owner, "f", f'[{{"endpoint": "test/numbers", "filters": [{{"field": "n",'
                            f' "operator": {operator}}}]}}]')
    assert [r["data"]["n"] for r in read(owner, "combinator/f?orderBy=n")] == expected


def test_array_members_compare_by_value(owner: TestClient) -> None:
    saved(owner, "test/numbers", f'{{"n": [{TWO_70}, 1]}}')
    saved(owner, "test/numbers", f'{{"n": [{TWO_70 + 1}, 1]}}')
    _combinator(owner, "m", f'[{{"endpoint": "test/numbers", "filters": [{{"field": "n",'
                            f' "operator": {{"operator": "contains", "value": {TWO_70 + 1}}}}}]}}]')
    assert [r["data"]["n"] for r in read(owner, "combinator/m")] == [[TWO_70 + 1, 1]]


# --- the property: any document of numbers round-trips to equal values ---------------------

_DIGITS = st.text("0123456789", min_size=1, max_size=40) | \
    st.text("0123456789", min_size=900, max_size=1100)  # long decimals too
_INTEGERS = st.integers(-(10**60), 10**60).map(str) | \
    st.integers(-(10**400), 10**400).map(str)  # far beyond 64 bits
_DECIMALS = st.builds(lambda whole, fraction: f"{whole}.{fraction}", _INTEGERS, _DIGITS)
_EXPONENTS = st.builds(lambda mantissa, e, sign, power: f"{mantissa}{e}{sign}{power}",
                       _INTEGERS | _DECIMALS, st.sampled_from("eE"),
                       st.sampled_from(["", "+", "-"]), st.integers(0, 400))
NUMBERS = st.one_of(st.integers(-1000, 1000).map(str), _INTEGERS, _DECIMALS, _EXPONENTS,
                    st.sampled_from(["-0", "-0.0", "0e0", "-0E-5", "0.0"]))
DOCUMENTS = st.recursive(NUMBERS, lambda inner: st.one_of(
    st.lists(inner, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
    st.dictionaries(st.sampled_from("abcd"), inner, max_size=4).map(
        lambda d: "{" + ", ".join(f'"{k}": {v}' for k, v in d.items()) + "}")),
    max_leaves=8)
_PROPERTY_ROUNDS = itertools.count()


@settings(max_examples=examples(30), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(document=DOCUMENTS)
def test_any_document_of_numbers_round_trips(owner: TestClient, document: str) -> None:
    endpoint = f"test/p{next(_PROPERTY_ROUNDS)}"
    body = f'{{"v": {document}}}'
    record = saved(owner, endpoint, body)
    assert record["data"] == exact(body)
    assert [r["data"] for r in read(owner, f"data/{endpoint}")] == [exact(body)]
