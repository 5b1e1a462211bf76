"""The users routes over HTTP (spec 2.8, the original's `Users` controller): who may create
and manage whom, and that a disabled or deleted user's tokens stop at once."""

from __future__ import annotations

import uuid
from typing import Any

import jwt
import pytest
from starlette.testclient import TestClient

from tests.app_fixtures import installed_app
from tests.conftest import DOMAIN, OWNER, login

USERS = "/users/user"
STRONG = "correct-horse-battery-staple"
PRIVILEGED = {"message": "Forbidden",
              "cause": "Privileged account can not be enabled or disabled"}
FORBIDDEN = {"error": "Forbidden", "message": "Access Denied"}


def new_user(client: TestClient, name: str, *roles: str, password: str | None = STRONG,
             status: int = 201) -> dict[str, Any]:
    body: dict[str, Any] = {"email": name, "name": name,
                            "roles": [_role(r) for r in roles]}
    if password is not None:
        body["pass"] = password
    response = client.post(USERS, json=body)
    assert response.status_code == status, response.text
    return dict(response.json())


def _role(text: str) -> dict[str, str]:
    kind, _, detail = text.partition(":")
    return {"role": kind, "detail": detail} if detail else {"role": kind}


def as_user(client: TestClient, name: str, password: str = STRONG) -> TestClient:
    other = TestClient(client.app, base_url=f"http://{DOMAIN}")
    other.headers["X-Auth-Token"] = login(other, name, password)
    return other


def test_list_shows_the_owner_without_any_password(owner: TestClient) -> None:
    response = owner.get(USERS)
    assert response.status_code == 200
    [user] = response.json()
    assert user == {"userId": user["userId"], "email": OWNER, "name": OWNER, "role": "owner",
                    "roles": [{"role": "owner"}]}


def test_created_user_logs_in_with_its_roles(owner: TestClient) -> None:
    created = new_user(owner, "credit", "datacredit", "namespacewrite:rumpel")
    assert created["role"] == "datacredit" and "pass" not in created
    assert created["roles"] == [{"role": "datacredit"},
                                {"role": "namespacewrite", "detail": "rumpel"}]
    uuid.UUID(created["userId"])
    credit = as_user(owner, "credit")
    claims = jwt.decode(credit.headers["X-Auth-Token"], options={"verify_signature": False})
    assert claims["accessScope"] == "datacredit" and claims["sub"] == created["userId"]
    # the data routes' role rules are reachable now: its own namespace, and nothing else
    assert credit.post("/api/v2.6/data/rumpel/notes", json={"a": 1}).status_code == 201
    assert credit.post("/api/v2.6/data/other/notes", json={"a": 1}).status_code == 403
    assert credit.get("/api/v2.6/data/rumpel/notes").status_code == 403
    assert credit.post(USERS, json={"email": "x"}).json() == FORBIDDEN
    assert [u["email"] for u in credit.get(USERS).json()] == ["credit", OWNER]


@pytest.mark.parametrize(("roles", "status", "body"), [
    (("owner",), 400, {"message": "Invalid User",
                       "cause": "Users with privileged roles may not be created"}),
    (("datadebit", "owner"), 400, None),
    (("platform",), 201, None),  # the owner may create platform users (the original: no one)
])
def test_privileged_roles(owner: TestClient, roles: tuple[str, ...], status: int,
                          body: Any) -> None:
    created = new_user(owner, "someone", *roles, status=status)
    if body is not None:
        assert created == body


def test_platform_user_manages_ordinary_users_only(owner: TestClient) -> None:
    new_user(owner, "operator", "platform")
    other_platform = new_user(owner, "operator2", "platform")
    platform = as_user(owner, "operator")
    assert new_user(platform, "another", "platform", status=400)["message"] == "Invalid User"
    debit = new_user(platform, "debit", "datadebit")
    assert platform.put(f"{USERS}/{debit['userId']}/disable").status_code == 200
    response = platform.put(f"{USERS}/{other_platform['userId']}/disable")
    assert response.status_code == 403 and response.json() == PRIVILEGED
    assert owner.put(f"{USERS}/{other_platform['userId']}/disable").status_code == 200


def test_user_body_is_checked(owner: TestClient) -> None:
    response = owner.post(USERS, json={"roles": [{"role": "emperor"}], "userId": "x"})
    assert response.status_code == 400
    assert set(response.json()["message"]) == {"obj.email", "obj.roles[0].role", "obj.userId"}
    weak = owner.post(USERS, json={"email": "w", "pass": "simple"})
    assert weak.status_code == 400
    assert list(weak.json()["message"]) == ["obj.pass"]


def test_duplicate_name(owner: TestClient) -> None:
    new_user(owner, "credit", "datacredit")
    assert new_user(owner, "credit", "datadebit", status=400) == {
        "message": "Error creating user", "cause": "User credit already exists"}
    assert new_user(owner, OWNER, "datadebit", status=400)["message"] == "Error creating user"


