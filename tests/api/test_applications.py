"""Applications (spec 5.4, 2.6), the original's ApplicationsSpec (spec 7.7) first, then what
openhat adds: local manifests, grants read per request, disabled apps refused at once."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from starlette.testclient import TestClient

from tests.app_fixtures import (
    API,
    NOTABLES,
    app_token,
    installed_app,
    manifest,
    register,
)

NOT_AUTHENTICATED = {"error": "Not Authenticated", "message": "Not Authenticated"}
FORBIDDEN = {"error": "Forbidden", "message": "Access Denied"}


def as_app(client: TestClient, token: str) -> dict[str, str]:
    return {"X-Auth-Token": token}


# --- ApplicationsSpec ----------------------------------------------------------------------

def test_list_applications(owner: TestClient) -> None:
    assert owner.get(f"{API}/applications").json() == []
    register(owner, NOTABLES)
    response = owner.get(f"{API}/applications")
    assert response.status_code == 200
    assert response.json() == [{"application": NOTABLES, "setup": False, "enabled": False,
                                "active": False}]


def test_status_of_known_and_unknown_application(owner: TestClient) -> None:
    register(owner, NOTABLES)
    response = owner.get(f"{API}/applications/notables")
    assert response.status_code == 200
    assert response.json()["application"]["id"] == "notables"
    unknown = owner.get(f"{API}/applications/random-id")
    assert unknown.status_code == 404
    assert unknown.json() == {
        "message": "Application not Found",
        "cause": "Application random-id does not appear to be a valid application registered"
                 " with the DEX"}


def test_hmi_is_the_manifest_and_needs_no_token(client: TestClient, owner: TestClient) -> None:
    register(owner, NOTABLES)
    response = client.get(f"{API}/applications/notables/hmi", headers={"X-Auth-Token": ""})
    assert response.status_code == 200
    assert response.json() == NOTABLES
    unknown = client.get(f"{API}/applications/random-id/hmi")
    assert unknown.status_code == 404
    assert unknown.json()["cause"].startswith(
        "Application configuration for ID random-id could not be found")


def test_setup_and_disable(owner: TestClient) -> None:
    register(owner, NOTABLES)
    setup = owner.get(f"{API}/applications/notables/setup")
    assert setup.status_code == 200
    body = setup.json()
    assert (body["setup"], body["enabled"], body["active"], body["needsUpdating"]) == \
        (True, True, True, False)
    disabled = owner.get(f"{API}/applications/notables/disable")
    assert disabled.status_code == 200
    body = disabled.json()
    assert (body["setup"], body["enabled"], body["active"]) == (True, False, False)
    assert "needsUpdating" not in body


@pytest.mark.parametrize("action", ["setup", "disable"])
def test_setup_and_disable_of_unknown_application_is_a_400(owner: TestClient,
                                                           action: str) -> None:
    response = owner.get(f"{API}/applications/random-id/{action}")
    assert response.status_code == 400
    assert response.json()["message"] == "Application not Found"


def test_access_token(owner: TestClient, owner_token: str) -> None:
    register(owner, NOTABLES)
    response = owner.get(f"{API}/applications/notables/access-token")
    assert response.status_code == 200
    body = response.json()
    claims = jwt.decode(body["accessToken"], options={"verify_signature": False})
    assert claims["application"] == "notables"
    assert claims["applicationVersion"] == "1.0.0"
    assert "accessScope" not in claims
    owner_id = jwt.decode(owner_token, options={"verify_signature": False})["sub"]
    assert body["userId"] == claims["sub"] == owner_id
    assert response.headers["X-Auth-Token"] != body["accessToken"]  # the caller's, refreshed


def test_access_token_of_unknown_application_is_a_404(owner: TestClient) -> None:
    response = owner.get(f"{API}/applications/random-id/access-token")
    assert response.status_code == 404
    assert response.json()["message"] == "Application not Found"


def test_access_token_needs_an_explicit_grant(owner: TestClient) -> None:
    register(owner, NOTABLES)
    token = installed_app(owner, "boss", "owner")  # owner does not cover token retrieval
    response = owner.get(f"{API}/applications/notables/access-token", headers=as_app(owner, token))
    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    broker = installed_app(owner, "broker", "retrieveapplicationtoken:notables")
    granted = owner.get(f"{API}/applications/notables/access-token",
                        headers=as_app(owner, broker))
    assert granted.status_code == 200
    assert jwt.decode(granted.json()["accessToken"],
                      options={"verify_signature": False})["application"] == "notables"


# --- application tokens --------------------------------------------------------------------

def test_app_token_acts_within_its_grants(owner: TestClient) -> None:
    token = installed_app(owner, "notables", "namespacewrite:rumpel", "namespaceread:rumpel")
    headers = as_app(owner, token)
    saved = owner.post(f"{API}/data/rumpel/notes", json={"n": 1}, headers=headers)
    assert saved.status_code == 201
    assert owner.get(f"{API}/data/rumpel/notes", headers=headers).status_code == 200
    for method, path in [("POST", f"{API}/data/other/notes"), ("GET", f"{API}/data/other/x"),
                         ("GET", f"{API}/applications"), ("GET", f"{API}/combinator/c")]:
        response = owner.request(method, path, json={"n": 1}, headers=headers)
        assert response.status_code == 403, (method, path)
        assert response.json() == FORBIDDEN


def test_write_does_not_imply_read(owner: TestClient) -> None:
    token = installed_app(owner, "writer", "namespacewrite:rumpel")
    headers = as_app(owner, token)
    assert owner.post(f"{API}/data/rumpel/notes", json={"n": 1}, headers=headers).status_code \
        == 201
    assert owner.get(f"{API}/data/rumpel/notes", headers=headers).status_code == 403


def test_disabling_stops_tokens_at_once_and_setup_restores_them(owner: TestClient) -> None:
    token = installed_app(owner, "notables", "namespaceread:rumpel")
    headers = as_app(owner, token)
    assert owner.get(f"{API}/data/rumpel/notes", headers=headers).status_code == 200
    owner.get(f"{API}/applications/notables/disable")
    for path in (f"{API}/data/rumpel/notes", "/users/access_token/validate"):
        response = owner.get(path, headers=headers)
        assert response.status_code == 401, path
        assert response.json() == NOT_AUTHENTICATED
    owner.get(f"{API}/applications/notables/setup")
    assert owner.get(f"{API}/data/rumpel/notes", headers=headers).status_code == 200


def test_token_of_an_application_never_set_up_is_refused(owner: TestClient) -> None:
    register(owner, manifest("idle", "namespaceread:rumpel"))
    token = app_token(owner, "idle")
    response = owner.get(f"{API}/data/rumpel/notes", headers=as_app(owner, token))
    assert response.status_code == 401


def test_removed_application_tokens_are_refused(owner: TestClient) -> None:
    token = installed_app(owner, "notables", "namespaceread:rumpel")
    response = owner.delete(f"{API}/applications/notables")
    assert response.status_code == 200
    assert response.json() == {"message": "Application removed"}
    assert owner.get(f"{API}/data/rumpel/notes", headers=as_app(owner, token)).status_code == 401
    assert owner.get(f"{API}/applications/notables").status_code == 404
    assert owner.delete(f"{API}/applications/notables").status_code == 404


def test_new_grants_apply_at_once(owner: TestClient) -> None:
    token = installed_app(owner, "notables", "namespaceread:rumpel")
    headers = as_app(owner, token)
    assert owner.get(f"{API}/data/other/x", headers=headers).status_code == 403
    register(owner, manifest("notables", "namespaceread:rumpel", "namespaceread:other"))
    assert owner.get(f"{API}/data/other/x", headers=headers).status_code == 200


def test_refreshed_app_token_stays_an_app_token(owner: TestClient) -> None:
    token = installed_app(owner, "notables", "namespaceread:rumpel")
    response = owner.get(f"{API}/data/rumpel/notes", headers=as_app(owner, token))
    claims = jwt.decode(response.headers["X-Auth-Token"], options={"verify_signature": False})
    assert claims["application"] == "notables"


def test_application_list_grant_sees_only_managed_applications(owner: TestClient) -> None:
    register(owner, manifest("one"))
    register(owner, manifest("two"))
    lister = installed_app(owner, "lister", "applicationlist", "applicationmanage:two")
    response = owner.get(f"{API}/applications", headers=as_app(owner, lister))
    assert response.status_code == 200
    assert [a["application"]["id"] for a in response.json()] == ["two"]
    boss = installed_app(owner, "boss", "owner")
    everything = owner.get(f"{API}/applications", headers=as_app(owner, boss)).json()
    assert [a["application"]["id"] for a in everything] == ["boss", "lister", "one", "two"]


@pytest.mark.parametrize("grant,status_code,setup_code", [
    ("applicationmanage:two", 200, 200),
    ("applicationstatusread:two", 200, 403),  # may read the status, not set it up
    ("applicationmanage:one", 403, 403),
    ("applicationmanage:*", 403, 403),  # a wildcard grant is not a wildcard requirement
])
def test_managing_one_application(owner: TestClient, grant: str, status_code: int,
                                  setup_code: int) -> None:
    register(owner, manifest("two"))
    token = installed_app(owner, "manager", grant)
    headers = as_app(owner, token)
    assert owner.get(f"{API}/applications/two", headers=headers).status_code == status_code
    assert owner.get(f"{API}/applications/two/setup", headers=headers).status_code == setup_code


def test_wildcard_path_id_matches_no_grant(owner: TestClient) -> None:
    token = installed_app(owner, "manager", "applicationmanage:two")
    response = owner.get(f"{API}/applications/*", headers=as_app(owner, token))
    assert response.status_code == 403


# --- status details --------------------------------------------------------------------------

def test_needs_updating_when_compatibility_passes_the_version_set_up(owner: TestClient) -> None:
    register(owner, NOTABLES)
    owner.get(f"{API}/applications/notables/setup")
    newer = manifest("notables", version="1.2.0",
                     status={**NOTABLES["status"], "compatibility": "1.1.0"})
    assert register(owner, newer)["needsUpdating"] is True
    assert owner.get(f"{API}/applications/notables/setup").json()["needsUpdating"] is False
    patch = manifest("notables", version="1.2.1",
                     status={**NOTABLES["status"], "compatibility": "1.1.0"})
    assert register(owner, patch)["needsUpdating"] is False  # still compatible


def test_most_recent_data(owner: TestClient) -> None:
    register(owner, NOTABLES)
    assert "mostRecentData" not in owner.get(f"{API}/applications/notables/setup").json()
    owner.post(f"{API}/data/rumpel/notablesv1", json={"message": "hello"})
    found = owner.get(f"{API}/applications/notables").json()["mostRecentData"]
    assert found.endswith("Z") and found[:2] == "20"


def test_setup_creates_and_enables_the_required_data_debit(owner: TestClient) -> None:
    required = {"bundle": {"name": "notables-bundle", "bundle": {
                    "notes": {"endpoints": [{"endpoint": "rumpel/notablesv1"}]}}},
                "startDate": "2020-01-01T00:00:00+0000", "endDate": "2099-01-01T00:00:00+0000",
                "rolling": False}
    body = manifest("notables", "namespaceread:rumpel",
                    permissions={"rolesGranted": [], "dataRequired": required})
    register(owner, body)
    setup = owner.get(f"{API}/applications/notables/setup").json()
    assert setup["active"] is True
    debit = owner.get(f"{API}/data-debit/app-notables")
    assert debit.status_code == 200, debit.text
    assert debit.json()["active"] is True
    assert owner.get(f"{API}/applications/notables/disable").json()["active"] is False
    assert owner.get(f"{API}/data-debit/app-notables").json()["active"] is False
    again = owner.get(f"{API}/applications/notables/setup").json()
    assert again["active"] is True  # the same bundle is enabled again


def test_setup_sets_up_registered_dependencies(owner: TestClient) -> None:
    register(owner, manifest("plug"))
    register(owner, manifest("tool", setup={**NOTABLES["setup"], "dependencies": ["plug",
                                                                                "missing"]}))
    body = owner.get(f"{API}/applications/tool/setup").json()
    assert owner.get(f"{API}/applications/plug").json()["enabled"] is True
    assert body["dependenciesEnabled"] is False  # "missing" is not registered
    register(owner, manifest("missing"))
    owner.get(f"{API}/applications/tool/setup")
    assert owner.get(f"{API}/applications/tool").json()["dependenciesEnabled"] is True


# --- registration --------------------------------------------------------------------------

def test_registering_twice_replaces_the_manifest_and_keeps_the_status(owner: TestClient) -> None:
    response = owner.post(f"{API}/applications", json=NOTABLES)
    assert response.status_code == 201
    owner.get(f"{API}/applications/notables/setup")
    again = owner.post(f"{API}/applications", json=manifest("notables", version="1.0.1"))
    assert again.status_code == 200
    assert again.json()["enabled"] is True
    assert again.json()["application"]["info"]["version"] == "1.0.1"


def js_error(path: str, msg: str) -> dict[str, Any]:
    return {"error": "Bad Request", "message": {path: [{"msg": [msg], "args": []}]}}


@pytest.mark.parametrize("change,expected", [
    ({"id": "bad id"}, js_error("obj.id", "error.pattern")),
    ({"id": None}, js_error("obj.id", "error.path.missing")),
    ({"kind": {"kind": "Robot"}},
     js_error("obj.kind.kind", "error.expected.one.of: App, DataPlug, Tool, Contract")),
    ({"info": {**NOTABLES["info"], "version": "one"}},
     js_error("obj.info.version", "error.expected.version")),
    ({"permissions": {}}, js_error("obj.permissions.rolesGranted", "error.path.missing")),
    ({"permissions": {"rolesGranted": [{"detail": "x"}]}},
     js_error("obj.permissions.rolesGranted[0].role", "error.path.missing")),
    ({"status": {**NOTABLES["status"], "recentDataCheckEndpoint": "Bad Endpoint"}},
     js_error("obj.status.recentDataCheckEndpoint", "Endpoint invalid")),
    ({"permissions": {"rolesGranted": [], "dataRequired": {"rolling": True}}},
     None),  # every problem of the debit request, under its own path
])
def test_invalid_manifest_is_a_400(owner: TestClient, change: dict[str, Any],
                                   expected: dict[str, Any] | None) -> None:
    body = {**NOTABLES, **change}
    response = owner.post(f"{API}/applications", json=body)
    assert response.status_code == 400
    if expected is not None:
        assert response.json() == expected
    else:
        assert set(response.json()["message"]) == {
            "obj.permissions.dataRequired.startDate", "obj.permissions.dataRequired.endDate",
            "obj.permissions.dataRequired.bundle"}
    assert owner.get(f"{API}/applications").json() == []


def test_only_the_owner_registers_and_removes(owner: TestClient) -> None:
    boss = installed_app(owner, "boss", "owner")
    headers = as_app(owner, boss)
    assert owner.post(f"{API}/applications", json=NOTABLES, headers=headers).status_code == 403
    assert owner.delete(f"{API}/applications/boss", headers=headers).status_code == 403
