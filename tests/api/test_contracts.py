"""Contract data (spec 5.6): the contract token verified against a real adjudicator server on
loopback, the reads and writes it allows, and every refusal."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Iterator
from typing import Any

import jwt
import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.testclient import TestClient

from openhat.config import Settings
from openhat.storage.base import Store
from openhat.web.app import create_app
from tests.app_fixtures import API, manifest, register
from tests.conftest import DOMAIN, OWNER, login
from tests.servers import Answer, Seen, upstream

SECRET = "adjudicator-shared-secret-of-32-bytes+"
CONTRACT = str(uuid.UUID(int=7))
PRIVATE = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_PEM = PRIVATE.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def contract_token(key: Any = PRIVATE, kid: str = "k1", expires_in: int = 300) -> str:
    return jwt.encode({"exp": int(time.time()) + expires_in, "sub": CONTRACT}, key,
                      algorithm="RS256", headers={"kid": kid})


def adjudicator_answer(seen: Seen) -> Answer:
    """The adjudicator: the key of `k1`, for a request signed with the shared secret that
    names this HAT and the contract."""
    try:
        claims = jwt.decode(seen.headers.get("authorization", "").removeprefix("Bearer "),
                            SECRET, algorithms=["HS256"])
    except jwt.PyJWTError:
        return 401, {}, b"{}"
    if claims.get("hatName") != OWNER or claims.get("contractId") != CONTRACT:
        return 403, {}, b"{}"
    if seen.path == "/v1/contracts/hat/kid/k1":
        return 200, {"Content-Type": "application/json"}, orjson.dumps(list(PUBLIC_PEM))
    if seen.path == "/v1/contracts/hat/kid/not-a-key":
        return 200, {"Content-Type": "application/json"}, b"[1, 2, 3]"
    return 404, {}, b"{}"


@pytest.fixture
def adjudicator() -> Iterator[tuple[str, list[Seen]]]:
    with upstream(adjudicator_answer) as served:
        yield served


def contract_client(settings: Settings, store: Store, **changes: Any) -> TestClient:
    app = create_app(dataclasses.replace(settings, **changes), store)
    return TestClient(app, base_url=f"http://{DOMAIN}")


@pytest.fixture
def hat_client(settings: Settings, store: Store, hat: object,
               adjudicator: tuple[str, list[Seen]]) -> Iterator[TestClient]:
    with contract_client(settings, store, adjudicator_url=adjudicator[0],
                         adjudicator_secret=SECRET) as c:
        owner_token = login(c)
        c.headers["X-Auth-Token"] = owner_token
        register(c, manifest(CONTRACT, "namespaceread:contractns", "namespacewrite:contractns",
                             kind={"kind": "Contract", "url": "https://contract.example"}))
        c.post(f"{API}/data/contractns/items", json=[{"n": 1}, {"n": 2}])
        c.post(f"{API}/data/otherns/items", json={"n": 99})
        del c.headers["X-Auth-Token"]
        yield c


def details(**changes: Any) -> dict[str, Any]:
    return {"token": contract_token(), "hatName": OWNER, "contractId": CONTRACT, **changes}


def test_read_with_a_verified_contract(hat_client: TestClient) -> None:
    response = hat_client.post(f"{API}/contract-data/read/contractns/items?orderBy=n"
                               "&ordering=descending&take=1", json=details())
    assert response.status_code == 200, response.text
    assert [r["data"] for r in response.json()] == [{"n": 2}]
    assert "X-Auth-Token" not in response.headers


def test_create_one_and_many(hat_client: TestClient) -> None:
    one = hat_client.post(f"{API}/contract-data/create/contractns/made",
                          json=details(body={"made": 1}))
    assert one.status_code == 201, one.text
    assert one.json()["endpoint"] == "contractns/made"
    assert one.json()["data"] == {"made": 1}
    many = hat_client.post(f"{API}/contract-data/create/contractns/made?skipErrors=true",
                           json=details(body=[{"made": 1}, {"made": 2}]))
    assert many.status_code == 201
    assert [r["data"] for r in many.json()] == [{"made": 2}]  # the duplicate skipped


def test_update_takes_endpoints_under_the_namespace(hat_client: TestClient) -> None:
    found = hat_client.post(f"{API}/contract-data/read/contractns/items",
                            json=details()).json()
    record_id = found[0]["recordId"]
    response = hat_client.put(f"{API}/contract-data/update/contractns", json=details(
        body=[{"endpoint": "items", "recordId": record_id, "data": {"n": 10}}]))
    assert response.status_code == 201, response.text
    assert response.json()[0]["endpoint"] == "contractns/items"
    again = hat_client.post(f"{API}/contract-data/read/contractns/items", json=details())
    assert {"n": 10} in [r["data"] for r in again.json()]


def test_update_cannot_reach_a_record_of_another_namespace(hat_client: TestClient,
                                                           settings: Settings,
                                                           store: Store) -> None:
    with contract_client(settings, store) as owner:
        owner.headers["X-Auth-Token"] = login(owner)
        other = owner.get(f"{API}/data/otherns/items").json()[0]["recordId"]
    response = hat_client.put(f"{API}/contract-data/update/contractns", json=details(
        body=[{"endpoint": "items", "recordId": other, "data": {"n": 0}}]))
    assert response.status_code in (400, 403)
    with contract_client(settings, store) as owner:
        owner.headers["X-Auth-Token"] = login(owner)
        assert owner.get(f"{API}/data/otherns/items").json()[0]["data"] == {"n": 99}


@pytest.mark.parametrize("change,message", [
    ({"hatName": "someone-else"}, "HatName not found"),
    ({"token": "not-a-jwt"}, "Invalid Token"),
    ({"token": contract_token(OTHER_KEY)}, "Invalid Token"),  # signed by another key
    ({"token": contract_token(expires_in=-60)}, "Invalid Token"),  # expired
    ({"token": contract_token(kid="")}, "Invalid Token"),  # no key id
    ({"contractId": str(uuid.UUID(int=8))}, "Invalid Token"),  # not registered on the HAT
])
def test_refused_contract_requests(hat_client: TestClient, change: dict[str, Any],
                                   message: str) -> None:
    for method, path, body in (("POST", "read/contractns/items", {}),
                               ("POST", "create/contractns/items", {"body": {"x": 1}})):
        response = hat_client.request(method, f"{API}/contract-data/{path}",
                                      json=details(**body, **change))
        assert response.status_code == 400, response.text
        assert response.json()["message"] == message


def test_namespace_not_granted_to_the_contract(hat_client: TestClient) -> None:
    for path, body in (("read/otherns/items", {}), ("create/otherns/items", {"body": {"x": 1}})):
        response = hat_client.post(f"{API}/contract-data/{path}", json=details(**body))
        assert response.status_code == 400
        assert response.json() == {"message": "Namespace Inaccessible",
                                   "cause": "Namespace Inaccessible: otherns"}


@pytest.mark.parametrize("body", [{}, {"token": "t", "hatName": OWNER}, [], "x",
                                  {"token": "", "hatName": OWNER, "contractId": CONTRACT}])
def test_missing_contract_details(hat_client: TestClient, body: Any) -> None:
    response = hat_client.post(f"{API}/contract-data/read/contractns/items", json=body)
    assert response.status_code == 400
    assert response.json()["message"] == "Missing Contract Details"


def test_create_without_a_body_and_update_without_records(hat_client: TestClient) -> None:
    created = hat_client.post(f"{API}/contract-data/create/contractns/items", json=details())
    assert created.status_code == 400
    assert created.json()["message"] == "Data Missing"
    updated = hat_client.put(f"{API}/contract-data/update/contractns", json=details(body=[]))
    assert updated.status_code == 400


def test_adjudicator_answering_garbage_or_nothing(settings: Settings, store: Store,
                                                  hat_client: TestClient) -> None:
    bad_key = hat_client.post(f"{API}/contract-data/read/contractns/items",
                              json=details(token=contract_token(kid="not-a-key")))
    assert bad_key.status_code == 502
    unknown_kid = hat_client.post(f"{API}/contract-data/read/contractns/items",
                                  json=details(token=contract_token(kid="k2")))
    assert unknown_kid.status_code == 502
    assert unknown_kid.json()["message"] == "Adjudicator unavailable"
    with contract_client(settings, store, adjudicator_url="http://127.0.0.1:9",
                         adjudicator_secret=SECRET) as c:
        down = c.post(f"{API}/contract-data/read/contractns/items", json=details())
    assert down.status_code == 502
    url = hat_client.app.state.openhat.settings.adjudicator_url
    with contract_client(settings, store, adjudicator_url=url,
                         adjudicator_secret="wrong-secret-also-of-32-bytes-long") as c:
        wrong_secret = c.post(f"{API}/contract-data/read/contractns/items", json=details())
    assert wrong_secret.status_code == 502


@pytest.mark.parametrize("changes,missing", [
    ({}, "--adjudicator-url (OPENHAT_ADJUDICATOR_URL)"),
    ({"adjudicator_url": "http://127.0.0.1:9"}, "--adjudicator-secret"),
])
def test_unconfigured_adjudicator_names_the_setting(settings: Settings, store: Store,
                                                    hat: object, changes: dict[str, Any],
                                                    missing: str) -> None:
    with contract_client(settings, store, **changes) as c:
        for method, path in (("POST", "read/contractns/items"),
                             ("POST", "create/contractns/items"),
                             ("PUT", "update/contractns")):
            response = c.request(method, f"{API}/contract-data/{path}", json=details(body=[]))
            assert response.status_code == 400, response.text
            assert response.json()["message"] == "Contracts not configured"
            assert missing in response.json()["cause"]
