"""Hardening: body limits on every body route, security headers on every kind of answer, and
no token or password in the logs, whatever happens."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from openhat.config import Settings
from openhat.storage.base import Store
from openhat.web.app import create_app
from openhat.web.context import Call, any_user, hat_route
from openhat.web.openapi import document
from tests.conftest import DOMAIN, OWNER, PASSWORD
from tests.servers import serving

LIMIT = 2000
CLIENT_LOGGERS = ("httpx", "httpcore")  # the test client's own request log (also httpx2)


@pytest.fixture
def small(settings: Settings, store: Store, hat: Any) -> Iterator[TestClient]:
    """The app with a 2 kB body limit."""
    app = create_app(Settings(**{**settings.__dict__, "max_body_bytes": LIMIT}), store)
    with TestClient(app, base_url=f"http://{DOMAIN}") as client:
        yield client


def body_routes() -> list[tuple[str, str]]:
    """The routes taking a JSON body (file contents have their own limit, --files-max-bytes:
    tests/api/test_files_blob_urls.py)."""
    out = []
    for path, operations in document()["paths"].items():
        for method, operation in operations.items():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                filled = (path.replace("{namespace}", "test").replace("{endpoint}", "big")
                          .replace("{name}", "c").replace("{bundle_id}", "b")
                          .replace("{debit_key}", "d"))
                out.append((method.upper(), filled))
    return out


@pytest.mark.parametrize("method,path", body_routes())
def test_every_body_route_refuses_bodies_past_the_limit(small: TestClient, owner_token: str,
                                                        method: str, path: str) -> None:
    big = b'{"a": "' + b"x" * LIMIT + b'"}'
    for body in (big, iter([big[:100], big[100:]])):  # with, then without a Content-Length
        response = small.request(method, path, content=body, headers={
            "Content-Type": "application/json", "X-Auth-Token": owner_token})
        assert response.status_code == 413, (path, response.text)
        assert response.json() == {"error": "Payload Too Large",
                                   "message": f"Request body exceeds {LIMIT} bytes"}


def test_declared_length_past_the_limit_is_refused_before_reading(small: TestClient) -> None:
    response = small.post("/api/v2.6/data-batch", content=b"[]",
                          headers={"Content-Type": "application/json",
                                   "Content-Length": str(LIMIT + 1)})
    assert response.status_code == 413


@pytest.mark.parametrize("body", [
    b"[" * 1100 + b"]" * 1100,  # past the parser's 1024 levels
    b'{"a":' * 1100 + b"1" + b"}" * 1100,
])
def test_json_nested_past_the_parser_limit_is_a_400(owner: TestClient, body: bytes) -> None:
    for path in ("/api/v2.6/data/test/deep", "/api/v2.6/data-batch", "/api/v2.6/applications",
                 "/control/v2/auth/password"):
        response = owner.post(path, content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, path
        assert response.json()["message"].startswith("Invalid Json")


# --- security headers ------------------------------------------------------------------------

@pytest.fixture
def with_failing_route(app: Any) -> Any:
    """The app with one more route that fails with an unexpected error (a 500)."""
    async def handler(call: Call) -> Response:
        raise RuntimeError("an unexpected failure")

    app.router.routes.append(Route("/boom", hat_route(handler, rule=any_user)))
    return app


def answers(client: TestClient, token: str) -> dict[str, Any]:
    big = b"[" + b" " * (11 * 1024 * 1024) + b"]"
    return {
        "200": client.get("/api/v2.6/data/test/x", headers={"X-Auth-Token": token}),
        "201": client.post("/api/v2.6/data/test/x", json={"a": 1},
                           headers={"X-Auth-Token": token}),
        "400": client.post("/api/v2.6/data-batch", content=b"{",
                           headers={"X-Auth-Token": token}),
        "401": client.get("/api/v2.6/data/test/x"),
        "403": client.post("/control/v2/auth/password",
                           json={"password": "x", "newPassword": "a-long-and-unusual-one"},
                           headers={"X-Auth-Token": token}),
        "404": client.get("/api/v2.6/nothing-here"),
        "413": client.post("/api/v2.6/data-batch", content=big,
                           headers={"X-Auth-Token": token,
                                    "Content-Type": "application/json"}),
        "415": client.post("/api/v2.6/data-batch", content=b"[]",
                           headers={"Content-Type": "text/plain", "X-Auth-Token": token}),
        "500": client.get("/boom", headers={"X-Auth-Token": token}),
        "preflight": client.options("/api/v2.6/data/test/x", headers={
            "Origin": "https://app.example", "Access-Control-Request-Method": "POST"}),
        "public key": client.get("/publickey"),
    }


# Written out here, not imported from the code under test: what every API answer must carry.
EXPECTED_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
}


def test_security_headers_on_every_kind_of_answer(with_failing_route: Any,
                                                  owner_token: str) -> None:
    with TestClient(with_failing_route, base_url=f"http://{DOMAIN}",
                    raise_server_exceptions=False) as client:
        for name, response in answers(client, owner_token).items():
            if name.isdigit():
                assert response.status_code == int(name), (name, response.text)
            for header, value in EXPECTED_HEADERS.items():
                assert response.headers.get(header) == value, (name, header)


# --- logs --------------------------------------------------------------------------------------

def test_no_token_or_password_in_the_logs(with_failing_route: Any, owner_token: str,
                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with TestClient(with_failing_route, base_url=f"http://{DOMAIN}",
                    raise_server_exceptions=False) as client:
        client.get("/users/access_token", headers={"username": OWNER, "password": PASSWORD})
        client.get("/users/access_token", headers={"username": OWNER, "password": "wrong-1"})
        answers(client, owner_token)
        failed = client.get(f"/boom?X-Auth-Token={owner_token}")
        assert failed.status_code == 500
        assert failed.json()["message"].startswith("Server error occurred: ")
        client.get("/api/v2.6/data/test/x", headers={"X-Auth-Token": owner_token[:-4] + "AAAA"})
    server = [r for r in caplog.records if not r.name.startswith(CLIENT_LOGGERS)]
    assert server, "the failure is logged"
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in server)
    for secret in (owner_token, owner_token.split(".")[2], PASSWORD, "wrong-1"):
        assert secret not in logged
    assert "/boom" in logged  # the path is logged, the query string is not


def test_no_token_in_a_real_servers_output_at_debug_level(tmp_path: Path) -> None:
    env = {"OPENHAT_OWNER_PASSWORD": "log-check-password-1", "OPENHAT_LOG_LEVEL": "debug"}
    with serving(tmp_path, "--database", f"sqlite:///{tmp_path}/logs.db", env=env) as (base, _):
        token = httpx.get(f"{base}/users/access_token", headers={
            "username": "owner", "password": "log-check-password-1"}).json()["accessToken"]
        httpx.get(f"{base}/api/v2.6/data/test/x", params={"X-Auth-Token": token})
        httpx.get(f"{base}/api/v2.6/data/test/x", headers={"X-Auth-Token": token + "x"})
        httpx.post(f"{base}/control/v2/auth/password", headers={"X-Auth-Token": token},
                   json={"password": "wrong", "newPassword": "another-long-password-2"})
    output = "".join(p.read_text() for p in tmp_path.glob("serve-*.log"))
    assert "Serving HAT API" in output
    for secret in (token, token.split(".")[2], "log-check-password-1", "another-long-password"):
        assert secret not in output


@pytest.mark.parametrize("path", [
    "/api/v2.6/data/test/x?take=2147483648",
    "/api/v2.6/data/test/x?skip=99999999999999999999",
    "/api/v2.6/combinator/c?take=2147483648",
    "/api/v2.6/she/feed?since=582263973796366209100283904",
    "/api/v2.6/she/feed?until=-9223372036854775809",
])
def test_numbers_past_the_originals_integer_types_are_a_400(owner: TestClient,
                                                             path: str) -> None:
    """Found by fuzzing: such values overflowed the database's integers (500)."""
    response = owner.get(path)
    assert response.status_code == 400, response.text
    assert response.json()["message"].startswith("Cannot parse parameter")
