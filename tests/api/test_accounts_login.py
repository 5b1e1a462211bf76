"""Login protection over HTTP: the per-account limit with backoff beside the per-address
one, and the login log (time, address, outcome) with the previous successful login."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from openhat.accounts import logins
from openhat.hats import service as hats
from openhat.storage.base import Store
from tests.conftest import OWNER, PASSWORD, login

TOKEN = "/users/access_token"


def attempt(client: TestClient, username: str, password: str) -> int:
    return client.get(TOKEN, headers={"username": username, "password": password}).status_code


@pytest.mark.parametrize("username", [
    OWNER,
    "nobody",  # an unknown name waits the same: the limit tells nothing about who exists
])
def test_an_account_waits_after_five_failures(client: TestClient, username: str) -> None:
    assert [attempt(client, username, "wrong") for _ in range(5)] == [401] * 5
    response = client.get(TOKEN, headers={"username": username, "password": PASSWORD})
    assert response.status_code == 429  # the right password is not even checked
    assert response.json() == {"message": "Request rate exceeded",
                               "cause": "Too many failed logins for this account: try again"
                                        " later",
                               "details": ["Request to /users/access_token"]}
    assert attempt(client, "someone-else", "wrong") == 401  # other accounts are not held


def test_a_success_ends_the_count(client: TestClient) -> None:
    for _ in range(4):
        attempt(client, OWNER, "wrong")
    login(client)
    assert [attempt(client, OWNER, "wrong") for _ in range(4)] == [401] * 4
    login(client)


def test_the_login_log(client: TestClient, store: Store, hat: hats.NewHat) -> None:
    owner = store.users.owner(hat.hat.hat_id)
    assert owner is not None
    login(client)
    assert logins.previous_login(store, hat.hat.hat_id, owner.user_id) is None  # "Never"
    attempt(client, OWNER, "wrong")
    login(client)
    for _ in range(5):
        attempt(client, OWNER, "wrong")
    attempt(client, OWNER, PASSWORD)
    entries = store.accounts.logins(hat.hat.hat_id)
    assert [e.outcome for e in entries] == (
        ["throttled"] + ["failure"] * 5 + ["success", "failure", "success"])
    assert {e.address for e in entries} == {"testclient"}
    assert all(e.username == OWNER for e in entries)
    assert entries[-1].at <= entries[0].at
    assert entries[2].user_id is None and entries[-1].user_id == owner.user_id
    previous = logins.previous_login(store, hat.hat.hat_id, owner.user_id)
    assert previous is not None and previous == entries[-1]
