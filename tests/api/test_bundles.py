"""Bundles (spec 3.12): the original's B1 (RichDataServiceSpec) and RichBundleServiceSpec's
bundle cases (7.5), black-box over HTTP."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.api.hat_fixtures import API, M1, M2, new_field, save, save_sample

TEST_BUNDLE: dict[str, Any] = {
    "test": {"endpoints": [{"endpoint": "test/test", "mapping": M1}],
             "orderBy": "data.newField", "limit": 3},
    "complex": {"endpoints": [{"endpoint": "test/complex", "mapping": M2}],
                "orderBy": "data.newField", "limit": 1},
}


def test_b1_bundle_data(owner: TestClient) -> None:
    save_sample(owner)
    registered = owner.post(f"{API}/data-bundle/testBundle", json=TEST_BUNDLE)
    assert registered.status_code == 201
    assert registered.json() == {"message": "Bundle testBundle registered"}
    found = owner.get(f"{API}/data-bundle/testBundle").json()
    assert set(found) == {"test", "complex"}
    assert new_field(found["test"]) == ["anotherFieldDifferentValue", "anotherFieldValue"]
    assert new_field(found["complex"]) == ["london, uk"]


def test_bundle_properties_have_no_default_limit(owner: TestClient) -> None:
    save(owner, [("test/many", {"n": n}) for n in range(1100)])
    owner.post(f"{API}/data-bundle/many", json={"all": {"endpoints": [
        {"endpoint": "test/many"}], "orderBy": "n", "ordering": "descending"}})
    found = owner.get(f"{API}/data-bundle/many").json()["all"]
    assert len(found) == 1100
    assert [r["data"]["n"] for r in found[:2]] == [1099, 1098]


def test_structure_echoes_the_registered_bundle(owner: TestClient) -> None:
    owner.post(f"{API}/data-bundle/testBundle", json=TEST_BUNDLE)
    structure = owner.get(f"{API}/data-bundle/testBundle/structure")
    assert structure.status_code == 200
    assert structure.json() == {"name": "testBundle", "bundle": TEST_BUNDLE}


def test_registering_twice_replaces_the_bundle(owner: TestClient) -> None:
    owner.post(f"{API}/data-bundle/b", json=TEST_BUNDLE)
    again = owner.post(f"{API}/data-bundle/b", json={"only": {"endpoints": [
        {"endpoint": "test/test"}]}})
    assert again.status_code == 201
    assert owner.get(f"{API}/data-bundle/b/structure").json()["bundle"] == {
        "only": {"endpoints": [{"endpoint": "test/test"}]}}


def test_unknown_bundle(owner: TestClient) -> None:
    for path in ("nothere", "nothere/structure"):
        response = owner.get(f"{API}/data-bundle/{path}")
        assert response.status_code == 404
        assert response.json() == {"message": "Bundle Not Found",
                                   "cause": "Bundle nothere not found"}


def test_malformed_bundles(owner: TestClient) -> None:
    not_object = owner.post(f"{API}/data-bundle/b", json=[1])
    assert not_object.status_code == 400
    assert not_object.json()["message"] == {"obj": [{"msg": ["error.expected.jsobject"],
                                                     "args": []}]}
    no_endpoints = owner.post(f"{API}/data-bundle/b", json={"p": {"orderBy": "x"}})
    assert no_endpoints.json()["message"] == {"obj.p.endpoints": [
        {"msg": ["error.path.missing"], "args": []}]}
    bad_limit = owner.post(f"{API}/data-bundle/b", json={"p": {"endpoints": [], "limit": -1}})
    assert bad_limit.status_code == 400
    assert "limit" in bad_limit.json()["cause"]
    assert owner.get(f"{API}/data-bundle/b").status_code == 404


def test_bundles_need_the_owner(client: TestClient) -> None:
    assert client.get(f"{API}/data-bundle/b").status_code == 401
