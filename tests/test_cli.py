"""The `openhat` command, run as a real process: first start, restart, flags and variables."""

from __future__ import annotations

import re
from pathlib import Path

import httpx2 as httpx
from click.testing import CliRunner

from openhat.cli import main
from openhat.config import SETTINGS
from openhat.storage import open_store
from tests.servers import serving


def login(base: str, username: str, password: str) -> httpx.Response:
    return httpx.get(f"{base}/users/access_token",
                     headers={"username": username, "password": password})


def test_first_start_creates_the_hat_and_later_starts_reuse_it(tmp_path: Path) -> None:
    with serving(tmp_path) as (base, output):
        password = re.search(r"password \(shown once\): (\S+)", output)
        assert password, output
        response = login(base, "owner", password.group(1))
        assert response.status_code == 200
        token = response.json()["accessToken"]
    assert (tmp_path / "openhat-data" / "openhat.db").exists()  # the default database
    with serving(tmp_path) as (base, output):
        assert "shown once" not in output
        assert login(base, "owner", password.group(1)).status_code == 200
        validate = httpx.get(f"{base}/users/access_token/validate",
                             headers={"X-Auth-Token": token})
        assert validate.status_code == 200  # same key pair after a restart


def test_owner_and_password_from_the_environment(tmp_path: Path) -> None:
    env = {"OPENHAT_OWNER": "alice", "OPENHAT_OWNER_PASSWORD": "correct-horse-battery",
           "OPENHAT_DATABASE": f"sqlite:///{tmp_path}/alice.db",
           "OPENHAT_DOMAIN": "alice.example.com"}
    with serving(tmp_path, env=env) as (base, output):
        assert "shown once" not in output
        response = login(base, "alice", "correct-horse-battery")
        assert response.status_code == 200
        import jwt

        claims = jwt.decode(response.json()["accessToken"], options={"verify_signature": False})
        assert claims["iss"] == "alice.example.com"
    assert (tmp_path / "alice.db").exists()


def test_domain_defaults_to_host_and_port_and_flags_beat_variables(tmp_path: Path) -> None:
    env = {"OPENHAT_OWNER_PASSWORD": "correct-horse-battery",
           "OPENHAT_DATABASE": "sqlite:///ignored.db"}
    with serving(tmp_path, "--database", f"sqlite:///{tmp_path}/flag.db", env=env) as (base, _):
        import jwt

        token = login(base, "owner", "correct-horse-battery").json()["accessToken"]
        assert jwt.decode(token, options={"verify_signature": False})["iss"] == \
            base.removeprefix("http://")
    assert (tmp_path / "flag.db").exists()
    assert not (tmp_path / "ignored.db").exists()


def test_serve_help_documents_every_setting() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for setting in SETTINGS:
        assert "--" + setting.name.replace("_", "-") in result.output
        assert setting.env in result.output


def test_bad_database_url_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["migrate", "--database", "mysql://nope"])
    assert result.exit_code == 2
    assert "unsupported database URL" in result.output


def test_migrate(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/m.db"
    result = CliRunner().invoke(main, ["migrate", "--database", url])
    assert result.exit_code == 0, result.output
    store = open_store(url)
    try:
        assert store.migrate() == []  # every migration was applied by the command
        assert store.hats.all() == []  # and nothing else was made
    finally:
        store.close()
