"""Changing the owner's password (spec 2.7; AuthenticationSpec #10-13, spec 7.6): weak
passwords refused, the old password required, and every earlier token refused after."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from openhat.identity import passwords, users
from openhat.storage.base import Store
from tests.app_fixtures import installed_app
from tests.conftest import OWNER, PASSWORD, login

ROUTE = "/control/v2/auth/password"
STRONG = "some-passwords-are-better-than-others"


def test_data_debit_user_may_not_change_the_password(client: TestClient, store: Store) -> None:
    hat = store.hats.all()[0]
    with store.write() as tx:
        tx.users.add(users.new_user(hat.hat_id, "dataDebitUser", PASSWORD, ("datadebit",)))
    token = login(client, "dataDebitUser", PASSWORD)
    response = client.post(ROUTE, json={"password": PASSWORD, "newPassword": STRONG},
                           headers={"X-Auth-Token": token})
    assert response.status_code == 403
    assert response.json() == {"error": "Forbidden", "message": "Access Denied"}


@pytest.mark.parametrize("body,cause", [
    ({"password": "wrong", "newPassword": STRONG}, "Old password invalid"),
    ({"newPassword": STRONG}, "Old password missing"),
    ({"password": "", "newPassword": STRONG}, "Old password missing"),
])
def test_old_password_is_required(owner: TestClient, body: dict[str, str], cause: str) -> None:
    response = owner.post(ROUTE, json=body)
    assert response.status_code == 403
    assert response.json() == {"message": "Invalid password", "cause": cause}
    assert login(owner, OWNER, PASSWORD)  # unchanged


@pytest.mark.parametrize("new_password", ["simple", "password1", "aaaaaaaaaaaa", "qwerty123"])
def test_weak_password_is_a_400(owner: TestClient, new_password: str) -> None:
    response = owner.post(ROUTE, json={"password": PASSWORD, "newPassword": new_password})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Bad Request"
    [problem] = body["message"]["obj.newPassword"]
    assert problem["msg"] == [passwords.WEAK]
    assert isinstance(problem["args"], list)


@pytest.mark.parametrize("body,path", [
    ({"password": PASSWORD}, "obj.newPassword"),
    ({"password": PASSWORD, "newPassword": 5}, "obj.newPassword"),
    ({"password": 5, "newPassword": STRONG}, "obj.password"),
    ([], "obj"),
])
def test_malformed_body_is_a_400(owner: TestClient, body: Any, path: str) -> None:
    response = owner.post(ROUTE, json=body)
    assert response.status_code == 400
    assert path in response.json()["message"]


def test_body_shape_is_checked_before_the_token(client: TestClient) -> None:
    malformed = client.post(ROUTE, json={"password": PASSWORD, "newPassword": 5})
    assert malformed.status_code == 400  # as the original's body parser
    strong = client.post(ROUTE, json={"password": PASSWORD, "newPassword": STRONG})
    assert strong.status_code == 401


def test_strength_is_scored_only_for_an_authenticated_caller(client: TestClient) -> None:
    """Security finding 5: the strength check (~60 ms of zxcvbn) ran before authentication,
    so unauthenticated clients could keep the server busy; now they get 401 first."""
    calls = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "weakness", lambda password: calls.append(password))
        weak = client.post(ROUTE, json={"password": PASSWORD, "newPassword": "simple"})
    assert weak.status_code == 401
    assert calls == []


def test_old_password_guesses_are_limited_per_token(owner: TestClient) -> None:
    """Security finding 8: a stolen token could guess the old password ~23 times a second."""
    wrong = {"password": "not-the-password", "newPassword": STRONG}
    answers = [owner.post(ROUTE, json=wrong).status_code for _ in range(6)]
    assert answers == [403] * 5 + [429]
    right = owner.post(ROUTE, json={"password": PASSWORD, "newPassword": STRONG})
    assert right.status_code == 429  # even the right password waits: the token is throttled
    assert right.json()["message"] == "Request rate exceeded"
    fresh = login(owner, OWNER, PASSWORD)  # another session has its own allowance
    changed = owner.post(ROUTE, json={"password": PASSWORD, "newPassword": STRONG},
                         headers={"X-Auth-Token": fresh})
    assert changed.status_code == 200


def test_password_change_refuses_earlier_tokens(owner: TestClient, owner_token: str) -> None:
    other_session = login(owner)
    response = owner.post(ROUTE, json={"password": PASSWORD, "newPassword": STRONG})
    assert response.status_code == 200
    assert response.json() == {"message": "Password changed"}
    fresh = response.headers["X-Auth-Token"]
    assert fresh not in (owner_token, other_session)
    for token in (owner_token, other_session):
        refused = owner.get("/users/access_token/validate", headers={"X-Auth-Token": token})
        assert refused.status_code == 401
    assert owner.get("/users/access_token/validate",
                     headers={"X-Auth-Token": fresh}).status_code == 200
    old = owner.get("/users/access_token", headers={"username": OWNER, "password": PASSWORD})
    assert old.status_code == 401
    new_login = login(owner, OWNER, STRONG)  # within the same second as the change
    assert owner.get("/users/access_token/validate",
                     headers={"X-Auth-Token": new_login}).status_code == 200


def test_tokens_issued_in_the_second_of_a_change_are_accepted(owner: TestClient) -> None:
    """The change takes effect at the next whole second; every token issued for the new
    password before then (an application's, a service's) must still be accepted (CI failure
    of stop 21: an application token issued right after a change was refused)."""
    changed = owner.post(ROUTE, json={"password": PASSWORD, "newPassword": STRONG})
    assert changed.status_code == 200
    owner.headers["X-Auth-Token"] = changed.headers["X-Auth-Token"]
    app = installed_app(owner, "reader", "namespaceread:rumpel")
    service = owner.get("/users/application_token",
                        params={"name": "svc", "resource": "https://svc.example/"})
    assert service.status_code == 200
    for token in (app, service.json()["accessToken"]):
        answer = owner.get("/users/access_token/validate", headers={"X-Auth-Token": token})
        assert answer.status_code == 200
    assert owner.get("/api/v2.6/data/rumpel/notes",
                     headers={"X-Auth-Token": app}).status_code == 200


def test_app_tokens_may_not_change_the_password(owner: TestClient) -> None:
    token = installed_app(owner, "boss", "owner")
    response = owner.post(ROUTE, json={"password": PASSWORD, "newPassword": STRONG},
                          headers={"X-Auth-Token": token})
    assert response.status_code == 403


def test_long_passwords_are_scored_and_bounded(owner: TestClient) -> None:
    response = owner.post(ROUTE, json={"password": PASSWORD,
                                       "newPassword": "x" * (passwords.MAX_LENGTH + 1)})
    assert response.status_code == 400
    long_and_strong = STRONG * 3  # longer than zxcvbn's limit
    response = owner.post(ROUTE, json={"password": PASSWORD, "newPassword": long_and_strong})
    assert response.status_code == 200
