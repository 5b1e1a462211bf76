"""Service tokens and hatlogin over HTTP (spec 2.2, 2.6; AuthenticationSpec #4-6 of spec
7.6): the legacy `validate` token, good for `/users/access_token/validate` and nothing else,
and the redirect check against a registered application's `setup.validRedirectUris`."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from starlette.testclient import TestClient

from tests.api.test_accounts_users import as_user, new_user
from tests.app_fixtures import NOTABLES, register
from tests.conftest import DOMAIN, PASSWORD

APP_TOKEN = "/users/application_token"
HATLOGIN = "/control/v2/auth/hatlogin"
FORBIDDEN = {"error": "Forbidden", "message": "Access Denied"}


def claims(token: str) -> dict[str, object]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def test_application_token_is_a_validate_token(owner: TestClient) -> None:
    response = owner.get(APP_TOKEN, params={"name": "legacy",
                                            "resource": "https://legacy.example.com/"})
    assert response.status_code == 200
    body = response.json()
    owner_id = owner.get("/users/user").json()[0]["userId"]
    assert body["userId"] == owner_id
    found = claims(body["accessToken"])
    assert found["accessScope"] == "validate"
    assert found["resource"] == "https://legacy.example.com/"
    assert found["iss"] == DOMAIN and found["sub"] == owner_id


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/users/user", None),
    ("GET", "/api/v2.6/data/rumpel/notes", None),
    ("POST", "/api/v2.6/data/rumpel/notes", {"a": 1}),
    ("GET", "/api/v2.6/data-debit", None),
    ("GET", "/api/v2.6/applications", None),
    ("GET", APP_TOKEN + "?name=a&resource=https://a.io/", None),
    ("GET", HATLOGIN + "?name=a&redirect=https://a.io/", None),
    ("POST", "/control/v2/auth/password",
     {"password": PASSWORD, "newPassword": "some-passwords-are-better-than-others"}),
    ("POST", "/users/user", {"email": "x"}),
])
def test_a_service_token_passes_only_validate(owner: TestClient, method: str, path: str,
                                              body: object) -> None:
    token = owner.get(APP_TOKEN, params={"name": "legacy",
                                         "resource": "https://legacy.example.com/"}
                      ).json()["accessToken"]
    headers = {"X-Auth-Token": token}
    assert owner.get("/users/access_token/validate", headers=headers).json() == {
        "message": "Authenticated"}
    response = owner.request(method, path, headers=headers, json=body)
    assert response.status_code == 403, response.text
    assert response.json() == FORBIDDEN


@pytest.mark.parametrize("params", [
    {"name": "legacy"},
    {"resource": "https://legacy.example.com/"},
    {"name": "legacy", "resource": "not a url"},
    {"name": "legacy", "resource": "javascript:alert(1)"},
    {"name": "", "resource": "https://legacy.example.com/"},
])
def test_application_token_parameters(owner: TestClient, params: dict[str, str]) -> None:
    response = owner.get(APP_TOKEN, params=params)
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"


def test_hatlogin_unknown_identity(client: TestClient) -> None:
    response = client.get(HATLOGIN, params={"name": "app", "redirect": "https://a.io/"},
                          headers={"X-Auth-Token": "not-a-token"})
    assert response.status_code == 401  # 7.6 #4


def test_hatlogin_data_debit_user(owner: TestClient) -> None:
    new_user(owner, "dataDebitUser", "datadebit")
    debit = as_user(owner, "dataDebitUser")
    response = debit.get(HATLOGIN, params={"name": "app", "redirect": "https://a.io/"})
    assert response.status_code == 403 and response.json() == FORBIDDEN  # 7.6 #5
    assert debit.get(APP_TOKEN, params={"name": "a",
                                        "resource": "https://a.io/"}).json() == FORBIDDEN


def test_hatlogin_owner(owner: TestClient) -> None:
    redirect = "https://hatters.example.com/authenticate/hat?state=x&token=old"
    response = owner.get(HATLOGIN, params={"name": "hatters", "redirect": redirect})
    assert response.status_code == 200  # 7.6 #6
    url = response.json()["message"]
    assert url.startswith("https://hatters.example.com/authenticate/hat?")
    query = parse_qs(urlsplit(url).query)
    assert query["state"] == ["x"]
    [token] = query["token"]
    assert claims(token)["accessScope"] == "validate"
    assert claims(token)["resource"] == redirect
    assert owner.get("/users/access_token/validate",
                     headers={"X-Auth-Token": token}).status_code == 200


@pytest.mark.parametrize(("redirect", "allowed"), [
    ("https://notables.example.com/", True),
    ("https://notables.example.com/callback?x=1", True),
    ("https://NOTABLES.example.com/callback", True),
    ("https://evil.example.com/", False),  # unlisted
    ("https://notables.example.com.evil.io/", False),  # a prefix, not the host
    ("http://notables.example.com/", False),  # another scheme
    ("https://notables.example.com:8443/", False),  # another port
    ("ftp://notables.example.com/", False),
])
def test_hatlogin_checks_a_registered_apps_redirects(owner: TestClient, redirect: str,
                                                     allowed: bool) -> None:
    register(owner, NOTABLES)
    response = owner.get(HATLOGIN, params={"name": "notables", "redirect": redirect})
    assert response.status_code == (200 if allowed else 400), response.text
    if allowed:
        assert "token=" in response.json()["message"]
    else:
        assert response.json()["error"] == "Bad Request"


def test_hatlogin_needs_both_parameters(owner: TestClient) -> None:
    assert owner.get(HATLOGIN, params={"name": "x"}).json() == {
        "error": "Bad Request", "message": "Missing parameter: redirect"}
