"""Data debits v2.6 (spec 5.1): the original's DataDebitServiceSpec (7.7), over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from openhat.hats.service import NewHat
from openhat.storage.base import Store
from tests.api.debit_fixtures import bundle, condition, iso, setup_request, user_token
from tests.api.hat_fixtures import A, B, C, save

DD = "/api/v2.6/data-debit"


def create(client: TestClient, key: str = "dd", **kwargs: Any) -> Any:
    response = client.post(f"{DD}/{key}", json=setup_request(**kwargs))
    assert response.status_code == 201, response.text
    return response.json()


def test_create_is_inactive_and_has_the_documented_shape(owner: TestClient) -> None:
    debit = create(owner)
    assert debit["dataDebitKey"] == "dd"
    assert debit["active"] is False and debit["accepted"] is False
    assert debit["requestClientName"] == "Tester"
    assert debit["requestDescription"] == "A test debit"
    assert "permissionsActive" not in debit
    [p] = debit["permissions"]
    assert p == debit["permissionsLatest"]
    assert p["bundle"] == bundle("ddbundle")
    assert p["period"] == 30 * 86_400_000
    assert p["accepted"] is False and p["active"] is False and "end" not in p
    assert p["dateCreated"].endswith("+0000") and p["start"].endswith("Z")


@pytest.mark.parametrize(("second", "cause"), [
    ({"key": "dd", "bundle_name": "other"}, "Data Debit with such ID already exists"),
    ({"key": "dd2", "bundle_name": "ddbundle"}, "Data bundle with such ID already exists"),
])
def test_duplicates(owner: TestClient, second: dict[str, Any], cause: str) -> None:
    create(owner)
    response = owner.post(f"{DD}/{second['key']}",
                          json=setup_request(bundle_name=second["bundle_name"]))
    assert response.status_code == 400
    assert response.json() == {"message": "Bad Request",
                               "cause": f"Data Debit request malformed: {cause}"}


def test_get_and_list(owner: TestClient) -> None:
    missing = owner.get(f"{DD}/dd")
    assert missing.status_code == 404
    assert missing.json() == {"message": "Not Found", "cause": "Data Debit dd not found"}
    create(owner)
    create(owner, "other", bundle_name="otherbundle")
    assert owner.get(f"{DD}/dd").json()["dataDebitKey"] == "dd"
    assert [d["dataDebitKey"] for d in owner.get(DD).json()] == ["dd", "other"]


def test_enable_makes_the_newest_permissions_active(owner: TestClient) -> None:
    create(owner)
    enabled = owner.get(f"{DD}/dd/enable")
    assert enabled.status_code == 200
    debit = enabled.json()
    assert debit["active"] is True and debit["accepted"] is True
    assert debit["permissionsActive"]["bundle"]["name"] == "ddbundle"
    assert owner.get(f"{DD}/missing/enable").json() == {
        "message": "Not Found", "cause": "Data Debit with this ID does not exist"}


def test_update_adds_permissions_and_enable_switches_to_them(owner: TestClient) -> None:
    create(owner)
    updated = owner.put(f"{DD}/dd", json=setup_request("newbundle"))
    assert updated.status_code == 200
    debit = updated.json()
    assert len(debit["permissions"]) == 2
    assert debit["active"] is False
    assert debit["permissionsLatest"]["bundle"]["name"] == "newbundle"
    debit = owner.get(f"{DD}/dd/enable").json()
    assert [p["accepted"] for p in debit["permissions"]] == [True, False]
    assert debit["permissionsActive"]["bundle"]["name"] == "newbundle"


def test_update_with_conditions_and_with_an_unchanged_bundle(owner: TestClient) -> None:
    create(owner)
    same = owner.put(f"{DD}/dd", json=setup_request("ddbundle"))
    assert same.status_code == 200
    with_conditions = owner.put(f"{DD}/dd", json=setup_request(
        "ddbundle", conditions=condition("ddcond", "value")))
    assert with_conditions.status_code == 200
    assert with_conditions.json()["permissionsLatest"]["conditions"]["name"] == "ddcond"


@pytest.mark.parametrize(("kwargs", "cause"), [
    ({"bundle_name": "otherbundle"}, "Data bundle with such ID already exists"),
    ({"conditions": condition("otherbundle", "x")}, "Data bundle with such ID already exists"),
])
def test_update_with_another_debits_bundle(owner: TestClient, kwargs: dict[str, Any],
                                           cause: str) -> None:
    create(owner)
    create(owner, "other", bundle_name="otherbundle")
    response = owner.put(f"{DD}/dd", json=setup_request(**kwargs))
    assert response.status_code == 400
    assert response.json()["cause"] == f"Data Debit request malformed: {cause}"


def test_update_missing(owner: TestClient) -> None:
    response = owner.put(f"{DD}/dd", json=setup_request())
    assert response.status_code == 400
    assert response.json()["cause"] == ("Data Debit request malformed: Data Debit being"
                                        " updated does not exist")


@pytest.mark.parametrize(("at_period_end", "active_after"), [
    ("false", False),  # cancelled at once
    ("true", True),  # runs to the end of the current period
])
def test_disable(owner: TestClient, at_period_end: str, active_after: bool) -> None:
    create(owner)
    owner.get(f"{DD}/dd/enable")
    debit = owner.get(f"{DD}/dd/disable?atPeriodEnd={at_period_end}").json()
    assert debit["active"] is active_after
    [p] = debit["permissions"]
    assert "canceledAt" in p and "end" in p
    assert p["cancelAtPeriodEnd"] is (at_period_end == "true")


def test_disable_needs_at_period_end(owner: TestClient) -> None:
    create(owner)
    response = owner.get(f"{DD}/dd/disable")
    assert response.status_code == 400
    assert response.json() == {"error": "Bad Request", "message": "Missing parameter: atPeriodEnd"}


def test_values(owner: TestClient) -> None:
    save(owner, [("test/test", A), ("test/test", B), ("test/complex", C)])
    assert owner.get(f"{DD}/dd/values").status_code == 404
    create(owner)
    not_enabled = owner.get(f"{DD}/dd/values")
    assert not_enabled.status_code == 400
    assert not_enabled.json()["cause"] == "Data Debit dd not enabled"
    owner.get(f"{DD}/dd/enable")
    values = owner.get(f"{DD}/dd/values").json()
    assert set(values) == {"bundle"}
    assert len(values["bundle"]["test"]) == 2 and len(values["bundle"]["complex"]) == 1


@pytest.mark.parametrize(("value", "expected"), [("value", 2), ("N/A", None)])
def test_values_with_conditions(owner: TestClient, value: str, expected: int | None) -> None:
    save(owner, [("test/test", A), ("test/test", B), ("test/complex", C)])
    create(owner, conditions=condition("ddcond", value))
    owner.get(f"{DD}/dd/enable")
    values = owner.get(f"{DD}/dd/values").json()
    assert values["conditions"] == {"test": expected is not None}
    assert (len(values["bundle"]["test"]) if expected else values["bundle"]) == (expected or {})


def test_a_debit_that_has_not_started_is_not_active(owner: TestClient) -> None:
    create(owner, start=iso(1))
    assert owner.get(f"{DD}/dd/enable").json()["active"] is False
    assert owner.get(f"{DD}/dd/values").status_code == 400


def test_the_holder_reads_values_with_its_own_token_and_nothing_more(
        client: TestClient, owner_token: str, store: Store, hat: NewHat) -> None:
    owner_headers = {"X-Auth-Token": owner_token}
    save_resp = client.post("/api/v2.6/data-batch", headers=owner_headers, json=[
        {"endpoint": "test/test", "data": A}, {"endpoint": "test/complex", "data": C}])
    assert save_resp.status_code == 201
    token = user_token(client, store, hat, "dataDebitUser", ("datadebit",))
    holder = {"X-Auth-Token": token}
    made = client.post(f"{DD}/holderdd", json=setup_request("holderbundle"), headers=holder)
    assert made.status_code == 201, made.text
    assert client.get(f"{DD}/holderdd/enable", headers=holder).status_code == 403
    client.get(f"{DD}/holderdd/enable", headers=owner_headers)
    values = client.get(f"{DD}/holderdd/values", headers=holder)
    assert values.status_code == 200
    assert len(values.json()["bundle"]["test"]) == 1
    assert client.get(f"{DD}/holderdd", headers=holder).status_code == 200
    # nothing beyond the bundle: no raw data, no combinators, no other debits
    for path in ("/api/v2.6/data/test/test", "/api/v2.6/data-bundle/holderbundle",
                 "/api/v2.6/combinator/x", DD, f"{DD}/other/values"):
        assert client.get(path, headers=holder).status_code == 403, path


@pytest.mark.parametrize(("change", "key"), [
    ({"period": 0}, "obj.period"),
    ({"start": "yesterday"}, "obj.start"),
    ({"bundle": {"name": "bad name!", "bundle": {}}}, "obj.bundle.name"),
    ({"cancelAtPeriodEnd": "no"}, "obj.cancelAtPeriodEnd"),
])
def test_malformed_setup_requests(owner: TestClient, change: dict[str, Any], key: str) -> None:
    response = owner.post(f"{DD}/dd", json=setup_request(**change))
    assert response.status_code == 400
    assert key in response.json()["message"]


def test_period_as_iso_duration(owner: TestClient) -> None:
    debit = create(owner, period="P1DT12H")
    assert debit["permissions"][0]["period"] == 36 * 3_600_000


def test_the_hat_js_debit_calls(owner: TestClient) -> None:
    """@dataswift/hat-js 0.5.0: getAll(options), getById, getDataDebitValues, every call
    with Content-Type: application/json; the fields of its DataDebit interface."""
    json_header = {"Content-Type": "application/json"}
    create(owner)
    owner.get(f"{DD}/dd/enable")
    [listed] = owner.get(f"{DD}?take=10&ordering=descending", headers=json_header).json()
    by_id = owner.get(f"{DD}/dd", headers=json_header).json()
    for debit in (listed, by_id):
        for key in ("dataDebitKey", "dateCreated", "permissions", "requestClientName",
                    "requestClientUrl", "requestClientLogoUrl", "accepted", "active"):
            assert key in debit
        for key in ("dateCreated", "purpose", "start", "period", "cancelAtPeriodEnd",
                    "termsUrl", "bundle", "accepted", "active"):
            assert key in debit["permissionsActive"]
    values = owner.get(f"{DD}/dd/values", headers=json_header)
    assert values.status_code == 200 and "bundle" in values.json()


def test_a_debit_whose_period_has_passed_answers_no_values(owner: TestClient) -> None:
    """Spec 5.2: with `cancelAtPeriodEnd` the debit ends at start + period; without it, it
    renews every period until cancelled."""
    save(owner, [("test/test", A), ("test/complex", C)])
    create(owner, start=iso(-2), period=86_400_000, cancelAtPeriodEnd=True)  # ended yesterday
    debit = owner.get(f"{DD}/dd/enable").json()
    assert debit["active"] is False
    response = owner.get(f"{DD}/dd/values")
    assert response.status_code == 400
    assert response.json() == {"message": "Bad Request", "cause": "Data Debit dd not enabled"}
    create(owner, "rolling", bundle=bundle("rolling"), start=iso(-2), period=86_400_000)
    assert owner.get(f"{DD}/rolling/enable").json()["active"] is True
    assert owner.get(f"{DD}/rolling/values").status_code == 200
