"""The application routes beyond status and set-up: the `/applications/hmi` list, the v2 and
v2.0 access-token routes, and the proxy to an application's API, tested against a real
upstream server on loopback."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from starlette.testclient import TestClient

from openhat.config import Settings
from openhat.storage.base import Store
from openhat.web.app import create_app
from tests.app_fixtures import API, NOTABLES, installed_app, manifest, register
from tests.conftest import DOMAIN, login
from tests.servers import Answer, Seen, upstream

NOT_AUTHENTICATED = {"error": "Not Authenticated", "message": "Not Authenticated"}
FORBIDDEN = {"error": "Forbidden", "message": "Access Denied"}


# --- /applications/hmi and the v2 access-token routes -----------------------------------------

def test_hmi_list_is_the_application_list(owner: TestClient) -> None:
    register(owner, NOTABLES)
    listed = owner.get(f"{API}/applications/hmi")
    assert listed.status_code == 200
    assert listed.json() == owner.get(f"{API}/applications").json()
    assert listed.json()[0]["application"]["id"] == "notables"


def test_hmi_list_refusals(owner: TestClient, client: TestClient) -> None:
    token = installed_app(owner, "plain", "namespaceread:rumpel")
    assert client.get(f"{API}/applications/hmi", headers={"X-Auth-Token": ""}).json() == \
        NOT_AUTHENTICATED
    refused = client.get(f"{API}/applications/hmi", headers={"X-Auth-Token": token})
    assert refused.status_code == 403
    lister = installed_app(owner, "lister", "applicationlist", "applicationmanage:plain")
    only = client.get(f"{API}/applications/hmi", headers={"X-Auth-Token": lister})
    assert [a["application"]["id"] for a in only.json()] == ["plain"]


@pytest.mark.parametrize("prefix", ["/api/v2", "/api/v2.0"])
def test_v2_access_token(owner: TestClient, client: TestClient, prefix: str) -> None:
    register(owner, NOTABLES)
    response = owner.get(f"{prefix}/applications/notables/access-token")
    assert response.status_code == 200
    claims = jwt.decode(response.json()["accessToken"], options={"verify_signature": False})
    assert claims["application"] == "notables"
    assert response.json()["userId"] == claims["sub"]
    unknown = owner.get(f"{prefix}/applications/unknown-app/access-token")
    assert unknown.status_code == 404
    anonymous = client.get(f"{prefix}/applications/notables/access-token",
                           headers={"X-Auth-Token": ""})
    assert anonymous.status_code == 401
    other = installed_app(owner, "other", "owner")
    assert client.get(f"{prefix}/applications/notables/access-token",
                      headers={"X-Auth-Token": other}).status_code == 403


# --- the proxy -------------------------------------------------------------------------------

def echo(seen: Seen) -> Answer:
    return 200, {"Content-Type": "application/json", "Set-Cookie": "up=1"}, \
        b'{"echo": "%s"}' % seen.method.encode()


@pytest.fixture
def api() -> Iterator[tuple[str, list[Seen]]]:
    with upstream(echo) as served:
        yield served


def proxy_client(settings: Settings, store: Store, **changes: Any) -> TestClient:
    changes.setdefault("proxy_allow_private", 1)
    app = create_app(dataclasses.replace(settings, **changes), store)
    return TestClient(app, base_url=f"http://{DOMAIN}")


@pytest.fixture
def local(settings: Settings, store: Store, hat: object) -> Iterator[TestClient]:
    with proxy_client(settings, store) as c:
        c.headers["X-Auth-Token"] = login(c)
        yield c


def api_app(owner: TestClient, url: str, app_id: str = "plug", enabled: bool = True) -> None:
    register(owner, manifest(app_id, "namespaceread:rumpel",
                             kind={"kind": "DataPlug", "url": url}))
    assert owner.get(f"{API}/applications/{app_id}/setup").status_code == 200
    if not enabled:
        assert owner.get(f"{API}/applications/{app_id}/disable").status_code == 200


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"])
def test_proxy_forwards_every_method(local: TestClient, api: tuple[str, list[Seen]],
                                     method: str) -> None:
    base, seen = api
    api_app(local, base + "/v1")
    body = b'{"a": 1}' if method in ("POST", "PUT", "PATCH") else None
    response = local.request(method, f"{API}/applications/plug/proxy/things/42?x=1&y=2",
                             content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    if method != "HEAD":
        assert response.json() == {"echo": method}
    [request] = seen
    assert request.method == method
    assert request.path == "/v1/things/42?x=1&y=2"
    assert request.body == (body or b"")
    claims = jwt.decode(request.headers["x-auth-token"], options={"verify_signature": False})
    assert claims["application"] == "plug"
    assert claims["iss"] == DOMAIN


def test_proxy_leaks_no_header_or_cookie_of_the_hat(local: TestClient,
                                                    api: tuple[str, list[Seen]]) -> None:
    base, seen = api
    api_app(local, base)
    owner_token = local.headers["X-Auth-Token"]
    response = local.get(f"{API}/applications/plug/proxy/x", headers={
        "Cookie": "session=hat-secret", "Authorization": "Basic aGF0OnNlY3JldA==",
        "X-Forwarded-For": "10.0.0.1", "Referer": "https://hat.example.test/secret"})
    assert response.status_code == 200
    headers = seen[0].headers
    for leaked in ("cookie", "authorization", "x-forwarded-for", "referer"):
        assert leaked not in headers
    assert owner_token not in str(headers)
    assert headers["x-auth-token"] != owner_token
    assert "set-cookie" not in response.headers  # the upstream's cookie stays out too
    # a token given in the query string stays behind too
    in_query = local.get(f"{API}/applications/plug/proxy/y?keep=1&X-Auth-Token={owner_token}",
                         headers={"X-Auth-Token": ""})
    assert in_query.status_code == 200
    assert seen[1].path == "/y?keep=1"


def test_proxy_passes_the_upstream_status_and_does_not_follow_redirects(
        local: TestClient) -> None:
    def answer(seen: Seen) -> Answer:
        if seen.path.startswith("/missing"):
            return 404, {}, b'{"error": "nope"}'
        return 302, {"Location": "http://127.0.0.1:1/elsewhere"}, b"{}"

    with upstream(answer) as (base, seen):
        api_app(local, base)
        missing = local.get(f"{API}/applications/plug/proxy/missing")
        assert missing.status_code == 404
        assert missing.json() == {"error": "nope"}
        moved = local.get(f"{API}/applications/plug/proxy/moved")
        assert moved.status_code == 302
        assert "location" not in moved.headers
        assert len(seen) == 2


def test_proxy_refuses_an_answer_over_the_size_limit(settings: Settings, store: Store,
                                                     hat: object) -> None:
    with upstream(lambda s: (200, {}, b"[" + b"1," * 600 + b"1]")) as (base, _), \
            proxy_client(settings, store, proxy_max_bytes=1000) as c:
        c.headers["X-Auth-Token"] = login(c)
        api_app(c, base)
        response = c.get(f"{API}/applications/plug/proxy/big")
    assert response.status_code == 502
    assert response.json()["message"] == "Application API unavailable"
    assert "1000 bytes" in response.json()["cause"]


def test_proxy_times_out(settings: Settings, store: Store, hat: object) -> None:
    def slow(seen: Seen) -> Answer:
        time.sleep(2.5)
        return 200, {}, b"{}"

    with upstream(slow) as (base, _), proxy_client(settings, store, proxy_timeout=1) as c:
        c.headers["X-Auth-Token"] = login(c)
        api_app(c, base)
        response = c.get(f"{API}/applications/plug/proxy/slow")
    assert response.status_code == 504
    assert response.json()["message"] == "Application API timed out"


def test_proxy_refuses_loopback_and_http_by_default(settings: Settings, store: Store,
                                                    hat: object,
                                                    api: tuple[str, list[Seen]]) -> None:
    base, seen = api
    with proxy_client(settings, store, proxy_allow_private=0) as c:
        c.headers["X-Auth-Token"] = login(c)
        for app_id, url in (("plain-http", base), ("loopback", base.replace("http:", "https:")),
                            ("private", "https://10.1.2.3/api"),
                            ("named-loopback", "https://localhost:9/api"),
                            ("with-credentials", "https://user:pw@example.com/api")):
            api_app(c, url, app_id)
            response = c.get(f"{API}/applications/{app_id}/proxy/x")
            assert response.status_code == 502, (app_id, response.text)
            assert response.json()["message"] == "Application API unavailable"
    assert seen == []


def test_proxy_refusals(local: TestClient, client: TestClient,
                        api: tuple[str, list[Seen]]) -> None:
    base, seen = api
    api_app(local, base)
    api_app(local, base, "sleeping", enabled=False)
    unknown = local.get(f"{API}/applications/nothing-here/proxy/x")
    assert unknown.status_code == 404
    assert unknown.json()["message"] == "Application not Found"
    inactive = local.get(f"{API}/applications/sleeping/proxy/x")
    assert inactive.status_code == 400
    assert inactive.json()["message"] == "Application not active"
    assert local.get(f"{API}/applications/plug/proxy/x",
                     headers={"X-Auth-Token": ""}).json() == NOT_AUTHENTICATED
    stranger = installed_app(local, "stranger", "namespaceread:rumpel")
    refused = local.get(f"{API}/applications/plug/proxy/x", headers={"X-Auth-Token": stranger})
    assert refused.status_code == 403
    manager = installed_app(local, "manager", "applicationmanage:plug")
    assert local.get(f"{API}/applications/plug/proxy/x",
                     headers={"X-Auth-Token": manager}).status_code == 200
    bad_body = local.post(f"{API}/applications/plug/proxy/x", content=b"{not json",
                          headers={"Content-Type": "application/json"})
    assert bad_body.status_code == 400
    assert len(seen) == 1  # only the manager's request reached the API


def test_proxy_is_v26_only(owner: TestClient) -> None:
    response = owner.get("/api/v2/applications/plug/proxy/x")
    assert response.status_code == 404
    assert response.json()["error"] == "Handler Not Found"


def test_browsers_may_send_every_proxied_method(client: TestClient) -> None:
    """A browser preflights each proxied method; PATCH and HEAD are allowed like the rest."""
    response = client.options(f"{API}/applications/plug/proxy/x", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "X-Auth-Token, Content-Type"})
    assert response.status_code == 200
    allowed = response.headers["access-control-allow-methods"]
    assert {"PATCH", "HEAD", "GET", "POST", "PUT", "DELETE", "OPTIONS"} <= {
        m.strip() for m in allowed.split(",")}
