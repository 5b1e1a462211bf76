"""Consent that cannot be widened, and input that cannot break a debit: the security review's
findings on data debits and applications (docs/security.md, "Consent"), over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from openhat.hats.service import NewHat
from openhat.storage.base import Store
from openhat.storage.rows import LEGACY_CLIENT, DebitPermissions, DebitRow
from tests.api.debit_fixtures import legacy_request, setup_request
from tests.api.hat_fixtures import save
from tests.app_fixtures import API, app_token, installed_app, manifest, register

DD = f"{API}/data-debit"
MALFORMED = "Data Debit request malformed: "
TAKEN = MALFORMED + "Data bundle with such ID already exists"


def over(name: str, endpoint: str) -> dict[str, Any]:
    return {"name": name, "bundle": {"notes": {"endpoints": [{"endpoint": endpoint}]}}}


@pytest.fixture
def holder(owner: TestClient) -> dict[str, str]:
    """The headers of an application that may create debits and holds `dd1`; the HAT has a
    public and a secret record."""
    save(owner, [("public/notes", {"text": "public"}), ("secret/diary", {"text": "secret"})])
    return {"X-Auth-Token": installed_app(owner, "holder", "datadebit", "datadebit:dd1")}


def texts(owner: TestClient, key: str) -> list[str]:
    values = owner.get(f"{DD}/{key}/values")
    assert values.status_code == 200, values.text
    return [r["data"]["text"] for r in values.json()["bundle"]["notes"]]


def accepted_debit(owner: TestClient, holder: dict[str, str]) -> None:
    made = owner.post(f"{DD}/dd1", json=setup_request(bundle=over("b1", "public/notes")),
                      headers=holder)
    assert made.status_code == 201, made.text
    assert owner.get(f"{DD}/dd1/enable").status_code == 200


def test_an_accepted_bundle_cannot_be_redefined(owner: TestClient,
                                                holder: dict[str, str]) -> None:
    """Finding 1: a PUT reusing the bundle name with another definition is refused."""
    accepted_debit(owner, holder)
    widened = owner.put(f"{DD}/dd1", json=setup_request(bundle=over("b1", "secret/diary")),
                        headers=holder)
    assert widened.status_code == 400
    assert widened.json() == {"message": "Bad Request", "cause": TAKEN}
    assert texts(owner, "dd1") == ["public"]
    same = owner.put(f"{DD}/dd1", json=setup_request(bundle=over("b1", "public/notes")),
                     headers=holder)
    assert same.status_code == 200, same.text  # clients re-send the same bundle


def test_the_bundle_of_an_application_debit_cannot_be_redefined(owner: TestClient,
                                                                holder: dict[str, str]) -> None:
    """Finding 1, for the `app-<id>` debit application setup creates."""
    register(owner, manifest("notables", "datadebit:app-notables", permissions={
        "rolesGranted": [{"role": "datadebit", "detail": "app-notables"}],
        "dataRequired": legacy_request() | {"bundle": over("notables-b", "public/notes")}}))
    assert owner.get(f"{API}/applications/notables/setup").status_code == 200
    app = {"X-Auth-Token": app_token(owner, "notables")}
    widened = owner.put(f"{DD}/app-notables", headers=app,
                        json=setup_request(bundle=over("notables-b", "secret/diary")))
    assert widened.status_code == 400
    assert widened.json()["cause"] == TAKEN
    assert texts(owner, "app-notables") == ["public"]


def test_a_debit_cannot_take_over_the_owners_bundle(owner: TestClient,
                                                    holder: dict[str, str]) -> None:
    """Finding 2: a bundle the owner registered belongs to no debit, so no debit reuses it."""
    accepted_debit(owner, holder)
    secret = over("ownerb", "secret/diary")
    assert owner.post(f"{API}/data-bundle/ownerb", json=secret["bundle"]).status_code == 201
    for definition in (over("ownerb", "public/notes"), secret):
        taken = owner.put(f"{DD}/dd1", json=setup_request(bundle=definition), headers=holder)
        assert taken.status_code == 400
        assert taken.json()["cause"] == TAKEN
    structure = owner.get(f"{API}/data-bundle/ownerb/structure")
    assert structure.json() == secret
    assert [d["dataDebitKey"] for d in owner.get(DD).json()] == ["dd1"]


def test_the_owner_cannot_redefine_a_debits_bundle(owner: TestClient,
                                                   holder: dict[str, str]) -> None:
    """Finding 1: what the owner accepted is what the debit reads, whoever writes."""
    accepted_debit(owner, holder)
    redefined = owner.post(f"{API}/data-bundle/b1", json=over("b1", "secret/diary")["bundle"])
    assert redefined.status_code == 400
    assert redefined.json()["cause"] == "Data bundle b1 belongs to data debit dd1"
    assert texts(owner, "dd1") == ["public"]


VICTIM_REQUEST = legacy_request() | {"bundle": over("victim-b", "public/notes")}


def victim(owner: TestClient) -> None:
    register(owner, manifest("victim", permissions={"rolesGranted": [
        {"role": "namespaceread", "detail": "public"}], "dataRequired": VICTIM_REQUEST}))


@pytest.mark.parametrize("path", [f"{DD}/app-victim", "/api/v2/data-debit/app-victim"])
def test_application_debit_keys_are_reserved(owner: TestClient, holder: dict[str, str],
                                             path: str) -> None:
    """Finding 3: only application setup creates `app-*` debits."""
    body = (setup_request(bundle=over("victim-b", "secret/diary")) if "v2.6" in path
            else VICTIM_REQUEST | {"bundle": over("victim-b", "secret/diary")})
    made = owner.post(path, json=body, headers=holder)
    assert made.status_code == 400
    assert made.json() == {"message": "Bad Request", "cause": MALFORMED + "Data Debit keys"
                           " starting with app- are reserved for application setup"}
    victim(owner)
    assert owner.get(f"{API}/applications/victim/setup").status_code == 200
    assert texts(owner, "app-victim") == ["public"]


def planted(store: Store, hat: NewHat, bundle_id: str) -> None:
    """An `app-victim` debit over the secret data, stored before keys were reserved."""
    with store.write(hat.hat.hat_id) as tx:
        tx.debits.create(hat.hat.hat_id, DebitRow("app-victim", 0, LEGACY_CLIENT, True, None),
                         DebitPermissions(0, 0, "", 0, 10**12, False, None, "", bundle_id,
                                          None, False),
                         [(bundle_id, '{"notes":{"endpoints":[{"endpoint":"secret/diary"}]}}')])


def test_setup_refuses_a_planted_debit_under_the_manifests_bundle_name(
        owner: TestClient, holder: dict[str, str], store: Store, hat: NewHat) -> None:
    """Finding 3: setup enables only a consent that reads what the manifest asks."""
    planted(store, hat, "victim-b")
    victim(owner)
    setup = owner.get(f"{API}/applications/victim/setup")
    assert setup.status_code == 400
    assert setup.json()["cause"] == "Data bundle with such ID already exists"
    assert owner.get(f"{DD}/app-victim/values").status_code == 400  # not enabled


def test_setup_adds_the_manifests_consent_next_to_a_planted_one(
        owner: TestClient, holder: dict[str, str], store: Store, hat: NewHat) -> None:
    planted(store, hat, "planted-b")
    victim(owner)
    assert owner.get(f"{API}/applications/victim/setup").status_code == 200
    assert texts(owner, "app-victim") == ["public"]
    [p] = [p for p in owner.get(f"{DD}/app-victim").json()["permissions"] if p["accepted"]]
    assert p["bundle"]["name"] == "victim-b"


@pytest.mark.parametrize("change", [
    {"start": "9999-12-31T00:00:00Z", "cancelAtPeriodEnd": True},  # ends after 9999
    {"start": "0001-01-01T00:00:00+01:00"},  # starts before year 1
    {"period": "P" + "9" * 400 + "D"},
    {"period": 10**30},
    {"start": 10**30},
])
def test_debit_dates_outside_the_years_1_to_9999_are_refused(owner: TestClient,
                                                             change: dict[str, Any]) -> None:
    """Findings 6 and 10: refused with 400 when parsed, so nothing unformattable is stored."""
    response = owner.post(f"{DD}/dd", json=setup_request(**change))
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "Bad Request"
    assert {"obj.start", "obj.period"} & set(response.json()["message"])
    for path in (DD, "/api/v2/data-debit"):
        assert owner.get(path).json() == []


def test_a_huge_period_is_a_400_before_authentication(client: TestClient) -> None:
    """Finding 10: the body is parsed before the token is looked at."""
    response = client.post(f"{DD}/dd", json=setup_request(period="P" + "9" * 400 + "D"))
    assert response.status_code == 400
    assert "obj.period" in response.json()["message"]


@pytest.mark.parametrize("change", [{"endDate": 1e300}, {"startDate": -1e300}])
def test_legacy_dates_outside_the_years_1_to_9999_are_refused(owner: TestClient,
                                                              change: dict[str, Any]) -> None:
    """Finding 10, legacy model."""
    response = owner.post("/api/v2/data-debit/dd", json=legacy_request() | change)
    assert response.status_code == 400, response.text
    assert set(change) == {key.removeprefix("obj.") for key in response.json()["message"]}
    assert owner.get("/api/v2/data-debit").json() == []


def test_tokens_of_a_removed_registration_stay_refused(owner: TestClient) -> None:
    """Finding 9: an application registered again under the same id is a new registration;
    tokens issued under the old one do not come back."""
    old = {"X-Auth-Token": installed_app(owner, "notables", "namespaceread:rumpel")}
    assert owner.get(f"{API}/data/rumpel/notes", headers=old).status_code == 200
    assert owner.delete(f"{API}/applications/notables").status_code == 200
    new = {"X-Auth-Token": installed_app(owner, "notables", "namespaceread:rumpel")}
    assert owner.get(f"{API}/data/rumpel/notes", headers=old).status_code == 401
    assert owner.get(f"{API}/data/rumpel/notes", headers=new).status_code == 200
    register(owner, manifest("notables", "namespaceread:rumpel", version="1.0.1"))
    assert owner.get(f"{API}/data/rumpel/notes", headers=new).status_code == 200  # same one
