"""Owner login, the token's shape and lifecycle, and every way a token is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from starlette.testclient import TestClient

from openhat.identity import tokens
from openhat.storage.base import Store
from tests.conftest import DOMAIN, OWNER, PASSWORD, login

API = "/api/v2.6"

NOT_AUTHENTICATED = {"error": "Not Authenticated", "message": "Not Authenticated"}

# Every route that needs a token, with a request that would otherwise succeed.
PROTECTED: list[tuple[str, str, Any]] = [
    ("GET", "/users/access_token/validate", None),
    ("GET", "/api/v2.6/data/test/test", None),
    ("POST", "/api/v2.6/data/test/test", {"a": 1}),
    ("DELETE", "/api/v2.6/data/test/test", None),
    ("PUT", "/api/v2.6/data", []),
    ("DELETE", "/api/v2.6/data", None),
    ("GET", "/api/v2.6/data/sources", None),
    ("POST", "/api/v2.6/data-link", None),
    ("POST", "/api/v2.6/data-batch", [{"endpoint": "test/test", "data": {"a": 1}}]),
    ("GET", "/api/v2.6/data-record/00000000-1111-0000-1111-000000000000", None),
    ("GET", "/api/v2/data/test/test", None),
    ("POST", "/api/v2.0/data-batch", []),
]


def claims_of(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def test_login_answers_token_and_user_id(client: TestClient, store: Store) -> None:
    response = client.get("/users/access_token",
                          headers={"username": OWNER, "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"accessToken", "userId"}
    assert response.headers["X-Auth-Token"] == body["accessToken"]
    claims = claims_of(body["accessToken"])
    assert claims["iss"] == DOMAIN
    assert claims["accessScope"] == "owner"
    assert claims["resource"] == DOMAIN
    assert claims["exp"] - claims["iat"] == 30 * 86400
    assert len(claims["jti"]) == 256
    assert jwt.get_unverified_header(body["accessToken"])["alg"] == "RS256"
    hat = store.hats.all()[0]
    assert store.users.by_name(hat.hat_id, OWNER).user_id == body["userId"]  # type: ignore[union-attr]


def test_login_headers_are_url_decoded(client: TestClient, store: Store) -> None:
    from openhat.hats import service as hats

    hats.create_hat(store, "second.example.test", "jane doe", "p@ss word+1")
    response = client.get("/users/access_token", headers={
        "Host": "second.example.test", "username": "jane+doe", "password": "p%40ss+word%2B1"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("headers", [
    {},
    {"username": OWNER},
    {"password": PASSWORD},
])
def test_login_without_credentials(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/users/access_token", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"message": "Credentials required",
                               "cause": "No username or password provided to retrieve token"}


@pytest.mark.parametrize("username,password", [
    (OWNER, "wrong"),
    ("test", "test"),  # unknown user (spec 7.6 #8)
    (OWNER, ""),
])
def test_login_with_wrong_credentials(client: TestClient, username: str, password: str) -> None:
    response = client.get("/users/access_token",
                          headers={"username": username, "password": password})
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED
    assert "X-Auth-Token" not in response.headers


def test_login_is_rate_limited_per_ip(client: TestClient) -> None:
    # Each refused login costs a password hash, so on a loaded machine a token may refill
    # (one per 2 s) during the burst: the 429 must come within a few requests past ten.
    # Each attempt names another account, so the per-account limit (test_accounts_login.py)
    # does not step in first.
    responses = [client.get("/users/access_token",
                            headers={"username": f"{OWNER}{i}", "password": "wrong"})
                 for i in range(15)]
    statuses = [r.status_code for r in responses]
    assert statuses[:10] == [401] * 10
    assert 429 in statuses[10:]
    limited = next(r for r in responses if r.status_code == 429)
    assert limited.json() == {"message": "Request rate exceeded",
                              "cause": "Rate of requests from your IP exceeded",
                              "details": ["Request to /users/access_token"]}


def test_the_login_limit_is_per_client_address(app: Any) -> None:
    """One address spending its allowance leaves another's whole, and a success from
    another address still logs in: over HTTP, the peer address from the connection."""

    def from_(host: str) -> TestClient:
        return TestClient(app, base_url=f"http://{DOMAIN}", client=(host, 40000))

    with from_("203.0.113.1") as first, from_("203.0.113.2") as second:
        statuses = [first.get("/users/access_token", headers={
            "username": f"{OWNER}{i}", "password": "wrong"}).status_code for i in range(15)]
        assert statuses[:10] == [401] * 10 and 429 in statuses[10:]
        assert [second.get("/users/access_token", headers={
            "username": f"{OWNER}{i}", "password": "wrong"}).status_code
            for i in range(5)] == [401] * 5  # not limited by the first address's failures
        assert login(second)  # the right password from the other address: a token
        assert first.get("/users/access_token", headers={
            "username": OWNER, "password": PASSWORD}).status_code == 429  # still limited


def test_validate_and_public_key(client: TestClient, owner_token: str) -> None:
    response = client.get("/users/access_token/validate", headers={"X-Auth-Token": owner_token})
    assert response.status_code == 200
    assert response.json() == {"message": "Authenticated"}
    key = client.get("/publickey")
    assert key.status_code == 200
    assert key.text.startswith("-----BEGIN PUBLIC KEY-----\n")
    jwt.decode(owner_token, key.text, algorithms=["RS256"])  # the published key verifies it


def test_token_in_query_string(client: TestClient, owner_token: str) -> None:
    response = client.get("/api/v2.6/data/test/test", params={"X-Auth-Token": owner_token})
    assert response.status_code == 200
    assert response.json() == []  # the token is not taken for a data filter


def test_successful_responses_carry_a_refreshed_token(client: TestClient,
                                                      owner_token: str) -> None:
    time.sleep(1.1)
    response = client.get("/api/v2.6/data/test/test", headers={"X-Auth-Token": owner_token})
    fresh = response.headers["X-Auth-Token"]
    old, new = claims_of(owner_token), claims_of(fresh)
    assert new["iat"] > old["iat"]
    assert (new["jti"], new["exp"], new["iss"]) == (old["jti"], old["exp"], old["iss"])
    assert client.get("/users/access_token/validate",
                      headers={"X-Auth-Token": fresh}).status_code == 200


def test_failed_responses_carry_no_token(client: TestClient, owner_token: str) -> None:
    response = client.get("/api/v2.6/data-record/00000000-1111-0000-1111-000000000000",
                          headers={"X-Auth-Token": owner_token})
    assert response.status_code == 400
    assert "X-Auth-Token" not in response.headers


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256(claims: dict[str, Any], kid: str, secret: bytes) -> str:
    """The key-confusion attack: HMAC-signed with the public key as the secret (PyJWT refuses
    to build one, so it is built by hand)."""
    signing_input = (_b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
                     + "." + _b64(json.dumps(claims).encode()))
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def bad_tokens(store: Store, owner_token: str) -> dict[str, str]:
    """Tokens that must all be refused, each for its own reason."""
    hat = store.hats.all()[0]
    keys = store.keys.all(hat.hat_id)
    claims = claims_of(owner_token)
    now = int(time.time())
    other_key = tokens.generate_key(hat.hat_id)
    header, payload, _ = owner_token.split(".")
    return {
        "garbage": "not-a-token",
        "forged signature": f"{header}.{payload}.{_b64(b'x' * 256)}",
        "other key, same kid": tokens.sign(claims, other_key.__class__(
            hat.hat_id, keys[0].kid, other_key.private_pem, other_key.public_pem, now)),
        "other key": tokens.sign(claims, other_key),
        "expired": tokens.sign({**claims, "iat": now - 10, "exp": now - 1}, keys[0]),
        "idle for 3 days": tokens.sign({**claims, "iat": now - 3 * 86400 - 5}, keys[0]),
        "issued in the future": tokens.sign({**claims, "iat": now + 3600}, keys[0]),
        "alg none": _b64(b'{"alg":"none","typ":"JWT"}') + f".{payload}.",
        "HS256 with the public key": hs256(claims, keys[0].kid, keys[0].public_pem.encode()),
        "unknown user": tokens.sign({**claims, "sub": "00000000-0000-0000-0000-000000000000"},
                                    keys[0]),
        "no exp": tokens.sign({k: v for k, v in claims.items() if k != "exp"}, keys[0]),
    }


@pytest.mark.parametrize("method,path,body", PROTECTED)
def test_every_protected_route_refuses_missing_and_bad_tokens(
        client: TestClient, store: Store, owner_token: str, method: str, path: str,
        body: Any) -> None:
    response = client.request(method, path, json=body)
    assert response.status_code == 401, (path, response.text)
    assert response.json() == NOT_AUTHENTICATED
    for reason, token in bad_tokens(store, owner_token).items():
        response = client.request(method, path, json=body, headers={"X-Auth-Token": token})
        assert response.status_code == 401, (path, reason, response.text)
        assert response.json() == NOT_AUTHENTICATED, reason
        assert "X-Auth-Token" not in response.headers


def test_token_of_another_hat_is_refused(client: TestClient, store: Store) -> None:
    from openhat.hats import service as hats

    hats.create_hat(store, "other.example.test", "someone", "another-password-1")
    other_token = login(client.__class__(client.app, base_url="http://other.example.test"),
                        "someone", "another-password-1")
    response = client.get("/api/v2.6/data/test/test", headers={"X-Auth-Token": other_token})
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


def test_token_survives_a_restart_with_the_same_database(
        client: TestClient, owner_token: str, settings: Any) -> None:
    from openhat.web.app import create_app

    with TestClient(create_app(settings), base_url=f"http://{DOMAIN}") as restarted:
        response = restarted.get("/users/access_token/validate",
                                 headers={"X-Auth-Token": owner_token})
        assert response.status_code == 200


@pytest.fixture
def short_lived(store: Store, hat: Any) -> Iterator[TestClient]:
    """The app with `token_idle_days=1` and `token_lifetime_days=2`."""
    from openhat.config import Settings
    from openhat.web.app import create_app

    settings = Settings(database="unused", domain=DOMAIN, owner=OWNER,
                        token_idle_days=1, token_lifetime_days=2)
    with TestClient(create_app(settings, store), base_url=f"http://{DOMAIN}") as client:
        yield client


def test_idle_and_lifetime_settings(short_lived: TestClient, store: Store) -> None:
    token = login(short_lived, OWNER, PASSWORD)
    claims = claims_of(token)
    assert claims["exp"] - claims["iat"] == 2 * 86400  # token_lifetime_days
    keys = store.keys.all(store.hats.all()[0].hat_id)
    now = int(time.time())
    path = f"{API}/data/test/idle"

    almost_idle = tokens.sign({**claims, "iat": now - 86400 + 60}, keys[0])
    response = short_lived.get(path, headers={"X-Auth-Token": almost_idle})
    assert response.status_code == 200, response.text  # idle for less than a day: accepted
    renewed = claims_of(response.headers["X-Auth-Token"])
    assert renewed["iat"] >= now - 120  # the renewal restarts the idle window...
    assert renewed["exp"] == claims["exp"]  # ...but never moves the hard expiry
    assert short_lived.get(path, headers={
        "X-Auth-Token": response.headers["X-Auth-Token"]}).status_code == 200

    idle = tokens.sign({**claims, "iat": now - 86400 - 5}, keys[0])
    assert short_lived.get(path, headers={"X-Auth-Token": idle}).status_code == 401
