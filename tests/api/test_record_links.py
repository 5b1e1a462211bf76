"""GET /api/v2.6/data-record/{id}/links (openhat): the records linked to one record, for the
web app's record page; never more than the caller may read."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.app_fixtures import installed_app

API = "/api/v2.6"


def batch(owner: TestClient, body: list[dict[str, Any]]) -> list[dict[str, Any]]:
    response = owner.post(f"{API}/data-batch", json=body)
    assert response.status_code == 201, response.text
    return list(response.json())


def linked(client: TestClient, record_id: str, token: str | None = None) -> Any:
    headers = {"X-Auth-Token": token} if token else {}
    return client.get(f"{API}/data-record/{record_id}/links", headers=headers)


def ids(records: list[dict[str, Any]]) -> list[str]:
    return [r["recordId"] for r in records]


def test_links_of_every_endpoint_in_insertion_order(owner: TestClient) -> None:
    [note] = batch(owner, [{"endpoint": "rumpel/notable", "data": {"m": "hello"}, "links": [
        {"endpoint": "rumpel/nudge", "data": {"n": 1}},
        {"endpoint": "other/place", "data": {"p": 2}}]}])
    [nudge, place] = note["links"]
    response = linked(owner, note["recordId"])
    assert response.status_code == 200
    assert response.json() == [
        {"endpoint": "rumpel/nudge", "recordId": nudge["recordId"], "data": {"n": 1}},
        {"endpoint": "other/place", "recordId": place["recordId"], "data": {"p": 2}}]
    # a linked record's links are the rest of its group, the main record first
    assert ids(linked(owner, nudge["recordId"]).json()) == [note["recordId"], place["recordId"]]


def test_a_record_in_several_groups_lists_each_record_once(owner: TestClient) -> None:
    [a, b, c] = batch(owner, [{"endpoint": "t/t", "data": {"i": i}} for i in range(3)])
    for group in ([a, b], [a, b, c]):
        response = owner.post(f"{API}/data-link",
                              params={"records": ",".join(ids(group))})
        assert response.status_code == 201, response.text
    assert ids(linked(owner, a["recordId"]).json()) == [b["recordId"], c["recordId"]]


def test_no_links_and_deleted_links(owner: TestClient) -> None:
    [note] = batch(owner, [{"endpoint": "t/t", "data": {"x": 1},
                            "links": [{"endpoint": "t/u", "data": {"y": 2}}]}])
    [lone] = batch(owner, [{"endpoint": "t/t", "data": {"x": 2}}])
    assert linked(owner, lone["recordId"]).json() == []
    deleted = owner.delete(f"{API}/data", params={"records": note["links"][0]["recordId"]})
    assert deleted.status_code == 200
    assert linked(owner, note["recordId"]).json() == []


def test_unknown_and_malformed_ids(owner: TestClient) -> None:
    unknown = linked(owner, "00000000-1111-0000-1111-000000000000")
    assert unknown.status_code == 400
    assert unknown.json()["message"] == "Data Missing"
    malformed = linked(owner, "not-a-uuid")
    assert malformed.status_code == 400
    assert "Invalid UUID string: not-a-uuid" in malformed.text
    assert linked(owner, "00000000-1111-0000-1111-000000000000", token="x").status_code == 401


def test_an_application_sees_only_the_namespaces_it_may_read(owner: TestClient) -> None:
    [note] = batch(owner, [{"endpoint": "rumpel/notable", "data": {"m": 1}, "links": [
        {"endpoint": "rumpel/nudge", "data": {"n": 1}},
        {"endpoint": "secret/diary", "data": {"d": 1}}]}])
    [nudge, diary] = note["links"]
    app = installed_app(owner, "reader", "namespaceread:rumpel")
    assert ids(linked(owner, note["recordId"], app).json()) == [nudge["recordId"]]
    assert linked(owner, diary["recordId"], app).status_code == 403  # its own namespace
