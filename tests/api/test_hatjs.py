"""What the official JavaScript SDK (@dataswift/hat-js 0.5.0) relies on (decisions doc)."""

from __future__ import annotations

import jwt
from starlette.testclient import TestClient

from tests.conftest import DOMAIN

API = "/api/v2.6"
JSON = {"Content-Type": "application/json"}


def test_json_content_type_is_accepted_on_get_delete_and_empty_put(owner: TestClient) -> None:
    assert owner.get(f"{API}/data/test/test", headers=JSON).status_code == 200
    assert owner.get(f"{API}/data/sources", headers=JSON).status_code == 200
    assert owner.delete(f"{API}/data/test/test", headers=JSON).status_code == 200
    assert owner.delete(f"{API}/data", headers=JSON).status_code == 200
    assert owner.post(f"{API}/data-link", headers=JSON).status_code == 400  # no ids: 4xx


def test_delete_accepts_comma_joined_ids(owner: TestClient) -> None:
    saved = owner.post(f"{API}/data/test/test", json=[{"n": 1}, {"n": 2}, {"n": 3}]).json()
    ids = [r["recordId"] for r in saved]
    response = owner.delete(f"{API}/data", params={"records": f"{ids[0]},{ids[1]}"})
    assert response.status_code == 200
    assert [r["data"] for r in owner.get(f"{API}/data/test/test").json()] == [{"n": 3}]


def test_cors_preflight_allows_the_sdk_headers(client: TestClient) -> None:
    response = client.options(f"{API}/data/test/test", headers={
        "Origin": "https://app.example.com",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-auth-token",
    })
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in ("*", "https://app.example.com")
    allowed = response.headers["access-control-allow-headers"].lower()
    for header in ("content-type", "x-auth-token", "username", "password"):
        assert header in allowed
    login = client.options("/users/access_token", headers={
        "Origin": "https://app.example.com", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "username,password"})
    assert login.status_code == 200


def test_cors_exposes_the_refreshed_token(owner: TestClient) -> None:
    response = owner.get(f"{API}/data/test/test", headers={"Origin": "https://app.example.com"})
    assert "x-auth-token" in response.headers["access-control-expose-headers"].lower()
    assert response.headers["X-Auth-Token"]


def test_token_iss_is_the_public_domain_and_iat_is_in_seconds(owner_token: str) -> None:
    claims = jwt.decode(owner_token, options={"verify_signature": False})
    assert claims["iss"] == DOMAIN
    assert claims["iat"] < 10**11  # seconds, not milliseconds


def test_every_2xx_body_is_json(owner: TestClient) -> None:
    for response in (owner.get(f"{API}/data/test/test"),
                     owner.delete(f"{API}/data/test/test"),
                     owner.get("/users/access_token/validate")):
        assert 200 <= response.status_code < 300, response.text
        assert response.headers["content-type"].startswith("application/json")
        response.json()
