"""The original's RichDataSpec (spec 7.2 #1-13) and RichDataServiceSpec (7.3) cases that need
no combinator, ported black-box over HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.hat_fixtures import combinator
from tests.hat_fixtures import B_UPDATED, SAMPLE_DATA, A, B, C

API = "/api/v2.6"


def save(owner: TestClient, endpoint: str, body: Any, **params: str) -> Any:
    response = owner.post(f"{API}/data/{endpoint}", json=body, params=params)
    assert response.status_code == 201, response.text
    return response.json()


def read(owner: TestClient, endpoint: str, **params: Any) -> list[dict[str, Any]]:
    response = owner.get(f"{API}/data/{endpoint}", params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


def batch(owner: TestClient, body: Any) -> list[dict[str, Any]]:
    response = owner.post(f"{API}/data-batch", json=body)
    assert response.status_code == 201, response.text
    return list(response.json())


# --- RichDataSpec (7.2) ------------------------------------------------------------------

def test_1_unknown_endpoint_is_empty(owner: TestClient) -> None:
    assert read(owner, "test/endpoint") == []


def test_2_order_by_field(owner: TestClient) -> None:
    save(owner, "test/endpoint", [A, B, C])
    records = read(owner, "test/endpoint", orderBy="field", take=2)
    assert [r["data"] for r in records] == [A, B]  # C has no `field`: last


def test_3_order_by_field_descending(owner: TestClient) -> None:
    save(owner, "test/endpoint", [A, B, C])
    records = read(owner, "test/endpoint", orderBy="field", ordering="descending", skip=1, take=2)
    assert [r["data"] for r in records] == [A, C]  # B, A, C: missing field last either way


def test_4_get_record(owner: TestClient) -> None:
    [saved] = save(owner, "test/getrecord", [C])
    response = owner.get(f"{API}/data-record/{saved['recordId']}")
    assert response.status_code == 200
    assert response.json() == {"endpoint": "test/getrecord", "recordId": saved["recordId"],
                               "data": C}


def test_5_save_single_record_answers_an_object(owner: TestClient) -> None:
    saved = save(owner, "test/endpoint", A)
    assert saved["endpoint"] == "test/endpoint" and saved["data"] == A
    assert saved["links"] == []
    uuid.UUID(saved["recordId"])
    assert [r["data"] for r in read(owner, "test/endpoint")] == [A]


def test_6_save_multiple(owner: TestClient) -> None:
    saved = save(owner, "test/endpoint", [A, B])
    assert [r["data"] for r in saved] == [A, B]
    assert all(r["links"] == [] for r in saved)
    assert len(read(owner, "test/endpoint")) == 2


def test_7_duplicate_in_array_stores_nothing(owner: TestClient) -> None:
    response = owner.post(f"{API}/data/test/endpoint", json=[A, A, B])
    assert response.status_code == 400
    assert response.json()["message"] == "Bad Request"
    assert response.json()["cause"].startswith("Duplicate data -")
    assert read(owner, "test/endpoint") == []


def test_8_skip_errors_stores_the_rest(owner: TestClient) -> None:
    saved = save(owner, "test/endpoint", [A, A, B], skipErrors="true")
    assert [r["data"] for r in saved] == [A, B]
    assert len(read(owner, "test/endpoint")) == 2


def test_9_list_endpoints(owner: TestClient) -> None:
    save(owner, "test/test", A)
    save(owner, "test2/test2", B)
    save(owner, "test/test3", C)
    sources = owner.get(f"{API}/data/sources").json()
    assert sorted(sources["test"]) == ["test", "test3"]
    assert sources["test2"] == ["test2"]


def test_10_delete_endpoint(owner: TestClient) -> None:
    save(owner, "test/test", A)
    save(owner, "test/test3", C)
    response = owner.delete(f"{API}/data/test/test")
    assert response.status_code == 200
    assert response.json() == {"message": "All records deleted"}
    assert read(owner, "test/test") == []
    assert len(read(owner, "test/test3")) == 1


def test_11_batch_saves_all(owner: TestClient) -> None:
    batch(owner, [{"endpoint": "test/test", "data": A}, {"endpoint": "test2/test2", "data": B},
                  {"endpoint": "test/test", "data": C}])
    assert [r["data"] for r in read(owner, "test/test")] == [A, C]
    assert [r["data"] for r in read(owner, "test2/test2")] == [B]


def test_13_batch_duplicate_stores_nothing(owner: TestClient) -> None:
    response = owner.post(f"{API}/data-batch", json=[
        {"endpoint": "test/test", "data": A}, {"endpoint": "test2/test2", "data": B},
        {"endpoint": "test/test", "data": A}])
    assert response.status_code == 400
    assert response.json() == {"message": "Bad Request",
                               "cause": "Could not insert data - Duplicate data"}
    assert read(owner, "test/test") == [] and read(owner, "test2/test2") == []


# --- RichDataServiceSpec (7.3) -----------------------------------------------------------

def test_s1_multi_segment_endpoint(owner: TestClient) -> None:
    save(owner, "test/a/b", A)
    records = read(owner, "test/a/b", ordering="descending", take=10)
    assert [r["data"] for r in records] == [A]
    assert records[0]["endpoint"] == "test/a/b"
    assert read(owner, "test/a") == []  # sub-endpoints are not included
    assert owner.get(f"{API}/data/sources").json() == {"test": ["a/b"]}


def test_s3_batch_of_sample_data(owner: TestClient) -> None:
    saved = batch(owner, SAMPLE_DATA)
    assert [(r["endpoint"], r["data"]) for r in saved] == \
        [(e["endpoint"], e["data"]) for e in SAMPLE_DATA]
    assert all(r["links"] == [] for r in saved)
    for endpoint in {e["endpoint"] for e in SAMPLE_DATA}:
        assert [r["recordId"] for r in read(owner, endpoint)] == \
            [r["recordId"] for r in saved if r["endpoint"] == endpoint]


def test_s4_refuses_stored_duplicates(owner: TestClient) -> None:
    save(owner, "test/test", A)
    response = owner.post(f"{API}/data-batch", json=SAMPLE_DATA)
    assert response.status_code == 400
    assert response.json() == {"message": "Bad Request",
                               "cause": "Could not insert data - Duplicate data"}
    assert [r["data"] for r in read(owner, "test/test")] == [A]
    assert read(owner, "test/complex") == []  # the batch's other records went in neither


def test_s5_save_linked(owner: TestClient) -> None:
    [saved] = batch(owner, [{"endpoint": "test/test", "data": A,
                             "links": [{"endpoint": "test/test", "data": B}]}])
    assert len(saved["links"]) == 1
    assert saved["links"][0]["data"]["field"] == "value2"
    assert len(read(owner, "test/test")) == 2


def test_s6_get_record_of_a_batch(owner: TestClient) -> None:
    saved = batch(owner, SAMPLE_DATA)
    response = owner.get(f"{API}/data-record/{saved[0]['recordId']}")
    assert response.json() == {"endpoint": "test/test", "recordId": saved[0]["recordId"],
                               "data": A}


def test_s7_get_unknown_record(owner: TestClient) -> None:
    response = owner.get(f"{API}/data-record/00000000-1111-0000-1111-000000000000")
    assert response.status_code == 400
    assert response.json() == {
        "message": "Data Missing",
        "cause": "Could not find unique record: No single record found for provided ID"}


def test_s15_link_unknown_ids_links_nothing(owner: TestClient) -> None:
    [saved] = save(owner, "test/test", [A])
    response = owner.post(f"{API}/data-link",
                          params=[("records", saved["recordId"]), ("records", str(uuid.uuid4()))])
    assert response.status_code == 400
    assert response.json()["message"] == "Data Missing"


def test_link_existing_records(owner: TestClient) -> None:
    saved = batch(owner, SAMPLE_DATA)
    ids = ",".join(r["recordId"] for r in saved)
    response = owner.post(f"{API}/data-link", params={"records": ids})
    assert response.status_code == 201
    assert response.json() == {"message": "Grouping registered"}
    query = [{"endpoint": "test/test", "links": [{"endpoint": "test/complex"}]}]
    assert owner.post(f"{API}/combinator/linked", json=query).status_code == 201
    found = owner.get(f"{API}/combinator/linked").json()
    assert sorted(r["recordId"] for r in found) == sorted(r["recordId"] for r in saved[:2])
    for record in found:  # each record of the group now carries the linked record
        assert [(r["recordId"], r["data"]) for r in record["links"]] == \
            [(saved[2]["recordId"], C)]


def test_d1_delete_records(owner: TestClient) -> None:
    saved = batch(owner, SAMPLE_DATA)
    response = owner.delete(f"{API}/data", params={"records": saved[1]["recordId"]})
    assert response.status_code == 200
    assert response.json() == {"message": "All records deleted"}
    assert [r["data"] for r in read(owner, "test/test")] == [A]
    assert [r["data"] for r in read(owner, "test/complex")] == [C]


@pytest.mark.parametrize("extra", [
    "5b1e3c2a-0000-4000-8000-000000000001",  # unknown id
    "SAME",  # the same id twice
])
def test_d2_delete_is_all_or_nothing(owner: TestClient, extra: str) -> None:
    saved = batch(owner, SAMPLE_DATA)
    b_id = saved[1]["recordId"]
    response = owner.delete(f"{API}/data", params=[
        ("records", b_id), ("records", b_id if extra == "SAME" else extra)])
    assert response.status_code == 400
    assert response.json() == {"message": "Data Missing",
                               "cause": "Could not delete records: Records missing for deleting"}
    assert len(read(owner, "test/test")) == 2


def test_delete_without_records_deletes_nothing(owner: TestClient) -> None:
    batch(owner, SAMPLE_DATA)
    assert owner.delete(f"{API}/data").status_code == 200
    assert len(read(owner, "test/test")) == 2


def test_deleted_linked_record_leaves_its_partner(owner: TestClient) -> None:
    [saved] = batch(owner, [{"endpoint": "test/test", "data": A,
                             "links": [{"endpoint": "test/linked", "data": B}]}])
    assert owner.delete(f"{API}/data", params={"records": saved["recordId"]}).status_code == 200
    assert [r["data"] for r in read(owner, "test/linked")] == [B]


def test_u1_update_records(owner: TestClient) -> None:
    saved = batch(owner, SAMPLE_DATA)
    b_id = saved[1]["recordId"]
    response = owner.put(f"{API}/data", json=[
        {"endpoint": "test/test", "recordId": b_id, "data": B_UPDATED}])
    assert response.status_code == 201
    assert response.json() == [{"endpoint": "test/test", "recordId": b_id, "data": B_UPDATED}]
    assert [r["data"] for r in read(owner, "test/test")] == [A, B_UPDATED]  # order kept
    assert owner.get(f"{API}/data-record/{b_id}").json()["data"] == B_UPDATED


def test_u2_update_is_all_or_nothing(owner: TestClient) -> None:
    saved = batch(owner, SAMPLE_DATA[:2])
    response = owner.put(f"{API}/data", json=[
        {"endpoint": "test/test", "recordId": saved[1]["recordId"], "data": B_UPDATED},
        {"endpoint": "test/complex", "recordId": str(uuid.uuid4()), "data": C}])
    assert response.status_code == 400
    assert response.json() == {"message": "Data Missing",
                               "cause": "Could not update records: Records missing for updating"}
    assert [r["data"] for r in read(owner, "test/test")] == [A, B]


def test_update_without_record_id_is_refused(owner: TestClient) -> None:
    response = owner.put(f"{API}/data", json=[{"endpoint": "test/complex", "data": C}])
    assert response.status_code == 400
    assert response.json() == {"error": "Bad Request", "message": {
        "obj[0].recordId": [{"msg": ["error.path.missing"], "args": []}]}}


def test_update_into_a_duplicate_is_refused_and_changes_nothing(owner: TestClient) -> None:
    saved = batch(owner, SAMPLE_DATA[:2])
    response = owner.put(f"{API}/data", json=[
        {"endpoint": "test/test", "recordId": saved[1]["recordId"], "data": A}])
    assert response.status_code == 400
    assert response.json()["cause"].startswith("Could not update records: Duplicate data")
    assert [r["data"] for r in read(owner, "test/test")] == [A, B]


# --- duplicate rule and ordering (decisions doc) -----------------------------------------

def test_duplicates_ignore_key_order_and_whitespace(owner: TestClient) -> None:
    save(owner, "test/test", {"a": 1, "b": {"c": 2, "d": 3}})
    response = owner.post(f"{API}/data/test/test", content=b'{ "b": {"d":3, "c":2}, "a":1 }',
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["cause"].startswith("Duplicate data -")


def test_same_data_in_another_endpoint_is_not_a_duplicate(owner: TestClient) -> None:
    saved = [save(owner, endpoint, A) for endpoint in ("test/test", "test/other", "other/test")]
    for record in saved:
        assert [r["recordId"] for r in read(owner, record["endpoint"])] == [record["recordId"]]


def test_default_order_is_insertion_order_and_batches_keep_array_order(
        owner: TestClient) -> None:
    values = [{"n": n} for n in (5, 3, 9, 1, 7)]
    save(owner, "test/order", values[:2])
    batch(owner, [{"endpoint": "test/order", "data": v} for v in values[2:]])
    assert [r["data"] for r in read(owner, "test/order")] == values
    descending = read(owner, "test/order", ordering="descending")
    assert [r["data"] for r in descending] == values[::-1]
    assert [r["data"] for r in read(owner, "test/order", skip=1, take=2)] == values[1:3]
    assert read(owner, "test/order", take=0) == []


def test_order_by_follows_jsonb_type_order_with_missing_last(owner: TestClient) -> None:
    values = [{"k": "b"}, {"k": 2}, {"x": 0}, {"k": None}, {"k": True}, {"k": "a"}, {"k": 10}]
    save(owner, "test/types", values)
    ascending = [r["data"] for r in read(owner, "test/types", orderBy="k")]
    assert ascending == [{"k": None}, {"k": "a"}, {"k": "b"}, {"k": 2}, {"k": 10}, {"k": True},
                         {"x": 0}]
    descending = [r["data"] for r in read(owner, "test/types", orderBy="k",
                                          ordering="descending")]
    assert descending == [{"k": True}, {"k": 10}, {"k": 2}, {"k": "b"}, {"k": "a"},
                          {"k": None}, {"x": 0}]


ARRAYS: list[Any] = [[3], [2, 3], [1, 2, 3], [10], [], ["a"], [[1]]]


def test_arrays_and_mixed_types_order_alike_in_get_and_combinators(owner: TestClient) -> None:
    """One ordering (storage/query.py) on every backend and route: arrays tie among
    themselves, so they keep insertion order in both directions (SQLite used to sort GET
    /data's arrays as JSON text, PostgreSQL by jsonb's rules)."""
    values = [*ARRAYS[:2], "b", *ARRAYS[2:4], {"a": 1}, 2, *ARRAYS[4:], None, True]
    save(owner, "test/arrays", [{"v": v} for v in values] + [{"x": 1}])
    arrays = [{"v": a} for a in ARRAYS]
    scalars = [{"v": None}, {"v": "b"}, {"v": 2}, {"v": True}]
    expected = {"ascending": [*scalars, *arrays, {"v": {"a": 1}}, {"x": 1}],
                "descending": [{"v": {"a": 1}}, *arrays, *scalars[::-1], {"x": 1}]}
    for ordering, want in expected.items():
        found = read(owner, "test/arrays", orderBy="v", ordering=ordering)
        assert [r["data"] for r in found] == want, ordering
        combined = combinator(owner, [{"endpoint": "test/arrays"}],
                              f"?orderBy=v&ordering={ordering}", name=f"arrays-{ordering}")
        assert [r["data"] for r in combined] == want, ordering


def test_order_by_a_nested_path(owner: TestClient) -> None:
    values = [{"a": {"b": 3}}, {"a": {"b": 1}}, {"a": {"c": 0}}, {"a": {"b": 2}}]
    save(owner, "test/nested", values)
    records = read(owner, "test/nested", orderBy="a.b")
    assert [r["data"] for r in records] == [values[1], values[3], values[0], values[2]]


def test_batch_stores_only_first_level_links(owner: TestClient) -> None:
    [saved] = batch(owner, [{"endpoint": "test/top", "data": {"n": 1}, "links": [
        {"endpoint": "test/first", "data": {"n": 2},
         "links": [{"endpoint": "test/second", "data": {"n": 3}}]}]}])
    assert [link["endpoint"] for link in saved["links"]] == ["test/first"]
    assert read(owner, "test/second") == []


@pytest.mark.parametrize("body", [
    [],  # empty batch: 201 [] (the original answered 500)
    [{"endpoint": "test/nolinks", "data": {"n": 1}, "links": []}],  # links [] means none
])
def test_empty_batch_and_empty_links_are_fine(owner: TestClient, body: Any) -> None:
    saved = batch(owner, body)
    assert len(saved) == len(body)
    assert all(r["links"] == [] for r in saved)


def test_batch_skip_errors_skips_duplicate_elements_whole(owner: TestClient) -> None:
    save(owner, "test/linked", {"n": 2})
    saved = owner.post(f"{API}/data-batch", params={"skipErrors": "true"}, json=[
        {"endpoint": "test/top", "data": {"n": 1}, "links": [
            {"endpoint": "test/linked", "data": {"n": 2}}]},
        {"endpoint": "test/top", "data": {"n": 3}},
        {"endpoint": "test/top", "data": {"n": 3}},
    ])
    assert saved.status_code == 201
    assert [r["data"] for r in saved.json()] == [{"n": 3}]
    assert [r["data"] for r in read(owner, "test/top")] == [{"n": 3}]


@pytest.mark.parametrize("prefix", ["/api/v2", "/api/v2.0", "/api/v2.6"])
def test_version_prefixes_serve_the_same_data(owner: TestClient, prefix: str) -> None:
    save(owner, "test/prefix", A)
    response = owner.get(f"{prefix}/data/test/prefix")
    assert response.status_code == 200
    assert [r["data"] for r in response.json()] == [A]


def test_12_batch_by_a_data_credit_user_without_namespace_rights(
        client: TestClient, store: Any, hat: Any) -> None:
    from openhat.identity import users
    from tests.conftest import login

    with store.write() as tx:
        tx.users.add(users.new_user(hat.hat.hat_id, "dataCreditUser", "pa55w0rd",
                                    ("datacredit", "datacredit:namespace")))
    client.headers["X-Auth-Token"] = login(client, "dataCreditUser", "pa55w0rd")
    response = client.post(f"{API}/data-batch", json=[
        {"endpoint": "test/test", "data": A}, {"endpoint": "test2/test2", "data": B},
        {"endpoint": "test/test3", "data": C}])
    assert response.status_code == 403
    assert response.json() == {
        "message": "Forbidden",
        "cause": "Access Denied - No rights to insert some or all of the data in the batch"}
    client.headers["X-Auth-Token"] = login(client)
    assert client.get(f"{API}/data/sources").json() == {}


@pytest.mark.parametrize("attempt", ["delete", "update"])
def test_d3_u3_data_debit_user_cannot_change_the_owners_records(
        client: TestClient, store: Any, hat: Any, attempt: str) -> None:
    from openhat.identity import users
    from tests.conftest import login

    client.headers["X-Auth-Token"] = login(client)
    [saved] = batch(client, SAMPLE_DATA[:1])
    with store.write() as tx:
        tx.users.add(users.new_user(hat.hat.hat_id, "dataDebitUser", "pa55w0rd", ("datadebit",)))
    debit_user = login(client, "dataDebitUser", "pa55w0rd")
    if attempt == "delete":
        response = client.delete(f"{API}/data", params={"records": saved["recordId"]},
                                 headers={"X-Auth-Token": debit_user})
    else:
        response = client.put(f"{API}/data", headers={"X-Auth-Token": debit_user}, json=[
            {"endpoint": "test/test", "recordId": saved["recordId"], "data": B_UPDATED}])
    assert response.status_code == 403
    assert response.json() == {"error": "Forbidden", "message": "Access Denied"}
    assert [r["data"] for r in read(client, "test/test")] == [A]
