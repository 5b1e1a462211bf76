"""Combinators (spec 3.11) and the original's RichDataServiceSpec query cases (7.3 S8-S14,
F1-F9, D1, U1) and RichBundleServiceSpec's combinator cases (7.5), black-box over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.hat_fixtures import (
    API,
    B_UPDATED,
    FRAG,
    M1,
    M2,
    combinator,
    new_field,
    save,
    save_linked_sample,
    save_sample,
)

S9 = [{"endpoint": "test/test", "mapping": M1}, {"endpoint": "test/complex", "mapping": M2}]


def test_s8_mapping_with_order_and_take(owner: TestClient) -> None:
    save_sample(owner)
    found = combinator(owner, [{"endpoint": "test/test", "mapping": M1}],
                       "?orderBy=data.newField&take=1")
    assert new_field(found) == ["anotherFieldDifferentValue"]


def test_s9_s10_sort_across_endpoints_by_the_mapped_field(owner: TestClient) -> None:
    save_sample(owner)
    found = combinator(owner, S9, "?orderBy=data.newField&take=3")
    assert new_field(found) == ["anotherFieldDifferentValue", "anotherFieldValue", "london, uk"]
    assert [r["endpoint"] for r in found] == ["test/test", "test/test", "test/complex"]
    assert "links" not in found[0]


def test_sort_across_endpoints_descending_with_skip(owner: TestClient) -> None:
    save_sample(owner)
    found = combinator(owner, S9, "?orderBy=data.newField&ordering=descending&skip=1&take=5")
    assert new_field(found) == ["anotherFieldValue", "anotherFieldDifferentValue"]


def test_without_order_records_come_in_insertion_order(owner: TestClient) -> None:
    saved = save_sample(owner)
    found = combinator(owner, [{"endpoint": "test/complex"}, {"endpoint": "test/test"}])
    assert [r["recordId"] for r in found] == [r["recordId"] for r in saved]
    assert found[0]["data"] == saved[0]["data"]  # unmapped data passes through whole
    newest_first = owner.get(f"{API}/combinator/testc?ordering=descending&take=2").json()
    assert [r["recordId"] for r in newest_first] == [saved[2]["recordId"], saved[1]["recordId"]]


def test_s11_linked_records_in_link_query_order(owner: TestClient) -> None:
    save_linked_sample(owner)
    found = combinator(owner, [{"endpoint": "test/test", "mapping": M1, "links": [
        {"endpoint": "test/testlinked"}, {"endpoint": "test/complex"}]}], "?take=1")
    assert new_field(found) == ["anotherFieldValue"]
    assert [link["endpoint"] for link in found[0]["links"]] == ["test/testlinked",
                                                                "test/complex"]


def test_s12_only_requested_links(owner: TestClient) -> None:
    save_linked_sample(owner)
    found = combinator(owner, [{"endpoint": "test/test", "mapping": M1,
                                "links": [{"endpoint": "test/testlinked"}]}], "?take=1")
    [link] = found[0]["links"]
    assert link["data"]["field"] == "value2"
    assert "links" not in link


def test_s13_mappers_on_links(owner: TestClient) -> None:
    save_linked_sample(owner)
    found = combinator(owner, [{"endpoint": "test/test", "mapping": M1, "links": [
        {"endpoint": "test/testlinked", "mapping": M1}]}], "?take=1")
    assert found[0]["links"][0]["data"]["data"]["newField"] == "anotherFieldDifferentValue"


def test_links_are_symmetric_and_filtered(owner: TestClient) -> None:
    main = save_linked_sample(owner)
    found = combinator(owner, [{"endpoint": "test/complex", "links": [
        {"endpoint": "test/test"}, {"endpoint": "test/testlinked", "filters": [
            {"field": "field", "operator": {"operator": "contains", "value": "nope"}}]}]}])
    assert [link["recordId"] for link in found[0]["links"]] == [main["recordId"]]


def test_s14_record_group_never_links_a_record_to_itself(owner: TestClient) -> None:
    a, b, c = save_sample(owner)
    ids = "&".join(f"records={r['recordId']}" for r in (a, b, c))
    assert owner.post(f"{API}/data-link?{ids}").status_code == 201
    found = combinator(owner, [{"endpoint": "test/test", "mapping": M1, "links": [
        {"endpoint": "test/test"}, {"endpoint": "test/complex"}]}],
        "?orderBy=data.newField&take=3")
    assert new_field(found) == ["anotherFieldDifferentValue", "anotherFieldValue"]
    assert [link["recordId"] for link in found[0]["links"]] == [a["recordId"], c["recordId"]]
    assert [link["recordId"] for link in found[1]["links"]] == [b["recordId"], c["recordId"]]


def flt(field: str, operator: dict[str, Any],
        transformation: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"field": field, "operator": operator}
    if transformation is not None:
        out["transformation"] = transformation
    return out


HOUR = {"transformation": "datetimeExtract", "part": "hour"}
TS_HOUR = {"transformation": "timestampExtract", "part": "hour"}


@pytest.mark.parametrize(("endpoint", "filters", "expected"), [
    ("test/test", [], ["value", "value2"]),  # F1
    ("test/test", [flt("object.objectFieldArray", {"operator": "contains",
                                                   "value": "objectFieldArray2"})],
     ["value", "value2"]),  # F2: an array contains one of its elements
    ("test/test", [flt("object", {"operator": "contains", "value": FRAG})],
     ["value", "value2"]),  # F3: sub-object containment
    ("test/test", [flt("field", {"operator": "contains", "value": "value2"})],
     ["value2"]),  # F4: containment of scalars is equality
    ("test/test", [flt("date", {"operator": "between", "lower": 1492699000,
                                "upper": 1492799000})], ["value"]),  # F5
    ("test/test", [flt("field", {"operator": "in", "value": ["value", "value2"]})],
     ["value", "value2"]),  # F6
    ("test/test", [flt("date_iso", {"operator": "between", "lower": 14, "upper": 17}, HOUR)],
     ["value"]),  # F7: 14:37 UTC
    ("test/test", [flt("date", {"operator": "between", "lower": 14, "upper": 17}, TS_HOUR)],
     ["value"]),  # F8
    ("test/test", [flt("date", {"operator": "between", "lower": 1492699047,
                                "upper": 1492699047})], ["value"]),  # between is inclusive
    ("test/test", [flt("field", {"operator": "contains", "value": "value"}),
                   flt("field", {"operator": "contains", "value": "value2"})], []),  # AND-ed
    ("test/test", [flt("date_iso", {"operator": "in", "value": [18, 19]}, HOUR)],
     ["value2"]),  # a date part compared with in
    ("test/test", [flt("missing", {"operator": "between", "lower": None, "upper": True})],
     []),  # a missing field matches nothing
])
def test_filters(owner: TestClient, endpoint: str, filters: list[dict[str, Any]],
                 expected: list[str]) -> None:
    save_sample(owner)
    found = combinator(owner, [{"endpoint": endpoint, "filters": filters}])
    assert [r["data"]["field"] for r in found] == expected


@pytest.mark.parametrize(("transformation", "search", "expected"), [
    (None, "london", 1),  # F9: find searches without searchable too (decision 8)
    ({"transformation": "searchable"}, "london", 1),  # F9 as the original meant it
    ({"transformation": "searchable"}, "London UK", 1),  # every word must occur
    (None, "paris", 0),
    (None, "the", 0),  # only stop words: matches nothing
])
def test_f9_find(owner: TestClient, transformation: dict[str, Any] | None, search: str,
                 expected: int) -> None:
    save_sample(owner)
    found = combinator(owner, [{"endpoint": "test/complex", "filters": [
        flt("hometown.name", {"operator": "find", "search": search}, transformation)]}])
    assert len(found) == expected


def test_find_uses_english_stemming_over_nested_strings(owner: TestClient) -> None:
    save(owner, [("test/notes", {"body": {"title": "Running notes", "tags": ["Cities"]}}),
                 ("test/notes", {"body": {"title": "Walked", "tags": ["city", 3]}})])
    found = combinator(owner, [{"endpoint": "test/notes", "filters": [
        flt("body", {"operator": "find", "search": "runs city"})]}])
    assert [r["data"]["body"]["title"] for r in found] == ["Running notes"]


def test_d1_deleted_records_leave_the_combinator(owner: TestClient) -> None:
    _, b, _ = save_sample(owner)
    assert owner.delete(f"{API}/data?records={b['recordId']}").status_code == 200
    found = combinator(owner, S9, "?orderBy=data.newField")
    assert new_field(found) == ["anotherFieldValue", "london, uk"]


def test_u1_updated_records_sort_by_their_new_data(owner: TestClient) -> None:
    _, b, _ = save_sample(owner)
    updated = owner.put(f"{API}/data", json=[{"endpoint": "test/test",
                                              "recordId": b["recordId"], "data": B_UPDATED}])
    assert updated.status_code == 201
    found = combinator(owner, S9, "?orderBy=data.newField")
    assert new_field(found) == ["aaa", "anotherFieldValue", "london, uk"]


def test_registering_again_replaces_the_combinator(owner: TestClient) -> None:
    save_sample(owner)
    assert len(combinator(owner, [{"endpoint": "test/test"}])) == 2
    assert len(combinator(owner, [{"endpoint": "test/complex"}])) == 1


def test_register_answer_and_unknown_combinator(owner: TestClient) -> None:
    response = owner.post(f"{API}/combinator/a-b/c", json=[{"endpoint": "test/test"}])
    assert response.status_code == 201
    assert response.json() == {"message": "Combinator a-b/c registered"}
    assert owner.get(f"{API}/combinator/a-b/c").json() == []
    missing = owner.get(f"{API}/combinator/nothere")
    assert missing.status_code == 404
    assert missing.json() == {"message": "Combinator Not Found",
                              "cause": "Combinator nothere not found"}


@pytest.mark.parametrize(("body", "problem"), [
    ({"endpoint": "test/test"}, "error.expected.jsarray"),  # not an array
    ([{"mapping": {}}], "error.path.missing"),  # no endpoint
    ([{"endpoint": "Test/UPPER"}], "Endpoint invalid"),
    ([{"endpoint": "t/t", "filters": [{"field": "a", "operator": {"operator": "like"}}]}],
     "Unexpected JSON value like"),
    ([{"endpoint": "t/t", "filters": [{"field": "a", "operator": {"operator": "in"}}]}],
     "error.path.missing"),  # in without value
])
def test_malformed_combinator_body_is_a_framework_400(owner: TestClient, body: Any,
                                                      problem: str) -> None:
    response = owner.post(f"{API}/combinator/bad", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"
    assert problem in str(response.json()["message"])


@pytest.mark.parametrize(("query", "problem"), [
    ({"mapping": {"data.newField": True}}, "invalid mapping for 'data.newField'"),  # 7.4 #5
    ({"mapping": {"data.new field!": "a b"}}, None),  # any key characters are fine
    ({"mapping": {"a..b": "x"}}, "segment ''"),
    ({"mapping": {"a[1]": "x"}}, "invalid destination"),
    ({"mapping": {"a[]": {"source": "x[]"}}}, "needs a string source and a mappings object"),
    ({"filters": [{"field": "a", "transformation": {"transformation": "searchable"},
                   "operator": {"operator": "contains", "value": 1}}]}, "searchable"),
    ({"filters": [{"field": "a", "transformation": {"transformation": "datetimeExtract",
                                                    "part": "fortnight"},
                   "operator": {"operator": "in", "value": [1]}}]}, "unknown date part"),
    ({"filters": [{"field": "a", "operator": {"operator": "between", "lower": [1],
                                              "upper": 2}}]}, "between compares"),
    ({"filters": [{"field": "a..b", "operator": {"operator": "in", "value": [1]}}]},
     "empty path segment"),
])
def test_malformed_queries_are_refused_when_registered(owner: TestClient,
                                                       query: dict[str, Any],
                                                       problem: str | None) -> None:
    response = owner.post(f"{API}/combinator/bad", json=[{"endpoint": "test/test", **query}])
    if problem is None:
        assert response.status_code == 201
        return
    assert response.status_code == 400
    assert response.json()["message"] == "Bad Request"
    assert problem in response.json()["cause"]
    assert owner.get(f"{API}/combinator/bad").status_code == 404  # nothing stored


def test_bad_paging_parameters(owner: TestClient) -> None:
    owner.post(f"{API}/combinator/c", json=[{"endpoint": "test/test"}])
    assert owner.get(f"{API}/combinator/c?take=-1").status_code == 400
    assert owner.get(f"{API}/combinator/c?skip=x").status_code == 400
    assert owner.get(f"{API}/combinator/c?orderBy=a..b").status_code == 400


def test_combinators_need_the_owner(client: TestClient) -> None:
    assert client.post(f"{API}/combinator/c", json=[{"endpoint": "test/test"}]
                       ).status_code == 401
    assert client.get(f"{API}/combinator/c").status_code == 401


def test_v2_prefix_serves_combinators(owner: TestClient) -> None:
    save_sample(owner)
    assert len(combinator(owner, [{"endpoint": "test/test"}], name="v2c")) == 2
    assert len(owner.get("/api/v2/combinator/v2c").json()) == 2


def test_bodies_are_checked_before_the_token(client: TestClient) -> None:
    """As the original's body parsers: a malformed body is a 400 even without a token."""
    for path, body in (("/api/v2.6/combinator/c", {"not": "an array"}),
                       ("/api/v2.6/data-bundle/b", [1]),
                       ("/api/v2.6/data-debit/dd", {}),
                       ("/api/v2/data-debit/dd", {})):
        response = client.post(path, json=body)
        assert response.status_code == 400, path
        assert response.json()["error"] == "Bad Request"
