"""Fixtures: a real database per test (SQLite file; PostgreSQL once that backend lands), a HAT
on it, the app, an HTTP client and the owner's token.

Tests talk HTTP to the app in-process (Starlette's TestClient); nothing of our own is mocked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from openhat import hats
from openhat.config import Settings
from openhat.storage import open_store
from openhat.storage.base import Store
from openhat.web.app import create_app

DOMAIN = "hat.example.test"
OWNER = "hatuser"
PASSWORD = "pa55w0rd"


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing() -> Iterator[None]:
    """argon2 at production cost takes ~0.1-0.5 s per hash on these machines and every test
    creates a HAT and logs in; tests use a cheap cost (as Django's test settings do). The
    production parameters are tested in tests/unit/test_users.py."""
    from argon2 import PasswordHasher

    from openhat import users

    with pytest.MonkeyPatch.context() as patch:
        cheap = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)
        patch.setattr(users, "_hasher", cheap)
        patch.setattr(users, "_DUMMY_HASH", cheap.hash("dummy"))
        yield


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hat.db'}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database=database_url, domain=DOMAIN, owner=OWNER, owner_password=PASSWORD)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    store = open_store(settings.database)
    store.migrate()
    yield store
    store.close()


@pytest.fixture
def hat(store: Store) -> hats.NewHat:
    return hats.create_hat(store, DOMAIN, OWNER, PASSWORD)


@pytest.fixture
def app(settings: Settings, store: Store, hat: hats.NewHat):  # type: ignore[no-untyped-def]
    return create_app(settings, store)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url=f"http://{DOMAIN}") as client:
        yield client


def login(client: TestClient, username: str = OWNER, password: str = PASSWORD) -> str:
    response = client.get("/users/access_token",
                          headers={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["accessToken"])


@pytest.fixture
def owner_token(client: TestClient) -> str:
    return login(client)


@pytest.fixture
def owner(client: TestClient, owner_token: str) -> TestClient:
    """The client with the owner's token on every request."""
    client.headers["X-Auth-Token"] = owner_token
    return client
