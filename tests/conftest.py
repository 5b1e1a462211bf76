"""Fixtures: a real database per test, a HAT on it, the app, an HTTP client and the owner's
token.

`database_url` is parametrized over both backends, so every test that touches a store runs on
SQLite (a file of its own) and on PostgreSQL (a schema of its own, dropped afterwards): one
suite, both backends. Tests talk HTTP to the app in-process (Starlette's TestClient); nothing
of our own is mocked.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from openhat.config import Settings
from openhat.hats import service as hats
from openhat.storage import open_store
from openhat.storage.base import Store
from openhat.web.app import create_app
from tests import profiles
from tests.realparts import missing

# The PostgreSQL server the tests use; each test makes its own schema or database on it.
POSTGRES_URL = os.environ.get("OPENHAT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")

# Hypothesis: repeatable in a strict run, fresh examples elsewhere, many under
# HYPOTHESIS_PROFILE=long (tests/profiles.py).
profiles.load()

DOMAIN = "hat.example.test"
OWNER = "hatuser"
PASSWORD = "pa55w0rd"


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing() -> Iterator[None]:
    """argon2 at production cost takes ~0.1-0.5 s per hash on these machines and every test
    creates a HAT and logs in; tests use a cheap cost (as Django's test settings do). The
    production parameters are tested in tests/unit/test_users.py."""
    from argon2 import PasswordHasher

    from openhat.identity import users

    with pytest.MonkeyPatch.context() as patch:
        cheap = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)
        patch.setattr(users, "_hasher", cheap)
        patch.setattr(users, "_DUMMY_HASH", cheap.hash("dummy"))
        yield


@pytest.fixture(autouse=True, scope="session")
def reused_rsa_keys() -> Iterator[None]:
    """A 2048-bit RSA key takes ~70 ms to make and every test creates a HAT: tests draw real
    keys from a pool of KEY_POOL made once per process, in turn, so HATs (and rotations) of
    one test still hold different keys. tests/unit/test_tokens.py makes fresh ones."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from openhat.identity import tokens

    made: list[rsa.RSAPrivateKey] = []
    generate = rsa.generate_private_key
    turn = iter(range(1 << 62))

    def pooled(public_exponent: int, key_size: int) -> rsa.RSAPrivateKey:
        if len(made) < KEY_POOL:
            made.append(generate(public_exponent=public_exponent, key_size=key_size))
            return made[-1]
        return made[next(turn) % KEY_POOL]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tokens.rsa, "generate_private_key", pooled)
        yield


@contextmanager
def fresh_rsa_keys() -> Iterator[None]:
    """Within the block, keys are made anew (not drawn from the tests' pool)."""

    from openhat.identity import tokens

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tokens.rsa, "generate_private_key", _REAL_RSA)
        yield


KEY_POOL = 16


def _real_rsa() -> Callable[..., object]:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key


_REAL_RSA = _real_rsa()  # taken at import, before the session's pool replaces it


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database file with every migration applied, made once per process: each
    test's database starts as a copy (migrating takes ~65 ms; copying, under 1 ms)."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    store = open_store(f"sqlite:///{path}")
    store.migrate()
    store.close()
    return path


_postgres_down: str | None = None  # why PostgreSQL is unreachable, once found out


def require_postgres() -> None:
    """Skip the test when PostgreSQL is unreachable, or fail it in a strict run (see
    tests/realparts.py), so CI can never pass with the PostgreSQL half of the suite skipped."""
    global _postgres_down
    import psycopg

    if _postgres_down is None:
        try:
            psycopg.connect(POSTGRES_URL, connect_timeout=5).close()
            _postgres_down = ""
        except psycopg.Error as exc:
            _postgres_down = f"PostgreSQL unreachable at {POSTGRES_URL}: {exc}"
    if _postgres_down:
        missing(_postgres_down)


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(sql.encode())


def _with_params(url: str, **params: str) -> str:
    joined = "&".join(f"{key}={quote(value)}" for key, value in params.items())
    return f"{url}{'&' if '?' in url else '?'}{joined}"


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A URL whose connections see only a new, empty schema (dropped afterwards): cheaper
    than a database per test, and as isolated for everything openhat does."""
    require_postgres()
    schema = f"t_{secrets.token_hex(6)}"
    _admin(f"CREATE SCHEMA {schema}")
    try:
        yield _with_params(POSTGRES_URL, options=f"-csearch_path={schema}")
    finally:
        _admin(f"DROP SCHEMA {schema} CASCADE")


@contextmanager
def postgres_database() -> Iterator[str]:
    """A URL of a new, empty database (dropped afterwards), for tests that need separate
    databases, such as moving a HAT between them."""
    require_postgres()
    name = f"openhat_t_{secrets.token_hex(6)}"
    _admin(f"CREATE DATABASE {name} TEMPLATE template0")
    base = POSTGRES_URL.split("?")[0].rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database of each backend, holding no HAT (SQLite's already migrated)."""
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), tmp_path / "hat.db")
        yield f"sqlite:///{tmp_path / 'hat.db'}"
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def new_postgres_database() -> Iterator[Callable[[], str]]:
    """Makes new, empty PostgreSQL databases on demand; drops them all afterwards."""
    with ExitStack() as stack:
        yield lambda: stack.enter_context(postgres_database())


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


def hat_id_of(url: str, domain: str) -> str:
    """The id of the HAT with `domain` in the database at `url`."""
    store = open_store(url)
    try:
        hat = store.hats.by_domain(domain)
        assert hat is not None
        return hat.hat_id
    finally:
        store.close()


@pytest.fixture
def owner_token(client: TestClient) -> str:
    return login(client)


@pytest.fixture
def owner(client: TestClient, owner_token: str) -> TestClient:
    """The client with the owner's token on every request."""
    client.headers["X-Auth-Token"] = owner_token
    return client


# --- fuzz request count (tests/fuzz) -------------------------------------------------------

def pytest_sessionfinish(session: pytest.Session) -> None:
    from tests.fuzz import counting

    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the count to the controller
        workeroutput["fuzzed_requests"] = counting.sent


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    from tests.fuzz import counting

    counting.count(int(getattr(node, "workeroutput", {}).get("fuzzed_requests", 0)))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.fuzz import counting

    if counting.sent:
        terminalreporter.write_line(f"fuzzed requests: {counting.sent}")
