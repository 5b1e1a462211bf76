"""Bad input gets a clear 4xx with the HAT error body: never a 500, never a half-written batch."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from openhat.config import Settings
from openhat.web.app import create_app
from openhat.web.openapi import document
from tests.api.debit_fixtures import bundle, legacy_request, setup_request
from tests.app_fixtures import manifest
from tests.conftest import DOMAIN

API = "/api/v2.6"


def js_error(path: str, msg: str) -> dict[str, Any]:
    return {"error": "Bad Request", "message": {path: [{"msg": [msg], "args": []}]}}


@pytest.mark.parametrize("body,expected", [
    ({"endpoint": "test/test", "data": {}},
     js_error("obj", "error.expected.jsarray")),
    ([{"data": {"a": 1}}],
     js_error("obj[0].endpoint", "error.path.missing")),
    ([{"endpoint": "test/test"}],
     js_error("obj[0].data", "error.path.missing")),
    ([{"endpoint": 5, "data": {}}],
     js_error("obj[0].endpoint", "error.expected.jsstring")),
    ([{"endpoint": "Test/Upper", "data": {}}],
     js_error("obj[0].endpoint", "Endpoint invalid")),
    ([{"endpoint": "test/sp ace", "data": {}}],
     js_error("obj[0].endpoint", "Endpoint invalid")),
    ([{"endpoint": "", "data": {}}],
     js_error("obj[0].endpoint", "Endpoint invalid")),
    ([{"endpoint": "test/test", "data": {}, "links": {}}],
     js_error("obj[0].links", "error.expected.jsarray")),
    ([{"endpoint": "test/test", "data": {}, "links": [{"endpoint": "BAD", "data": 1}]}],
     js_error("obj[0].links[0].endpoint", "Endpoint invalid")),
    ([{"endpoint": "test/test", "data": {}, "recordId": "not-a-uuid"}],
     js_error("obj[0].recordId", "error.expected.uuid")),
    (["a string"],
     js_error("obj[0]", "error.expected.jsobject")),
])
def test_malformed_batch_is_a_400_and_stores_nothing(owner: TestClient, body: Any,
                                                     expected: dict[str, Any]) -> None:
    response = owner.post(f"{API}/data-batch", json=[
        {"endpoint": "test/test", "data": {"good": 1}}, *body] if isinstance(body, list)
        else body)
    assert response.status_code == 400
    if isinstance(body, list):  # the good first element shifts the index by one
        expected = {"error": "Bad Request", "message": {
            k.replace("obj[0]", "obj[1]"): v for k, v in expected["message"].items()}}
    assert response.json() == expected
    assert owner.get(f"{API}/data/test/test").json() == []


def test_all_problems_of_a_body_are_reported_together(owner: TestClient) -> None:
    response = owner.post(f"{API}/data-batch", json=[{"data": 1}, {"endpoint": "x/y"}])
    assert response.status_code == 400
    assert set(response.json()["message"]) == {"obj[0].endpoint", "obj[1].data"}


def test_malformed_body_is_checked_before_the_token(client: TestClient) -> None:
    response = client.post(f"{API}/data-batch", json={"not": "an array"})
    assert response.status_code == 400  # as the original: body parsing runs first


@pytest.mark.parametrize("raw", [b"{", b"[1,", b"nope", b"", b'{"a": 1} trailing'])
def test_invalid_json(owner: TestClient, raw: bytes) -> None:
    for path in (f"{API}/data-batch", f"{API}/data/test/test"):
        response = owner.post(path, content=raw, headers={"Content-Type": "application/json"})
        assert response.status_code == 400
        body = response.json()
        assert body["error"] == "Bad Request"
        assert body["message"].startswith("Invalid Json: ")


def test_duplicate_late_in_a_batch_leaves_nothing_behind(owner: TestClient) -> None:
    body = [{"endpoint": f"test/e{i}", "data": {"i": i},
             "links": [{"endpoint": "test/linked", "data": {"i": i}}]} for i in range(50)]
    body.append({"endpoint": "test/linked", "data": {"i": 7}})
    response = owner.post(f"{API}/data-batch", json=body)
    assert response.status_code == 400
    assert owner.get(f"{API}/data/sources").json() == {}


@pytest.mark.parametrize("path", [
    "/api/v2.6/data/Test/test",
    "/api/v2.6/data/test/UPPER",
    "/api/v2.6/data/test/under_score",
    "/api/v2.6/data/te%20st/test",
    "/api/v2.6/data/test/a//b",
])
def test_invalid_endpoint_in_the_path(owner: TestClient, path: str) -> None:
    for method, body in (("GET", None), ("POST", {"a": 1}), ("DELETE", None)):
        response = owner.request(method, path, json=body)
        assert response.status_code == 400, (method, path)
        assert response.json()["error"] == "Bad Request"
        assert response.json()["message"].startswith("Endpoint invalid")


@pytest.mark.parametrize("params,name", [
    ({"take": "abc"}, "take"),
    ({"skip": "1.5"}, "skip"),
    ({"take": "-1"}, "take"),
    ({"skip": "-10"}, "skip"),
])
def test_bad_paging_values(owner: TestClient, params: dict[str, str], name: str) -> None:
    response = owner.get(f"{API}/data/test/test", params=params)
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"
    assert name in response.json()["message"]


def test_bad_skip_errors_value(owner: TestClient) -> None:
    response = owner.post(f"{API}/data/test/test", params={"skipErrors": "maybe"}, json=[1])
    assert response.status_code == 400
    assert "skipErrors" in response.json()["message"]


@pytest.mark.parametrize("method,path", [
    ("GET", "/api/v2.6/data-record/not-a-uuid"),
    ("DELETE", "/api/v2.6/data?records=not-a-uuid"),
    ("POST", "/api/v2.6/data-link?records=123"),
])
def test_bad_uuids(owner: TestClient, method: str, path: str) -> None:
    response = owner.request(method, path)
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"
    assert "UUID" in response.json()["message"]


def test_link_without_records(owner: TestClient) -> None:
    response = owner.post(f"{API}/data-link")
    assert response.status_code == 400
    assert response.json()["message"] == "Data Missing"


def test_oversized_body_is_a_413(settings: Settings, store: Any, hat: Any,
                                 owner_token: str) -> None:
    small = create_app(Settings(**{**settings.__dict__, "max_body_bytes": 1000}), store)
    with TestClient(small, base_url=f"http://{DOMAIN}") as client:
        big = [{"endpoint": "test/test", "data": {"text": "x" * 2000}}]
        response = client.post(f"{API}/data-batch", json=big,
                               headers={"X-Auth-Token": owner_token})
        assert response.status_code == 413
        assert response.json()["error"] == "Payload Too Large"
        chunked = client.post(f"{API}/data-batch", content=iter([b"[" + b" " * 1500, b"]"]),
                              headers={"X-Auth-Token": owner_token,
                                       "Content-Type": "application/json"})
        assert chunked.status_code == 413  # no Content-Length: counted while reading


def test_wrong_content_type_is_a_415(owner: TestClient) -> None:
    response = owner.post(f"{API}/data-batch", content=b"[]",
                          headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert response.json()["error"] == "Unsupported Media Type"


@pytest.mark.parametrize("method,path", [
    ("PATCH", "/api/v2.6/data/test/test"),
    ("PUT", "/api/v2.6/data-batch"),
    ("GET", "/api/v2.6/data-batch"),
    ("POST", "/api/v2.6/data/sources"),
    ("GET", "/api/v2.6/no-such-route"),
    ("DELETE", "/users/nothing"),
    ("GET", "/control/v2/nothing"),
])
def test_unknown_route_or_method_is_handler_not_found(owner: TestClient, method: str,
                                                      path: str) -> None:
    response = owner.request(method, path)
    assert response.status_code == 404
    assert response.json() == {"error": "Handler Not Found",
                               "message": f"Request handler at {method}:{path} does not exist"}


@pytest.mark.parametrize("data", [
    {"text": "nul \u0000 inside"},  # PostgreSQL's jsonb cannot hold it: refused everywhere
])
def test_unstorable_values_are_a_400(owner: TestClient, data: Any) -> None:
    response = owner.post(f"{API}/data/test/test", json=data)
    assert response.status_code == 400
    assert response.json()["message"] == "Bad Request"
    assert owner.get(f"{API}/data/test/test").json() == []


def test_deep_nesting_is_a_400_not_a_500(owner: TestClient) -> None:
    deep: Any = 1
    for _ in range(300):
        deep = [deep]
    response = owner.post(f"{API}/data/test/test", json={"deep": deep})
    assert response.status_code == 400
    too_deep = b"[" * 5000 + b"]" * 5000
    response = owner.post(f"{API}/data/test/test", content=too_deep,
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    link: dict[str, Any] = {"endpoint": "test/l", "data": 1}
    for _ in range(100):
        link = {"endpoint": "test/l", "data": 1, "links": [link]}
    assert owner.post(f"{API}/data-batch", json=[link]).status_code == 400


def test_unknown_host_with_several_hats(client: TestClient, store: Any) -> None:
    from openhat.hats import service as hats

    hats.create_hat(store, "second.example.test", "someone", "another-password-1")
    response = client.get("/users/access_token", headers={"Host": "nobody.example.test"})
    assert response.status_code == 404
    assert response.json() == {"error": "Not Found", "message": "HAT unavailable"}


def _string_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every string in a JSON value."""
    if isinstance(value, str):
        return [path]
    items = value.items() if isinstance(value, dict) else \
        enumerate(value) if isinstance(value, list) else []
    return [p for key, item in items for p in _string_paths(item, (*path, key))]


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copied = copy.copy(value)
    copied[path[0]] = _replaced(value[path[0]], path[1:], new)
    return copied


