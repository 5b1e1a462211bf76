"""The owner's address from the operator: `OPENHAT_OWNER_EMAIL` on a real `openhat serve`
(with a real SMTP server receiving the reset mail), and `openhat owner set-email`."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx2 as httpx
from click.testing import CliRunner
from starlette.testclient import TestClient

from openhat.accounts import verification
from openhat.cli import main
from openhat.config import Settings
from openhat.hats import service as hats
from openhat.storage.base import Store
from tests.servers import serving
from tests.smtp import Inbox, smtp_server

RESET = "/control/v2/auth/passwordReset"
STRONG = "correct-horse-battery-staple"


def wait_for_mail(inbox: Inbox, count: int = 1) -> None:
    deadline = time.monotonic() + 15
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(inbox.messages) >= count, "no mail arrived"


def test_serve_mails_a_reset_link_to_the_owner_email(tmp_path: Path) -> None:
    with smtp_server() as inbox:
        env = {"OPENHAT_OWNER_PASSWORD": STRONG, "OPENHAT_OWNER_EMAIL": "me@example.org",
               "OPENHAT_SMTP_URL": f"smtp://127.0.0.1:{inbox.port}",
               "OPENHAT_DATABASE": f"sqlite:///{tmp_path}/hat.db"}
        with serving(tmp_path, env=env) as (base, _):
            answer = httpx.post(f"{base}{RESET}", json={"email": "me@example.org"})
            assert answer.status_code == 200
            wait_for_mail(inbox)
            assert inbox.messages[0]["To"] == "me@example.org"
            assert inbox.messages[0]["From"] == "openhat@127.0.0.1"
            # loopback: the link is plain http, on the address the HAT is served at
            found = re.search(rf"{re.escape(base)}/#/user/password/change/(\S+)", inbox.text())
            assert found, inbox.text()
            done = httpx.post(f"{base}/control/v2/auth/passwordreset/confirm/{found.group(1)}",
                              json={"newPassword": "a-brand-new-long-password"})
            assert done.status_code == 200
            assert httpx.get(f"{base}/users/access_token", headers={
                "username": "owner", "password": "a-brand-new-long-password"}).status_code == 200


def test_owner_set_email(settings: Settings, store: Store, hat: hats.NewHat,
                         client: TestClient) -> None:
    bad = CliRunner().invoke(main, ["owner", "set-email", "nope", "--database",
                                    settings.database])
    assert bad.exit_code != 0 and "not an email address" in bad.output
    result = CliRunner().invoke(main, ["owner", "set-email", "Me@Example.org ", "--database",
                                       settings.database])
    assert result.exit_code == 0, result.output
    assert "set to Me@Example.org" in result.output
    assert verification.owner_email(store, hat.hat.hat_id) == "Me@Example.org"
