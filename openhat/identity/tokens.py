"""RS256 JWTs signed with the HAT's own key pair (spec 2.2).

A token is valid while `now < exp` (30 days after login) and `now < iat + idle` (3 days);
every successful authenticated response carries the same token (same `jti` and `exp`) signed
with a fresh `iat` (sliding renewal, reused for a minute: Renewals), so a client that keeps
using the newest token stays logged in until `exp`.
"""

from __future__ import annotations

import functools
import secrets
import threading
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from openhat.clock import DAY_S, now_s
from openhat.errors import NotAuthenticated
from openhat.storage.rows import Hat, SigningKey, User
from openhat.system import caches

ALGORITHM = "RS256"


def generate_key(hat_id: str) -> SigningKey:
    """A new 2048-bit RSA key pair for the HAT."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return SigningKey(hat_id, secrets.token_hex(8), private_pem, public_pem, now_s())


@functools.lru_cache(maxsize=256)
def _private_key(pem: str) -> Any:
    return serialization.load_pem_private_key(pem.encode(), password=None)


@functools.lru_cache(maxsize=256)
def _public_key(pem: str) -> Any:
    return serialization.load_pem_public_key(pem.encode())


def _clear_key_caches() -> None:
    _private_key.cache_clear()
    _public_key.cache_clear()


caches.register("parsed signing keys", _clear_key_caches)


@dataclass(frozen=True)
class Lifetimes:
    lifetime: int = 30 * DAY_S  # seconds from login to hard expiry
    idle: int = 3 * DAY_S  # seconds a token lives without refresh


def signing_key(keys: list[SigningKey]) -> SigningKey:
    """The key new tokens are signed with: the newest that is neither retired nor revoked."""
    for key in keys:
        if key.retired_at is None and not key.revoked:
            return key
    raise RuntimeError("the HAT has no active signing key")


def sign(claims: dict[str, Any], key: SigningKey) -> str:
    return jwt.encode(claims, _private_key(key.private_pem), algorithm=ALGORITHM,
                      headers={"kid": key.kid})


def issue(keys: list[SigningKey], domain: str, user: User, extra: dict[str, Any],
          lifetimes: Lifetimes, now: int | None = None) -> str:
    """A new token for `user` with the custom claims in `extra`. It is never older than the
    user's password: a password changed within this second takes effect at the next one
    (passwords.store_password), and a token issued meanwhile must not be refused."""
    now = max(now_s() if now is None else now, user.password_changed_at)
    claims = {**extra, "iss": domain, "sub": user.user_id, "iat": now,
              "exp": now + lifetimes.lifetime, "jti": secrets.token_hex(128)}
    return sign(claims, signing_key(keys))


def primary_role(roles: tuple[str, ...]) -> str:
    """The `accessScope` of a login token: the first of owner > platform > datacredit >
    datadebit the user holds, else validate."""
    kinds = [r.split(":")[0].split("(")[0] for r in roles]
    for kind in ("owner", "platform", "datacredit", "datadebit"):
        if kind in kinds:
            return kind
    return "validate"


def login_token(keys: list[SigningKey], hat: Hat, user: User, lifetimes: Lifetimes) -> str:
    """A login token for `user`."""
    return issue(keys, hat.domain, user,
                 {"accessScope": primary_role(user.roles), "resource": hat.domain}, lifetimes)


# A renewed token is reused for this long: a burst of calls costs one signature (about 1 ms
# of CPU each), and the idle window (3 days) loses at most this much.
RENEWAL_REUSE_S = 60
MAX_RENEWALS = 65_536  # sessions remembered per process


class Renewals:
    """The sliding renewal (spec 1.5) with at most one signature per session (jti) and
    signing key per RENEWAL_REUSE_S seconds, in each process: within that time a session's
    callers get the token last renewed for it again (docs/compatibility.md)."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, str], tuple[int, str]] = {}
        self._lock = threading.Lock()

    def renewed(self, claims: dict[str, Any], keys: list[SigningKey],
                now: int | None = None) -> str:
        """A token of the caller's session, signed with the HAT's current key, whose `iat`
        is at most RENEWAL_REUSE_S old."""
        now = now_s() if now is None else now
        key = signing_key(keys)
        session = (str(claims["jti"]), key.kid)
        last = self._last.get(session)
        if last is not None and 0 <= now - last[0] < RENEWAL_REUSE_S:
            return last[1]
        token = sign({**claims, "iat": now}, key)
        with self._lock:
            if len(self._last) >= MAX_RENEWALS:
                self._last.clear()
            self._last[session] = (now, token)
        return token


def created_at(claims: dict[str, Any], lifetimes: Lifetimes) -> int:
    """When the token was first issued (its `iat` slides; its `exp` does not)."""
    return int(claims["exp"]) - lifetimes.lifetime


def signed(token: str, keys: list[SigningKey]) -> dict[str, Any]:
    """The claims of a token that one of `keys`, not revoked, signed (RS256), with every
    claim a token of ours has. Depends on nothing but the token and the keys, so it may be
    remembered for them (hats/contexts.py). Raises NotAuthenticated."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise NotAuthenticated() from None
    if header.get("alg") != ALGORITHM:
        raise NotAuthenticated()
    for key in keys:
        if key.revoked or key.kid != header.get("kid"):
            continue
        try:
            claims: dict[str, Any] = jwt.decode(
                token, _public_key(key.public_pem), algorithms=[ALGORITHM],
                options={"require": ["exp", "iat", "jti", "sub", "iss"],
                         "verify_exp": False, "verify_iat": False})
        except jwt.PyJWTError:
            continue
        if isinstance(claims["exp"], int) and isinstance(claims["iat"], int):
            return claims
        break
    raise NotAuthenticated()


def current(claims: dict[str, Any], lifetimes: Lifetimes,
            now: int | None = None) -> dict[str, Any]:
    """`claims` (of a signed token) when the token is live now: not expired, not idle too
    long, not issued in the future. Raises NotAuthenticated."""
    now = now_s() if now is None else now
    if now >= claims["exp"] or now >= claims["iat"] + lifetimes.idle:
        raise NotAuthenticated()
    if claims["iat"] > now + 60:  # issued in the future: not by us
        raise NotAuthenticated()
    return claims