def realistic_bodies() -> list[tuple[str, str, Any]]:
    """A valid body of each route that takes text from its caller into the database."""
    return [
        ("POST", "/users/user", {"email": "ann@example.com", "name": "Ann",
                                 "pass": "correct-horse-battery-staple",
                                 "roles": [{"role": "namespaceread", "detail": "rumpel"}]}),
        ("POST", f"{API}/files/upload", {"name": "a.png", "source": "test", "title": "t",
                                         "description": "d", "sourceURL": "https://x/a",
                                         "contentType": "image/png", "tags": ["t"]}),
        ("POST", f"{API}/files/search", {"name": "", "source": "", "tags": ["a"]}),
        ("POST", f"{API}/webhooks", {"url": "https://example.com/hook",
                                     "endpoints": ["test/test"]}),
        ("POST", f"{API}/data-debit/dd", setup_request(conditions=bundle("c"))),
        ("POST", "/api/v2/data-debit/ld", legacy_request()),
        ("POST", f"{API}/applications", manifest("probeapp", "namespacewrite:rumpel")),
        ("POST", f"{API}/combinator/c", [{"endpoint": "test/test", "mapping": {"a": "a"},
                                          "filters": [{"field": "a", "operator": {
                                              "operator": "contains", "value": "x"}}]}]),
        ("POST", f"{API}/data-bundle/b", bundle("b")["bundle"]),
        ("POST", f"{API}/data-batch", [{"endpoint": "test/batch", "data": {"x": "y"},
                                        "links": [{"endpoint": "test/link",
                                                   "data": {"z": "w"}}]}]),
        ("POST", "/control/v2/auth/claim", {"email": "a@example.com", "applicationId": "x"}),
        ("POST", "/control/v2/auth/passwordReset", {"email": "a@example.com"}),
        ("POST", f"{API}/report-frontend-action", {"action": "click", "details": {"a": "b"}}),
    ]