def test_user_without_password_cannot_log_in(owner: TestClient) -> None:
    new_user(owner, "nopass", "datacredit", password=None)
    response = owner.get("/users/access_token", headers={"username": "nopass",
                                                         "password": ""})
    assert response.status_code == 401


def test_disabled_and_deleted_users_tokens_stop_at_once(owner: TestClient) -> None:
    user = new_user(owner, "credit", "datacredit", "namespacewrite:rumpel")
    credit = as_user(owner, "credit")
    one = f"{USERS}/{user['userId']}"
    assert owner.put(f"{one}/disable").json() == {"message": "Disabled"}
    assert credit.get(USERS).status_code == 401  # the next request is refused
    assert credit.get("/users/access_token", headers={
        "username": "credit", "password": STRONG}).status_code == 401
    assert owner.put(f"{one}/enable").json() == {"message": "Enabled"}
    credit = as_user(owner, "credit")
    assert owner.put(f"{one}/delete").json() == {"message": "Account deleted"}
    assert credit.get(USERS).status_code == 401
    assert [u["email"] for u in owner.get(USERS).json()] == [OWNER]
    assert owner.put(f"{one}/enable").status_code == 404


@pytest.mark.parametrize("action", ["enable", "disable", "delete"])
def test_the_owner_cannot_be_changed(owner: TestClient, action: str) -> None:
    owner_id = owner.get(USERS).json()[0]["userId"]
    response = owner.put(f"{USERS}/{owner_id}/{action}")
    assert response.status_code == 403 and response.json() == PRIVILEGED
    for roles in ([{"role": "owner"}], [{"role": "datacredit"}]):  # kept, or taken away
        update = owner.put(f"{USERS}/{owner_id}/update",
                           json={"userId": owner_id, "email": OWNER, "roles": roles})
        assert update.status_code == 403 and update.json() == PRIVILEGED
    login(owner)  # still there, still enabled


@pytest.mark.parametrize("user_id", ["0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", "not-a-uuid"])
def test_unknown_user(owner: TestClient, user_id: str) -> None:
    response = owner.put(f"{USERS}/{user_id}/disable")
    assert response.status_code == 404
    assert response.json() == {"message": "No such User",
                               "cause": f"User {user_id} does not exist"}


def test_update(owner: TestClient) -> None:
    user = new_user(owner, "credit", "datacredit")
    credit = as_user(owner, "credit")
    one = f"{USERS}/{user['userId']}/update"
    body = {"userId": user["userId"], "email": "credit2", "name": "credit2",
            "roles": [{"role": "datadebit"}], "pass": "another-very-long-password"}
    wrong_id = owner.put(one, json={**body, "userId": str(uuid.uuid4())})
    assert wrong_id.status_code == 404
    response = owner.put(one, json=body)
    assert response.status_code == 201
    assert response.json()["email"] == "credit2" and response.json()["role"] == "datadebit"
    assert credit.get(USERS).status_code == 401  # a new password refuses earlier tokens
    as_user(owner, "credit2", "another-very-long-password")
    new_user(owner, "taken", "datacredit")
    clash = owner.put(one, json={**body, "email": "taken"})
    assert clash.status_code == 400 and clash.json()["message"] == "Error creating user"
    escalate = owner.put(one, json={**body, "roles": [{"role": "owner"}]})
    assert escalate.status_code == 403 and escalate.json() == PRIVILEGED


def test_users_routes_need_a_token_and_the_right_role(client: TestClient,
                                                      owner: TestClient) -> None:
    assert client.get(USERS, headers={"X-Auth-Token": ""}).status_code == 401
    anonymous = TestClient(client.app, base_url=f"http://{DOMAIN}")
    assert anonymous.get(USERS).status_code == 401
    assert anonymous.post(USERS, json={"email": "x"}).status_code == 401
    new_user(owner, "debit", "datadebit")
    debit = as_user(owner, "debit")
    user = new_user(owner, "victim", "datacredit")
    for action in ("enable", "disable", "delete"):
        assert debit.put(f"{USERS}/{user['userId']}/{action}").json() == FORBIDDEN


def test_application_with_owner_grant_manages_users(owner: TestClient) -> None:
    token = installed_app(owner, "manager", "owner")
    app = TestClient(owner.app, base_url=f"http://{DOMAIN}", headers={"X-Auth-Token": token})
    assert new_user(app, "made-by-app", "datacredit")["email"] == "made-by-app"
    assert new_user(app, "op", "platform", status=400)["message"] == "Invalid User"
    plain = installed_app(owner, "plain", "namespaceread:rumpel")
    assert owner.post(USERS, json={"email": "z"}, headers={
        "X-Auth-Token": plain}).json() == FORBIDDEN
