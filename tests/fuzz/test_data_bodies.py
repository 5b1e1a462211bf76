"""Hypothesis on the JSON bodies of the data routes, on both backends: whatever the body, the
answer is a 2xx or a 4xx in the documented shape, never a 5xx; and what a 2xx says was stored
is what a read gives back.

OPENHAT_FUZZ_EXAMPLES sets the examples per test (CI: a few dozen; HYPOTHESIS_PROFILE=long:
the long profile's count, tests/profiles.py).
"""

from __future__ import annotations

import itertools
import json
import math
import os
from decimal import Decimal
from typing import Any

import jsonschema_rs
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from openhat.web.openapi import document
from tests.app_fixtures import installed_app
from tests.fuzz import counting
from tests.profiles import examples

API = "/api/v2.6"
EXAMPLES = int(os.environ.get("OPENHAT_FUZZ_EXAMPLES", str(examples(25))))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=list(HealthCheck))
ENDPOINTS = itertools.count()

# JSON as clients send it: finite numbers, integers of any size, any text (no lone
# surrogates, which no JSON encoder writes).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
SCALARS = st.none() | st.booleans() | st.integers() | \
    st.floats(allow_nan=False, allow_infinity=False) | TEXT
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(TEXT, inner, max_size=4), max_leaves=12)
NAMESPACES = st.sampled_from(["rumpel", "other", "test"])
ENDPOINT_NAMES = st.from_regex(r"[0-9a-z-]{1,8}(/[0-9a-z-]{1,8})?", fullmatch=True)


def validator(name: str) -> Any:
    """Validates a value against one of the published component schemas."""
    return jsonschema_rs.validator_for({"$ref": f"#/components/schemas/{name}",
                                        "components": document()["components"]})


ERROR = validator("Error")
RECORD = validator("EndpointData")


def encode(body: Any) -> bytes:
    """orjson writes integers of up to 64 bits; bodies with larger ones go through the
    standard library's encoder."""
    return orjson.dumps(body) if fits(body) else json.dumps(body).encode()


def send(client: TestClient, method: str, path: str, body: Any,
         token: str | None = None) -> Any:
    counting.count()
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["X-Auth-Token"] = token
    return client.request(method, path, content=encode(body), headers=headers)


