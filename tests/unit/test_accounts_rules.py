"""The accounts area's pure rules: the per-account wait, redirect matching, mail links and
SMTP URLs."""

from __future__ import annotations

import pytest

from openhat.accounts.logins import MAX_WAIT_MS, wait_ms
from openhat.accounts.mail import parse_smtp_url
from openhat.accounts.mailtokens import reset_link
from openhat.accounts.services import redirect_allowed, with_token
from openhat.storage.rows import LoginEntry

NOW = 1_700_000_000_000


def entries(*outcomes: str, last_at: int = NOW) -> list[LoginEntry]:
    """Newest first, one second apart, the newest at `last_at`."""
    return [LoginEntry(last_at - i * 1000, "a", "u", None, o) for i, o in enumerate(outcomes)]


@pytest.mark.parametrize(("outcomes", "expected"), [
    ((), 0),
    (("failure",) * 4, 0),  # the first five are free
    (("failure",) * 5, 2000),
    (("failure",) * 6, 4000),  # doubling
    (("failure",) * 5 + ("success",) + ("failure",) * 9, 2000),  # a success ends the count
    (("failure",) * 4 + ("reset",) + ("failure",) * 9, 0),  # so does a reset
    (("throttled",) + ("failure",) * 4, 0),  # throttled attempts do not count
    (("throttled",) + ("failure",) * 6, 4000 - 1000),  # the wait runs from the last failure
    (("failure",) * 40, MAX_WAIT_MS),  # never more than 15 minutes
])
def test_wait(outcomes: tuple[str, ...], expected: int) -> None:
    assert wait_ms(entries(*outcomes), NOW) == expected


def test_wait_runs_out() -> None:
    found = entries(*("failure",) * 5)
    assert wait_ms(found, NOW + 1999) == 1
    assert wait_ms(found, NOW + 2000) == 0


@pytest.mark.parametrize(("redirect", "registered", "allowed"), [
    ("https://app.example/cb", ["https://app.example/cb"], True),
    ("https://app.example/cb/more?x=1#f", ["https://app.example/cb"], True),
    ("https://app.example/cbx", ["https://app.example/cb"], False),  # not at a `/`
    ("https://app.example.evil/", ["https://app.example"], False),
    ("https://app.example@evil.io/", ["https://app.example"], False),
    ("https://APP.example/", ["https://app.example/"], True),
    ("http://app.example/", ["https://app.example/"], False),
    ("https://app.example/", [], False),
])
def test_redirect_allowed(redirect: str, registered: list[str], allowed: bool) -> None:
    assert redirect_allowed(redirect, registered) is allowed


def test_with_token_replaces_a_token_and_keeps_the_rest() -> None:
    assert with_token("https://a.io/cb?x=1&token=old#f", "new") == \
        "https://a.io/cb?x=1&token=new#f"


@pytest.mark.parametrize(("domain", "base"), [
    ("hat.example.com", "https://hat.example.com"),
    ("127.0.0.1:8080", "http://127.0.0.1:8080"),
    ("localhost:8080", "http://localhost:8080"),
    ("[::1]:8080", "http://[::1]:8080"),
    ("127.0.0.1.example.com", "https://127.0.0.1.example.com"),
])
def test_reset_link(domain: str, base: str) -> None:
    assert reset_link(domain, "tok") == f"{base}/#/user/password/change/tok"


def test_smtp_urls() -> None:
    server = parse_smtp_url("smtp://me%40x.org:p%3Ass@mail.x.org")
    assert (server.host, server.port, server.implicit_tls) == ("mail.x.org", 587, False)
    assert (server.username, server.password) == ("me@x.org", "p:ss")
    assert parse_smtp_url("smtps://mail.x.org").port == 465
    assert "p:ss" not in repr(server)
    for bad in ("http://mail.x.org", "smtp://", "mail.x.org"):
        with pytest.raises(ValueError):
            parse_smtp_url(bad)
