"""Single-use tokens sent by mail (password reset, address verification), and the links
that carry them.

A token is 32 random bytes (URL-safe text); the database keeps only its SHA-256, so a
leaked database or backup holds no usable token. Each lives 24 hours (as the original's
`MailTokenUser`) and is deleted when used. At most MAILS_PER_HOUR tokens of one kind are
made for one user per hour, so an anonymous caller cannot flood the owner's mailbox.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from urllib.parse import urlencode

from openhat.clock import DAY_MS, SECOND_MS, now_ms
from openhat.errors import InvalidToken
from openhat.storage.base import Store, Tx
from openhat.storage.rows import MailToken

LIFETIME_MS = DAY_MS
MAILS_PER_HOUR = 3
HOUR_MS = 3600 * SECOND_MS
RESET, VERIFY = "reset", "verify"


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def issue(tx: Tx, hat_id: str, user_id: str, purpose: str, email: str) -> str | None:
    """A new token for the user, or None when MAILS_PER_HOUR were made within the hour."""
    now = now_ms()
    if tx.accounts.tokens_since(hat_id, user_id, purpose, now - HOUR_MS) >= MAILS_PER_HOUR:
        return None
    token = secrets.token_urlsafe(32)
    tx.accounts.add_token(hat_id, MailToken(token_hash(token), user_id, purpose, email, now,
                                            now + LIFETIME_MS))
    return token


def usable(store: Store, hat_id: str, token: str, purpose: str) -> MailToken:
    """The stored token behind `token`, unexpired and for `purpose`. Raises InvalidToken
    (401): "Token does not exist", or "Token expired or invalid" (an expired token is
    deleted, as the original consumes it)."""
    found = store.accounts.token(hat_id, token_hash(token)) if len(token) <= 256 else None
    if found is None:
        raise InvalidToken("Token does not exist")
    if found.purpose != purpose or found.expires_at <= now_ms():
        if found.purpose == purpose:
            with store.write(hat_id) as tx:
                tx.accounts.consume_token(hat_id, found.token_hash)
        raise InvalidToken("Token expired or invalid")
    return found


def consume(tx: Tx, hat_id: str, found: MailToken) -> None:
    """Use the token up, inside the unit of work that acts on it. Raises InvalidToken when a
    racing request used it first."""
    if not tx.accounts.consume_token(hat_id, found.token_hash):
        raise InvalidToken("Token does not exist")


def base_url(domain: str) -> str:
    """The web app's address on the HAT's domain: https, except on loopback (where the
    server is reached without a TLS proxy)."""
    if domain.startswith("["):
        host = domain[1:domain.find("]")]
    else:
        host = domain.rsplit(":", 1)[0].lower()
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost" or host.endswith(".localhost")
    return f"{'http' if loopback else 'https'}://{domain}"


def reset_link(domain: str, token: str) -> str:
    """The web app's page that sets a new password with `token`."""
    return f"{base_url(domain)}/#/user/password/change/{token}"


def verification_link(domain: str, token: str, email: str, application_id: str,
                      redirect_uri: str) -> str:
    """The web app's page that completes an address verification (the original's
    `/auth/verify-email/{token}` with its query)."""
    query = urlencode({"email": email, "application_id": application_id,
                       "redirect_uri": redirect_uri})
    return f"{base_url(domain)}/#/auth/verify-email/{token}?{query}"
