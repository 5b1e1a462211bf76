"""`openhat apps`, `openhat owner reset-password` and `openhat keys rotate` against the
database a running app serves (both backends)."""

from __future__ import annotations

import json
from pathlib import Path

import jwt
import pytest
from click.testing import CliRunner, Result
from starlette.testclient import TestClient

from openhat.cli import main
from openhat.config import Settings
from openhat.hats import service as hats
from openhat.storage.base import Store
from tests.app_fixtures import API, NOTABLES, app_token
from tests.conftest import DOMAIN, OWNER, PASSWORD, login

STRONG = "correct-horse-battery-staple"


def run(settings: Settings, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, [*args, "--database", settings.database], input=stdin)


def validate(client: TestClient, token: str) -> int:
    return client.get("/users/access_token/validate",
                      headers={"X-Auth-Token": token}).status_code


def test_apps_add_list_remove(settings: Settings, owner: TestClient, tmp_path: Path) -> None:
    path = tmp_path / "notables.json"
    path.write_text(json.dumps(NOTABLES))
    added = run(settings, "apps", "add", str(path))
    assert added.exit_code == 0, added.output
    assert "Registered application notables" in added.output
    assert run(settings, "apps", "add", str(path)).output.startswith("Updated")
    assert owner.get(f"{API}/applications/notables").status_code == 200
    assert run(settings, "apps", "list").output == "notables\tnot set up\n"
    owner.get(f"{API}/applications/notables/setup")
    assert run(settings, "apps", "list").output == "notables\tenabled\n"
    removed = run(settings, "apps", "remove", "notables")
    assert removed.exit_code == 0, removed.output
    assert owner.get(f"{API}/applications/notables").status_code == 404
    assert run(settings, "apps", "remove", "notables").exit_code == 1


@pytest.mark.parametrize("content,message", [
    ("{", "is not JSON"),
    (json.dumps({**NOTABLES, "id": "bad id"}), "obj.id"),
])
def test_apps_add_refuses_bad_manifests(settings: Settings, hat: hats.NewHat, tmp_path: Path,
                                        content: str, message: str) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(content)
    result = run(settings, "apps", "add", str(path))
    assert result.exit_code == 1
    assert message in result.output


def test_domain_picks_the_hat_when_there_are_several(settings: Settings, store: Store,
                                                    hat: hats.NewHat, tmp_path: Path) -> None:
    hats.create_hat(store, "second.example.test", "someone", "another-password-1")
    path = tmp_path / "notables.json"
    path.write_text(json.dumps(NOTABLES))
    unclear = run(settings, "apps", "add", str(path))
    assert unclear.exit_code == 2
    assert "--domain" in unclear.output and "second.example.test" in unclear.output
    chosen = run(settings, "apps", "add", str(path), "--domain", "SECOND.example.test")
    assert chosen.exit_code == 0, chosen.output
    second = store.hats.by_domain("second.example.test")
    assert second is not None and store.applications.get(second.hat_id, "notables") is not None
    assert store.applications.get(hat.hat.hat_id, "notables") is None
    assert run(settings, "apps", "list", "--domain", "nowhere.test").exit_code == 2


def test_owner_reset_password(settings: Settings, client: TestClient, owner_token: str) -> None:
    weak = run(settings, "owner", "reset-password", "--password-stdin", stdin="simple\n")
    assert weak.exit_code == 1
    assert "strength" in weak.output
    assert validate(client, owner_token) == 200
    result = run(settings, "owner", "reset-password", "--password-stdin", stdin=STRONG + "\n")
    assert result.exit_code == 0, result.output
    assert validate(client, owner_token) == 401
    assert client.get("/users/access_token", headers={"username": OWNER, "password": PASSWORD}
                      ).status_code == 401
    assert validate(client, login(client, OWNER, STRONG)) == 200


def test_owner_reset_password_prompts_or_generates(settings: Settings, client: TestClient,
                                                   hat: hats.NewHat) -> None:
    prompted = run(settings, "owner", "reset-password", stdin=f"{STRONG}\n{STRONG}\n")
    assert prompted.exit_code == 0, prompted.output
    assert STRONG not in prompted.output  # hidden input is not echoed
    login(client, OWNER, STRONG)
    generated = run(settings, "owner", "reset-password", "--generate")
    assert generated.exit_code == 0, generated.output
    password = generated.output.split("(shown once): ")[1].strip()
    login(client, OWNER, password)


def test_keys_rotate_keeps_older_tokens_until_they_expire(settings: Settings,
                                                          owner: TestClient,
                                                          owner_token: str) -> None:
    owner.post(f"{API}/applications", json=NOTABLES)
    owner.get(f"{API}/applications/notables/setup")
    old_app_token = app_token(owner, "notables")
    old_key = owner.get("/publickey").text
    result = run(settings, "keys", "rotate")
    assert result.exit_code == 0, result.output
    assert "Retired 1 older key(s)" in result.output
    new_key = owner.get("/publickey").text
    assert new_key != old_key
    for token in (owner_token, old_app_token):
        response = owner.get("/users/access_token/validate", headers={"X-Auth-Token": token})
        assert response.status_code == 200
        refreshed = response.headers["X-Auth-Token"]  # moves to the new key
        jwt.decode(refreshed, new_key, algorithms=["RS256"], options={"verify_exp": False})
    fresh = login(owner)
    jwt.decode(fresh, new_key, algorithms=["RS256"])


def test_keys_rotate_revoke_refuses_older_tokens(settings: Settings, client: TestClient,
                                                 owner_token: str) -> None:
    first = run(settings, "keys", "rotate")
    assert first.exit_code == 0, first.output
    between = login(client)
    result = run(settings, "keys", "rotate", "--revoke")
    assert result.exit_code == 0, result.output
    assert "Revoked 2 older key(s)" in result.output
    assert validate(client, owner_token) == 401
    assert validate(client, between) == 401
    assert validate(client, login(client)) == 200


def test_admin_commands_need_a_hat(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path}/empty.db"
    result = CliRunner().invoke(main, ["keys", "rotate", "--database", database])
    assert result.exit_code == 2
    assert "no HAT" in result.output


def test_database_from_the_environment(settings: Settings, hat: hats.NewHat,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENHAT_DATABASE", settings.database)
    result = CliRunner().invoke(main, ["apps", "list", "--domain", DOMAIN])
    assert result.exit_code == 0, result.output
