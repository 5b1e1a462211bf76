"""The public profile, `GET /api/v2.6/phata/profile` (the original's Phata.profile): the
`phata` bundle the owner registered, else the shared notes and the newest profile record,
and nothing the owner did not make public."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.app_fixtures import API

NOTES = "/api/v2.6/data/rumpel/notablesv1"


def note(message: str, shared: bool, shared_on: list[str], updated: str) -> dict[str, object]:
    """A note as the original's web app writes it (rumpel/notablesv1)."""
    return {"kind": "note", "message": message, "shared": shared, "shared_on": shared_on,
            "authorv1": {"phata": "hat.example.test"}, "created_time": updated,
            "updated_time": updated, "private_field": "not for the profile"}


@pytest.fixture
def notes(owner: TestClient) -> None:
    for body in (note("public one", True, ["phata"], "2024-01-01T10:00:00Z"),
                 note("public two", True, ["facebook", "phata"], "2024-02-01T10:00:00Z"),
                 note("private", False, ["phata"], "2024-03-01T10:00:00Z"),
                 note("elsewhere only", True, ["facebook"], "2024-04-01T10:00:00Z")):
        assert owner.post(NOTES, json=body).status_code == 201
    for created, shared in ((1, False), (2, True)):
        assert owner.post("/api/v2.6/data/rumpel/profile", json={
            "dateCreated": created, "shared": shared,
            "personal": {"firstName": "Secret"}}).status_code == 201


@pytest.mark.parametrize("prefix", ["/api/v2.6", "/api/v2", "/api/v2.0"])
def test_default_profile_is_the_shared_notes_and_newest_profile(
        client: TestClient, notes: None, prefix: str) -> None:
    response = client.get(f"{prefix}/phata/profile", headers={"X-Auth-Token": ""})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"notables", "profile"}
    assert [n["data"]["message"] for n in body["notables"]] == ["public two", "public one"]
    assert all("private_field" not in n["data"] for n in body["notables"])
    assert body["notables"][0]["data"]["author"] == {"phata": "hat.example.test"}
    assert [p["data"] for p in body["profile"]] == [{"shared": True}]
    assert "Secret" not in response.text


def test_empty_hat_has_an_empty_profile(client: TestClient) -> None:
    assert client.get(f"{API}/phata/profile").json() == {"notables": [], "profile": []}


def test_owner_defined_phata_bundle_replaces_the_default(owner: TestClient, client: TestClient,
                                                         notes: None) -> None:
    bundle = {"headline": {"endpoints": [{
        "endpoint": "rumpel/profile", "mapping": {"first": "personal.firstName"},
        "filters": [{"field": "shared", "operator": {"operator": "contains",
                                                     "value": True}}]}]}}
    assert owner.post(f"{API}/data-bundle/phata", json=bundle).status_code == 201
    response = client.get(f"{API}/phata/profile", headers={"X-Auth-Token": ""})
    assert response.status_code == 200
    assert [r["data"] for r in response.json()["headline"]] == [{"first": "Secret"}]
    assert "notables" not in response.json()


def test_profile_ignores_a_token_even_a_broken_one(client: TestClient, notes: None) -> None:
    """Public: the same answer with no token, a broken one, or the owner's."""
    anonymous = client.get(f"{API}/phata/profile", headers={"X-Auth-Token": "garbage"})
    assert anonymous.status_code == 200
    assert len(anonymous.json()["notables"]) == 2
    assert "X-Auth-Token" not in anonymous.headers
