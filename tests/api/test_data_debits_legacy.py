"""The legacy v2 data debit routes: the original's RichDataSpec #14-25 (spec 7.2)."""

from __future__ import annotations

from starlette.testclient import TestClient

from openhat.hats.service import NewHat
from openhat.storage.base import Store
from tests.api.debit_fixtures import bundle, condition, iso, legacy_request, user_token
from tests.api.hat_fixtures import A, B, C, save

V2 = "/api/v2/data-debit"


def test_14_register(owner: TestClient) -> None:
    response = owner.post(f"{V2}/testdd", json=legacy_request())
    assert response.status_code == 201, response.text
    debit = response.json()
    assert debit["dataDebitKey"] == "testdd"
    assert len(debit["bundles"]) == 1
    assert not any(b["enabled"] for b in debit["bundles"])
    assert debit["bundles"][0]["bundle"]["name"] == "testBundle"
    assert debit["bundles"][0]["rolling"] is False
    assert debit["client"]["role"] == "owner"


def test_15_duplicate(owner: TestClient) -> None:
    assert owner.post(f"{V2}/testdd", json=legacy_request()).status_code == 201
    again = owner.post(f"{V2}/testdd", json=legacy_request("otherBundle"))
    assert again.status_code == 400
    assert again.json()["message"] == "Bad Request"


def test_16_update(owner: TestClient) -> None:
    owner.post(f"{V2}/testdd", json=legacy_request())
    body = {**legacy_request(), "bundle": bundle("testBundle2", "test/anothertest")}
    response = owner.put(f"{V2}/testdd", json=body)
    assert response.status_code == 200, response.text
    assert [b["bundle"]["name"] for b in response.json()["bundles"]] == ["testBundle",
                                                                        "testBundle2"]


def test_17_update_missing(owner: TestClient) -> None:
    assert owner.put(f"{V2}/testdd", json=legacy_request()).status_code == 400


def test_18_update_with_an_existing_bundle(owner: TestClient) -> None:
    owner.post(f"{V2}/testdd", json=legacy_request())
    assert owner.put(f"{V2}/testdd", json=legacy_request()).status_code == 400


def test_19_get_missing(owner: TestClient) -> None:
    response = owner.get(f"{V2}/testdd")
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found", "cause": "Data Debit testdd not found"}


def test_20_get(owner: TestClient) -> None:
    owner.post(f"{V2}/testdd", json=legacy_request())
    debit = owner.get(f"{V2}/testdd").json()
    assert debit["dataDebitKey"] == "testdd"
    assert len(debit["bundles"]) == 1
    assert debit["bundles"][0]["enabled"] is False
    assert [d["dataDebitKey"] for d in owner.get(V2).json()] == ["testdd"]


def test_21_values_missing(owner: TestClient) -> None:
    assert owner.get(f"{V2}/testdd/values").status_code == 404


def test_22_values_not_enabled(owner: TestClient) -> None:
    owner.post(f"{V2}/testdd", json=legacy_request())
    response = owner.get(f"{V2}/testdd/values")
    assert response.status_code == 400
    assert response.json() == {"message": "Bad Request", "cause": "Data Debit testdd not enabled"}


def test_23_values_enabled(owner: TestClient) -> None:
    save(owner, [("test/test", A), ("test/test", B), ("test/complex", C)])
    owner.post(f"{V2}/testdd", json=legacy_request())
    enabled = owner.get(f"{V2}/testdd/enable")
    assert enabled.status_code == 200
    assert enabled.json()["bundles"][0]["enabled"] is True
    response = owner.get(f"{V2}/testdd/values")
    assert response.status_code == 200
    values = response.json()
    assert "conditions" not in values
    assert [r["data"]["data"]["newField"] for r in values["bundle"]["test"]] == [
        "anotherFieldDifferentValue", "anotherFieldValue"]
    assert len(values["bundle"]["complex"]) == 1


def test_24_conditions_unmet(owner: TestClient) -> None:
    save(owner, [("test/test", A), ("test/test", B), ("test/complex", C)])
    owner.post(f"{V2}/testdd", json=legacy_request(conditions=condition("testfailCondition",
                                                                         "N/A")))
    owner.get(f"{V2}/testdd/enable/testBundle")
    values = owner.get(f"{V2}/testdd/values").json()
    assert values == {"conditions": {"test": False}, "bundle": {}}


def test_25_conditions_met(owner: TestClient) -> None:
    save(owner, [("test/test", A), ("test/test", B), ("test/complex", C)])
    owner.post(f"{V2}/testdd", json=legacy_request(conditions=condition("testCondition",
                                                                         "value")))
    owner.get(f"{V2}/testdd/enable")
    values = owner.get(f"{V2}/testdd/values").json()
    assert values["conditions"] == {"test": True}
    assert len(values["bundle"]["test"]) == 2


def test_disable_stops_values(owner: TestClient) -> None:
    owner.post(f"{V2}/testdd", json=legacy_request())
    owner.get(f"{V2}/testdd/enable")
    assert owner.get(f"{V2}/testdd/values").status_code == 200
    disabled = owner.get(f"{V2}/testdd/disable")
    assert disabled.status_code == 200
    assert disabled.json()["bundles"][0]["enabled"] is False
    assert owner.get(f"{V2}/testdd/values").status_code == 400


def test_a_debit_user_creates_and_reads_its_own_debit(client: TestClient, owner_token: str,
                                                      store: Store, hat: NewHat) -> None:
    token = user_token(client, store, hat, "dataDebitUser", ("datadebit",))
    made = client.post(f"{V2}/userdd", json=legacy_request("userBundle"),
                       headers={"X-Auth-Token": token})
    assert made.status_code == 201, made.text
    assert made.json()["client"]["email"] == "dataDebitUser"
    assert client.get(f"{V2}/userdd/enable", headers={"X-Auth-Token": owner_token}
                      ).status_code == 200
    fresh = user_token(client, store, hat, "other", ("datadebit",))
    assert client.get(f"{V2}/userdd/values", headers={"X-Auth-Token": fresh}
                      ).status_code == 403
    assert client.get(f"{V2}/userdd/enable", headers={"X-Auth-Token": token}
                      ).status_code == 403


def test_malformed_legacy_request(owner: TestClient) -> None:
    response = owner.post(f"{V2}/testdd", json={"bundle": bundle("b")})
    assert response.status_code == 400
    assert set(response.json()["message"]) == {"obj.startDate", "obj.endDate", "obj.rolling"}


def test_a_legacy_debit_past_its_end_date_answers_no_values(owner: TestClient) -> None:
    save(owner, [("test/test", A), ("test/complex", C)])
    body = {**legacy_request(), "startDate": iso(-2), "endDate": iso(-1)}
    assert owner.post(f"{V2}/testdd", json=body).status_code == 201
    assert owner.get(f"{V2}/testdd/enable").status_code == 200
    response = owner.get(f"{V2}/testdd/values")
    assert response.status_code == 400
    assert response.json() == {"message": "Bad Request", "cause": "Data Debit testdd not enabled"}
