"""Password reset and address verification by mail, over HTTP, with a real SMTP server
(aiosmtpd on a loopback port) receiving what openhat sends (spec 2.7; AuthenticationSpec
cases 14-22 of spec 7.6)."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from openhat.accounts import verification
from openhat.clock import now_ms
from openhat.config import Settings
from openhat.hats import service as hats
from openhat.storage.base import Store
from openhat.storage.rows import MailToken
from openhat.web.app import create_app
from tests.app_fixtures import NOTABLES, register
from tests.conftest import DOMAIN, OWNER, PASSWORD, login
from tests.smtp import Inbox, smtp_server

OWNER_EMAIL = "user@hat.org"
RESET = "/control/v2/auth/passwordReset"
CONFIRM = "/control/v2/auth/passwordreset/confirm"
VERIFY = "/control/v2/auth/request-verification"
COMPLETE = "/control/v2/auth/claim/complete"
ANSWER = {"message": "If the email you have entered is correct, you will shortly receive an"
                     " email with password reset instructions"}
NEW_PASSWORD = "some-passwords-are-better-than-others"
RESET_LINK = re.compile(r"https://hat\.example\.test/#/user/password/change/([A-Za-z0-9_-]+)")
VERIFY_LINK = re.compile(r"https://hat\.example\.test/#/auth/verify-email/([A-Za-z0-9_-]+)"
                         r"\?(\S+)")


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as inbox:
        yield inbox


@pytest.fixture
def settings(database_url: str, inbox: Inbox) -> Settings:
    return Settings(database=database_url, domain=DOMAIN, owner=OWNER, owner_password=PASSWORD,
                    smtp_url=f"smtp://127.0.0.1:{inbox.port}", mail_from="hat@mail.test")


@pytest.fixture
def hat(store: Store) -> hats.NewHat:
    """The original's test HAT: its owner's address is `user@hat.org`, verified."""
    return hats.create_hat(store, DOMAIN, OWNER, PASSWORD, owner_email=OWNER_EMAIL)


def reset_token(client: TestClient, inbox: Inbox, email: str = OWNER_EMAIL) -> str:
    before = len(inbox.messages)
    response = client.post(RESET, json={"email": email})
    assert response.status_code == 200 and response.json() == ANSWER
    assert len(inbox.messages) == before + 1, "no reset mail"
    found = RESET_LINK.search(inbox.text())
    assert found, inbox.text()
    return found.group(1)


def confirm(client: TestClient, token: str, password: str = NEW_PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(f"{CONFIRM}/{token}", json={"newPassword": password})


# --- requesting a reset ----------------------------------------------------------------------

def test_reset_mails_the_owner_a_link_to_the_web_app(client: TestClient, inbox: Inbox) -> None:
    token = reset_token(client, inbox)  # 7.6 #15
    mail = inbox.messages[-1]
    assert mail["To"] == OWNER_EMAIL and mail["From"] == "hat@mail.test"
    assert DOMAIN in mail["Subject"]
    html = mail.get_body(("html",))
    assert html is not None and token in str(html.get_content())
    assert len(token) >= 40


@pytest.mark.parametrize("email", [
    "someone@else.org",  # 7.6 #14: not the owner's address
    "hatuser",  # the owner's username is not an address
])
def test_reset_answers_the_same_whatever_the_address(client: TestClient, inbox: Inbox,
                                                     email: str) -> None:
    response = client.post(RESET, json={"email": email if "@" in email else email + "@x.io"})
    assert response.status_code == 200
    assert response.json() == ANSWER
    assert inbox.messages == []


def test_reset_ignores_send_email_to_user_false(client: TestClient, inbox: Inbox) -> None:
    # The original hands the reset token to the (anonymous) caller then: never here.
    response = client.post(f"{RESET}?sendEmailToUser=false", json={"email": OWNER_EMAIL})
    assert response.json() == ANSWER
    assert len(inbox.messages) == 1


@pytest.mark.parametrize(("body", "errors"), [
    ({}, {"obj.email": [{"msg": ["error.path.missing"], "args": []}]}),
    ({"email": "not an address"}, {"obj.email": [{"msg": ["error.email"], "args": []}]}),
    ({"email": 7}, {"obj.email": [{"msg": ["error.email"], "args": []}]}),
    ([], {"obj": [{"msg": ["error.expected.jsobject"], "args": []}]}),
])
def test_reset_request_body_is_checked(client: TestClient, body: object,
                                       errors: object) -> None:
    response = client.post(RESET, json=body)
    assert response.status_code == 400
    assert response.json() == {"error": "Bad Request", "message": errors}


def test_reset_requests_are_rate_limited_per_address(client: TestClient, inbox: Inbox) -> None:
    statuses = [client.post(RESET, json={"email": f"x{i}@y.org"}).status_code
                for i in range(11)]
    assert statuses == [200] * 10 + [429]


def test_reset_mails_are_limited_per_hour(client: TestClient, inbox: Inbox) -> None:
    for _ in range(3):
        reset_token(client, inbox)
    client.app.state.openhat.mail_buckets.capacity = 100  # type: ignore[attr-defined]
    response = client.post(RESET, json={"email": OWNER_EMAIL})
    assert response.json() == ANSWER  # the same answer, but no fourth mail within the hour
    assert len(inbox.messages) == 3


def test_v26_reset_password_answers_empty_and_mails(client: TestClient, inbox: Inbox) -> None:
    response = client.post("/api/v2.6/reset-password", json={"email": OWNER_EMAIL})
    assert response.status_code == 200 and response.content == b""
    assert RESET_LINK.search(inbox.text())
    assert client.post("/api/v2.6/reset-password", json={}).status_code == 400


def test_reset_tokens_are_stored_hashed(client: TestClient, inbox: Inbox, store: Store,
                                        hat: hats.NewHat) -> None:
    token = reset_token(client, inbox)
    digest = hashlib.sha256(token.encode()).digest()
    found = store.accounts.token(hat.hat.hat_id, digest)
    assert found is not None and found.purpose == "reset" and found.email == OWNER_EMAIL
    assert found.expires_at - found.created_at == 24 * 3600 * 1000
    assert store.accounts.token(hat.hat.hat_id, token.encode()) is None


# --- confirming a reset ----------------------------------------------------------------------

def test_reset_sets_the_password_and_refuses_earlier_tokens(client: TestClient, inbox: Inbox,
                                                            owner_token: str) -> None:
    token = reset_token(client, inbox)
    response = confirm(client, token)  # 7.6 #19
    assert response.status_code == 200
    assert response.json() == {"message": "Password reset"}
    new_token = response.headers["X-Auth-Token"]
    assert client.get("/users/access_token/validate",
                      headers={"X-Auth-Token": new_token}).status_code == 200
    assert client.get("/users/access_token/validate",
                      headers={"X-Auth-Token": owner_token}).status_code == 401
    assert client.get("/users/access_token", headers={
        "username": OWNER, "password": PASSWORD}).status_code == 401
    login(client, OWNER, NEW_PASSWORD)


def test_reset_token_is_single_use_and_refuses_the_others(client: TestClient,
                                                          inbox: Inbox) -> None:
    first, second = reset_token(client, inbox), reset_token(client, inbox)
    assert confirm(client, first).status_code == 200
    for used in (first, second):  # reused, and issued before the reset
        response = confirm(client, used, "another-long-password-for-the-hat")
        assert response.status_code == 401
        assert response.json() == {"message": "Invalid Token", "cause": "Token does not exist"}


@pytest.mark.parametrize("token", [
    "unknown",  # 7.6 #16
    "Gq7rM2xk0vJ9bT4nW1cE8pL5sA3dF6hY0uZ2iO7eR4w",  # forged: well-formed, never issued
    "x" * 300,
])
def test_unknown_or_forged_token(client: TestClient, token: str) -> None:
    response = confirm(client, token)
    assert response.status_code == 401
    assert response.json() == {"message": "Invalid Token", "cause": "Token does not exist"}


def _stored_token(store: Store, hat: hats.NewHat, purpose: str, email: str,
                  age_ms: int, lifetime_ms: int) -> str:
    token = secrets.token_urlsafe(32)
    owner = store.users.owner(hat.hat.hat_id)
    assert owner is not None
    created = now_ms() - age_ms
    with store.write(hat.hat.hat_id) as tx:
        tx.accounts.add_token(hat.hat.hat_id, MailToken(
            hashlib.sha256(token.encode()).digest(), owner.user_id, purpose, email, created,
            created + lifetime_ms))
    return token


def test_expired_token_is_refused_and_consumed(client: TestClient, store: Store,
                                               hat: hats.NewHat) -> None:
    token = _stored_token(store, hat, "reset", OWNER_EMAIL, age_ms=25 * 3600 * 1000,
                          lifetime_ms=24 * 3600 * 1000)
    response = confirm(client, token)  # 7.6 #17
    assert response.status_code == 401
    assert response.json() == {"message": "Invalid Token", "cause": "Token expired or invalid"}
    assert confirm(client, token).json()["cause"] == "Token does not exist"


def test_token_for_another_address(client: TestClient, inbox: Inbox, store: Store,
                                   hat: hats.NewHat) -> None:
    token = reset_token(client, inbox)
    verification.set_owner_email(store, hat.hat.hat_id, "new@hat.org")
    response = confirm(client, token)  # 7.6 #18
    assert response.status_code == 401
    assert response.json() == {"message": "Password reset unauthorized",
                               "cause": "Only HAT owner can reset their password"}


def test_token_of_a_user_that_is_gone(client: TestClient, inbox: Inbox, store: Store,
                                      hat: hats.NewHat) -> None:
    token = reset_token(client, inbox)
    owner = store.users.owner(hat.hat.hat_id)
    assert owner is not None
    with store.write(hat.hat.hat_id) as tx:
        tx.users.delete(hat.hat.hat_id, owner.user_id)
    response = confirm(client, token)  # 7.6 #20
    assert response.status_code == 401
    assert response.json() == {"message": "Password reset unauthorized",
                               "cause": "No user matching token"}


def test_weak_password_keeps_the_token(client: TestClient, inbox: Inbox) -> None:
    token = reset_token(client, inbox)
    response = confirm(client, token, "simple")
    assert response.status_code == 400
    assert response.json()["message"]["obj.newPassword"][0]["msg"] == [
        "Minimum password requirement strength not met"]
    assert confirm(client, token).status_code == 200


def test_token_from_before_a_password_change_is_refused(owner: TestClient,
                                                        inbox: Inbox) -> None:
    token = reset_token(owner, inbox)
    changed = owner.post("/control/v2/auth/password",
                         json={"password": PASSWORD, "newPassword": NEW_PASSWORD})
    assert changed.status_code == 200
    response = confirm(owner, token, "yet-another-long-password-here")
    assert response.status_code == 401  # a new password deletes the reset tokens
    assert response.json()["cause"] == "Token does not exist"


def test_a_reset_ends_the_accounts_login_wait(client: TestClient, inbox: Inbox) -> None:
    for _ in range(5):
        client.get("/users/access_token", headers={"username": OWNER, "password": "wrong"})
    assert client.get("/users/access_token", headers={
        "username": OWNER, "password": PASSWORD}).status_code == 429
    assert confirm(client, reset_token(client, inbox)).status_code == 200
    login(client, OWNER, NEW_PASSWORD)


# --- verifying an address --------------------------------------------------------------------

def _verify_body(email: str, redirect: str = "https://notables.example.com/done") -> dict:  # type: ignore[type-arg]
    return {"email": email, "applicationId": "notables", "redirectUri": redirect}


def verification_link(inbox: Inbox) -> tuple[str, str]:
    found = VERIFY_LINK.search(inbox.text())
    assert found, inbox.text()
    return found.group(1), found.group(2)


@pytest.mark.parametrize(("redirect", "listed"), [
    ("https://notables.example.com/done", True),  # 7.6 #21: a registered redirect URI
    ("https://evil.example.com/", False),  # 7.6 #22: not registered: the link carries none
])
def test_owner_asks_to_verify_a_new_address(owner: TestClient, inbox: Inbox, redirect: str,
                                            listed: bool) -> None:
    register(owner, NOTABLES)
    response = owner.post(VERIFY, json=_verify_body("new@hat.org", redirect))
    assert response.status_code == 200
    assert response.json() == {"message": "You will shortly receive an email with claim"
                                          " instructions"}
    assert inbox.messages[-1]["To"] == "new@hat.org"
    _, query = verification_link(inbox)
    assert ("redirect_uri=https%3A%2F%2Fnotables.example.com%2Fdone" in query) is listed
    assert "application_id=notables" in query


def test_anonymous_requests_only_resend_for_the_waiting_address(client: TestClient,
                                                                owner: TestClient,
                                                                inbox: Inbox) -> None:
    anonymous = TestClient(client.app, base_url=f"http://{DOMAIN}")
    assert anonymous.post(VERIFY, json=_verify_body("attacker@evil.org")).status_code == 200
    assert inbox.messages == []  # an anonymous caller cannot put an address on the HAT
    owner.post(VERIFY, json=_verify_body("new@hat.org"))
    assert anonymous.post("/control/v2/auth/claim",
                          json=_verify_body("new@hat.org")).status_code == 200
    assert [m["To"] for m in inbox.messages] == ["new@hat.org", "new@hat.org"]


def test_unverified_address_gets_no_reset_mail(owner: TestClient, inbox: Inbox) -> None:
    owner.post(VERIFY, json=_verify_body("new@hat.org"))
    assert len(inbox.messages) == 1
    assert owner.post(RESET, json={"email": "new@hat.org"}).json() == ANSWER
    assert len(inbox.messages) == 1  # no reset mail to an address not yet verified


def test_completing_a_claim_verifies_the_address(owner: TestClient, inbox: Inbox) -> None:
    owner.post(VERIFY, json=_verify_body("new@hat.org"))
    token, _ = verification_link(inbox)
    response = owner.post(f"{COMPLETE}/{token}", json={"email": "new@hat.org",
                                                       "termsAgreed": True})
    assert response.status_code == 200
    assert response.json() == {"message": "HAT claimed"}
    assert "X-Auth-Token" not in response.headers  # no password set: no login token
    reset_token(owner, inbox, "new@hat.org")  # the verified address is what resets mail
    owner.post(RESET, json={"email": OWNER_EMAIL})
    assert inbox.messages[-1]["To"] == "new@hat.org"
    again = owner.post(f"{COMPLETE}/{token}", json={})
    assert again.status_code == 401 and again.json()["cause"] == "Token does not exist"


def test_completing_a_claim_with_a_password(client: TestClient, owner: TestClient,
                                            inbox: Inbox, owner_token: str) -> None:
    owner.post(VERIFY, json=_verify_body("new@hat.org"))
    token, _ = verification_link(inbox)
    anonymous = TestClient(client.app, base_url=f"http://{DOMAIN}")
    weak = anonymous.post(f"{COMPLETE}/{token}", json={"password": "simple"})
    assert weak.status_code == 400
    response = anonymous.post(f"{COMPLETE}/{token}", json={"password": NEW_PASSWORD})
    assert response.status_code == 200
    assert anonymous.get("/users/access_token/validate", headers={
        "X-Auth-Token": response.headers["X-Auth-Token"]}).status_code == 200
    assert anonymous.get("/users/access_token/validate",
                         headers={"X-Auth-Token": owner_token}).status_code == 401
    login(anonymous, OWNER, NEW_PASSWORD)


def test_claim_refusals(owner: TestClient, inbox: Inbox) -> None:
    reset = reset_token(owner, inbox)
    wrong_kind = owner.post(f"{COMPLETE}/{reset}", json={})
    assert wrong_kind.status_code == 401
    assert wrong_kind.json() == {"message": "Invalid Token", "cause": "Token expired or invalid"}
    assert owner.post(f"{COMPLETE}/nope", json={}).json() == {
        "message": "Invalid Token", "cause": "Token does not exist"}
    owner.post(VERIFY, json=_verify_body("new@hat.org"))
    token, _ = verification_link(inbox)
    owner.post(VERIFY, json=_verify_body("other@hat.org"))  # new@hat.org no longer waits
    response = owner.post(f"{COMPLETE}/{token}", json={})
    assert response.status_code == 401
    assert response.json() == {"message": "HAT claim unauthorized",
                               "cause": "No user matching token"}


def test_verification_body_is_checked(client: TestClient) -> None:
    response = client.post(VERIFY, json={"email": "new@hat.org"})
    assert response.status_code == 400
    assert set(response.json()["message"]) == {"obj.applicationId", "obj.redirectUri"}


# --- the mail server ---------------------------------------------------------------------------

def _app_client(settings: Settings, store: Store) -> TestClient:
    return TestClient(create_app(settings, store), base_url=f"http://{DOMAIN}")


def test_without_smtp_the_answer_is_the_same_and_the_log_says_so(
        settings: Settings, store: Store, hat: hats.NewHat, inbox: Inbox,
        caplog: pytest.LogCaptureFixture) -> None:
    with _app_client(replace(settings, smtp_url=""), store) as client, \
            caplog.at_level(logging.WARNING, logger="openhat"):
        response = client.post(RESET, json={"email": OWNER_EMAIL})
    assert response.status_code == 200 and response.json() == ANSWER
    assert "mail is not configured" in caplog.text
    assert inbox.messages == []


def test_starttls_and_login(settings: Settings, store: Store, hat: hats.NewHat,
                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with smtp_server(tmp_path) as secure:
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "smtp-cert.pem"))
        url = f"smtp://mailer:s3cret@127.0.0.1:{secure.port}"
        with _app_client(replace(settings, smtp_url=url), store) as client:
            token = reset_token(client, secure)
        assert secure.logins == [("mailer", "s3cret")]
        assert len(token) >= 40


def test_password_is_never_sent_without_tls(settings: Settings, store: Store,
                                            hat: hats.NewHat, inbox: Inbox,
                                            caplog: pytest.LogCaptureFixture) -> None:
    url = f"smtp://mailer:s3cret@127.0.0.1:{inbox.port}"  # this server offers no STARTTLS
    with _app_client(replace(settings, smtp_url=url), store) as client, \
            caplog.at_level(logging.ERROR, logger="openhat.mail"):
        assert client.post(RESET, json={"email": OWNER_EMAIL}).json() == ANSWER
    assert inbox.messages == []
    assert "does not offer STARTTLS" in caplog.text