def fits(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return -(2**63) <= value < 2**64
    if isinstance(value, list):
        return all(fits(v) for v in value)
    if isinstance(value, dict):
        return all(fits(v) for v in value.values())
    return True


def has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    return False


def json_key(value: Any) -> Any:
    """Written from the duplicate rule (docs/compatibility.md), not from the code: two values
    are one record's data when they are equal as JSON, key order aside; `1` and `1.0` are
    distinct (duplicates compare the stored text), and so are `0.0` and `-0.0`; a boolean is
    no number."""
    if value is None or isinstance(value, bool | str):
        return (type(value).__name__, value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("float", value, math.copysign(1.0, value))
    if isinstance(value, list):
        return ("array", tuple(json_key(v) for v in value))
    return ("object", frozenset((k, json_key(v)) for k, v in value.items()))


def has_duplicates(records: list[tuple[str, Any]]) -> bool:
    """Whether two of these (endpoint, data) pairs are duplicates of each other."""
    keys = [(endpoint, json_key(data)) for endpoint, data in records]
    return len(set(keys)) < len(keys)


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON values: numbers by their decimal value (PostgreSQL's jsonb writes the
    float 6.764263652711382e+16 back as 67642636527113820, as the original's does)."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b or (a == b and type(a) is type(b))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return Decimal(repr(a)) == Decimal(repr(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    return bool(a == b)


def stored_records(owner: TestClient) -> dict[str, list[tuple[str, str]]]:
    """Every record of the HAT (the one HAT kept across a test's examples), by endpoint: a
    refused request that wrote into an existing endpoint changes it."""
    found: dict[str, list[tuple[str, str]]] = {}
    for namespace, names in owner.get(f"{API}/data/sources").json().items():
        for name in names:
            endpoint = f"{namespace}/{name}"
            records = owner.get(f"{API}/data/{endpoint}", params={"take": 100_000}).json()
            found[endpoint] = [(r["recordId"], json.dumps(r["data"], sort_keys=True))
                               for r in records]
    return found


def assert_4xx(response: Any) -> None:
    assert 400 <= response.status_code < 500, response.text
    ERROR.validate(response.json())


@FUZZ
@given(body=JSON)
def test_post_any_json_to_an_endpoint(owner: TestClient, body: Any) -> None:
    endpoint = f"fuzz/e{next(ENDPOINTS)}"
    response = send(owner, "POST", f"{API}/data/{endpoint}", body)
    assert response.status_code < 500, response.text
    values = body if isinstance(body, list) else [body]
    duplicated = has_duplicates([(endpoint, v) for v in values])
    if has_nul(body) or duplicated:
        assert_4xx(response)
        assert owner.get(f"{API}/data/{endpoint}").json() == []
        return
    assert response.status_code == 201, response.text  # integers of any size are kept
    saved = response.json() if isinstance(body, list) else [response.json()]
    for record in saved:
        RECORD.validate(record)
    read = owner.get(f"{API}/data/{endpoint}").json()
    assert [r["recordId"] for r in read] == [r["recordId"] for r in saved]
    assert same_json([r["data"] for r in read], values)


def element(namespace: st.SearchStrategy[str], depth: int = 2) -> st.SearchStrategy[Any]:
    """An EndpointData for a batch, sometimes malformed, sometimes with links."""
    good = st.fixed_dictionaries(
        {"endpoint": st.builds(lambda ns, name: f"{ns}/{name}", namespace, ENDPOINT_NAMES),
         "data": JSON},
        optional={"links": st.lists(element(namespace, depth - 1), max_size=2)} if depth
        else {})
    junk = JSON | st.fixed_dictionaries({"endpoint": TEXT | JSON, "data": JSON})
    return st.one_of(good, good, good, junk)


@FUZZ
@given(body=st.lists(element(NAMESPACES), max_size=5) | JSON)
def test_batch_is_all_or_nothing(owner: TestClient, body: Any) -> None:
    before = stored_records(owner)
    response = send(owner, "POST", f"{API}/data-batch", body)
    assert response.status_code < 500, response.text
    if response.status_code == 201:
        for record in response.json():
            RECORD.validate(record)
        assert_stored(owner, before, body, response.json())
        return
    assert_4xx(response)
    assert stored_records(owner) == before  # nothing stored, in any endpoint


def first_level(sent: list[Any], saved: list[Any]) -> list[tuple[str, Any, Any]]:
    """(endpoint, data sent, record answered) of each record a batch stores: its elements
    and their links (links of links are not stored)."""
    out = []
    for item, record in zip(sent, saved, strict=True):
        out.append((item["endpoint"], item["data"], record))
        links = item.get("links") or []
        assert len(record["links"]) == len(links), record
        out += [(link["endpoint"], link["data"], answered)
                for link, answered in zip(links, record["links"], strict=True)]
    return out


def assert_stored(owner: TestClient, before: dict[str, list[tuple[str, str]]],
                  sent: list[Any], saved: list[Any]) -> None:
    """A 2xx batch stored exactly what it answered, as sent, after what each endpoint held,
    and nothing else; and nothing it held was a duplicate of another."""
    new = first_level(sent, saved)
    assert not has_duplicates([(endpoint, data) for endpoint, data, _ in new])
    for endpoint, data, record in new:
        assert record["endpoint"] == endpoint and same_json(record["data"], data), record
    after = stored_records(owner)
    assert set(after) == set(before) | {endpoint for endpoint, _, _ in new}
    for endpoint, records in after.items():
        held = before.get(endpoint, [])
        assert records[:len(held)] == held, endpoint  # nothing it held changed
        added = {record_id for record_id, _ in records[len(held):]}
        assert added == {r["recordId"] for e, _, r in new if e == endpoint}, endpoint


# Few values, so that a batch often holds the same data twice; 1 and 1.0, 0.0 and -0.0, and
# objects differing in key order only, so that the duplicate rule is put to the test.
FEW = st.sampled_from([1, 1.0, 0.0, -0.0, True, "1", None, [1], {"a": 1, "b": 2},
                       {"b": 2, "a": 1}, {"a": 1.0, "b": 2}]) | JSON


@FUZZ
@given(data=st.data())
def test_a_well_formed_batch_stores_exactly_what_it_was_sent(owner: TestClient,
                                                            data: st.DataObject) -> None:
    """Every element well formed, in endpoints no earlier example used: the answer follows
    from the body alone (a NUL or a duplicate refuses it all, else all is stored), and what
    is stored is what was sent."""
    namespace = f"wf{next(ENDPOINTS)}"
    endpoint = st.sampled_from([f"{namespace}/a", f"{namespace}/b"])
    record = st.fixed_dictionaries({"endpoint": endpoint, "data": FEW})
    item = st.fixed_dictionaries({"endpoint": endpoint, "data": FEW},
                                 optional={"links": st.lists(record, max_size=2)})
    body = data.draw(st.lists(item, max_size=4))
    before = stored_records(owner)
    response = send(owner, "POST", f"{API}/data-batch", body)
    sent = [(r["endpoint"], r["data"]) for i in body for r in [i, *i.get("links", [])]]
    if has_nul(body) or has_duplicates(sent):
        assert_4xx(response)
        if not has_nul(body):
            assert "Duplicate data" in response.json()["cause"], response.text
        assert stored_records(owner) == before
        return
    assert response.status_code == 201, response.text
    assert_stored(owner, before, body, response.json())


@pytest.fixture
def writer(owner: TestClient) -> str:
    """A token of an application that may write the `rumpel` namespace only."""
    return installed_app(owner, "writer", "namespacewrite:rumpel")


@FUZZ
@given(body=st.lists(element(NAMESPACES), min_size=1, max_size=4))
def test_app_batch_needs_every_namespace(owner: TestClient, writer: str, body: Any) -> None:
    before = stored_records(owner)
    response = send(owner, "POST", f"{API}/data-batch", body, token=writer)
    assert response.status_code < 500, response.text
    if response.status_code == 201:
        assert namespaces_of(body) == {"rumpel"}
        return
    assert_4xx(response)
    if response.status_code == 403:
        assert response.json()["cause"].startswith("Access Denied")
    assert stored_records(owner) == before  # nothing stored, in any endpoint


def namespaces_of(body: list[Any]) -> set[str]:
    found: set[str] = set()
    for item in body:
        found.add(str(item["endpoint"]).split("/")[0])
        found |= namespaces_of(item.get("links") or [])
    return found


@FUZZ
@given(data=st.data())
def test_update_any_body(owner: TestClient, data: st.DataObject) -> None:
    saved = owner.post(f"{API}/data/fuzz/update{next(ENDPOINTS)}", json=[{"n": 1}, {"n": 2}])
    ids = [r["recordId"] for r in saved.json()]
    item = st.fixed_dictionaries({
        "endpoint": st.sampled_from(["fuzz/x", "other/y", "BAD"]),
        "recordId": st.sampled_from([*ids, "00000000-0000-0000-0000-000000000000", "nope"]),
        "data": JSON})
    body = data.draw(st.lists(item, max_size=3) | JSON)
    response = send(owner, "PUT", f"{API}/data", body)
    assert response.status_code < 500, response.text
    if response.status_code == 201:
        for record in response.json():
            RECORD.validate(record)
    else:
        assert_4xx(response)