def test_nul_in_any_text_of_a_body_is_never_a_5xx(owner: TestClient) -> None:
    """PostgreSQL's text refuses NUL: a user's email or a file's name with one were 500s there
    (found by sending NUL in every string of these bodies)."""
    for method, path, body in realistic_bodies():
        for at in _string_paths(body):
            for text in ("\x00", "a\x00b"):
                response = owner.request(method, path, json=_replaced(body, at, text))
                assert response.status_code < 500, (method, path, at, response.text)
                if response.status_code >= 400:
                    assert "message" in response.json(), (method, path, at)


def test_nul_in_any_path_parameter_is_a_400(owner: TestClient) -> None:
    """No id holds NUL, and PostgreSQL refuses it in text: an application's or a webhook's id
    with one was a 500 there. Every described route, each of its path parameters in turn."""
    checked = 0
    for path, operations in document()["paths"].items():
        names = re.findall(r"{(\w+)}", path)
        for method in operations:
            for name in names:
                url = path.format(**{n: "a%00b" if n == name else "x" for n in names})
                response = owner.request(method.upper(), url,
                                         json={} if method in ("post", "put") else None)
                assert response.status_code == 400, (method, url, response.text)
                assert "NUL" in response.json()["message"], (method, url)
                checked += 1
    assert checked > 80
