"""Cached request contexts (openhat/hats/contexts.py) across worker processes: with
`--workers 2`, a password change, a disabled application, a key rotation and a removed HAT
each take effect on the very next request, whichever worker answers it.

Every check goes over new connections (`Connection: close`), which the two workers accept
in turn as they come, and the caches are filled over as many first: each worker has a
context in hand when the change lands.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2 as httpx
import pytest

from tests.app_fixtures import manifest
from tests.servers import serving

PASSWORD = "a-long-test-password-for-serving"
NEW_PASSWORD = "another-long-password-for-the-owner"
ENV = {"OPENHAT_OWNER_PASSWORD": PASSWORD}
ROUNDS = 12  # requests per check, each on a new connection


@contextmanager
def _database(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path}/hat.db"
        return
    from tests.conftest import postgres_schema

    with postgres_schema() as url:
        yield url


def _statuses(base: str, path: str, token: str) -> set[int]:
    return {httpx.get(f"{base}{path}", headers={"X-Auth-Token": token, "Connection": "close"}
                      ).status_code for _ in range(ROUNDS)}


def _call(base: str, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
    response = httpx.request(method, f"{base}{path}", headers={"X-Auth-Token": token},
                             **kwargs)
    assert response.status_code < 300, response.text
    return response


def _login(base: str, password: str = PASSWORD) -> str:
    response = httpx.get(f"{base}/users/access_token",
                         headers={"username": "owner", "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["accessToken"])


def _cli(database: str, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "openhat", *args, "--database", database],
                   check=True, capture_output=True)


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_changes_reach_every_worker_on_the_next_request(kind: str, tmp_path: Path) -> None:
    with _database(kind, tmp_path) as database, serving(
            tmp_path, "--database", database, "--workers", "2", env=ENV,
            start_s=180) as (base, _):
        validate = "/users/access_token/validate"
        # a password change refuses the tokens issued before it
        earlier = _login(base)
        assert _statuses(base, validate, earlier) == {200}
        time.sleep(1.1)  # a change within a token's second counts from the next one
        changed = _call(base, "POST", "/control/v2/auth/password", earlier,
                        json={"password": PASSWORD, "newPassword": NEW_PASSWORD})
        owner = changed.headers["X-Auth-Token"]
        assert _statuses(base, validate, earlier) == {401}
        assert _statuses(base, validate, owner) == {200}

        # a disabled application's tokens are refused
        _call(base, "POST", "/api/v2.6/applications", owner,
              json=manifest("cached", "namespaceread:rumpel"))
        _call(base, "GET", "/api/v2.6/applications/cached/setup", owner)
        app = _call(base, "GET", "/api/v2.6/applications/cached/access-token",
                    owner).json()["accessToken"]
        reading = "/api/v2.6/data/rumpel/notes"
        assert _statuses(base, reading, app) == {200}
        _call(base, "GET", "/api/v2.6/applications/cached/disable", owner)
        assert _statuses(base, reading, app) == {401}

        # a key rotation with --revoke refuses every token the old key signed
        _cli(database, "keys", "rotate", "--revoke")
        assert _statuses(base, validate, owner) == {401}
        fresh = _login(base, NEW_PASSWORD)
        assert _statuses(base, validate, fresh) == {200}

        # a removed HAT answers no more
        _cli(database, "hats", "remove", "--yes", urlsplit(base).netloc)
        assert _statuses(base, validate, fresh) == {404}
