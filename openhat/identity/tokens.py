"""RS256 JWTs signed with the HAT's own key pair (spec 2.2).

A token is valid while `now < exp` (30 days after login) and `now < iat + idle` (3 days);
every successful authenticated response carries the same token re-signed with a fresh `iat`
(sliding renewal), so a client that keeps using the newest token stays logged in until `exp`.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from openhat.clock import DAY_S, now_s
from openhat.errors import NotAuthenticated
from openhat.storage.rows import Hat, SigningKey, User

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


def issue(keys: list[SigningKey], domain: str, subject: str, extra: dict[str, Any],
          lifetimes: Lifetimes, now: int | None = None) -> str:
    """A new token for `subject` (a user id) with the custom claims in `extra`."""
    now = now_s() if now is None else now
    claims = {**extra, "iss": domain, "sub": subject, "iat": now, "exp": now + lifetimes.lifetime,
              "jti": secrets.token_hex(128)}
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
    """A login token for `user`. It is never older than the user's password: a password
    changed within this second takes effect at the next one (passwords.set_password)."""
    now = max(now_s(), user.password_changed_at)
    return issue(keys, hat.domain, user.user_id,
                 {"accessScope": primary_role(user.roles), "resource": hat.domain},
                 lifetimes, now=now)


def refreshed(claims: dict[str, Any], keys: list[SigningKey], now: int | None = None) -> str:
    """The same token (same jti and exp) re-signed with `iat` = now."""
    return sign({**claims, "iat": now_s() if now is None else now}, signing_key(keys))


def created_at(claims: dict[str, Any], lifetimes: Lifetimes) -> int:
    """When the token was first issued (its `iat` slides; its `exp` does not)."""
    return int(claims["exp"]) - lifetimes.lifetime


def verify(token: str, keys: list[SigningKey], lifetimes: Lifetimes,
           now: int | None = None) -> dict[str, Any]:
    """The token's claims. Raises NotAuthenticated when it is malformed, not RS256, signed by
    a key this HAT does not hold (or has revoked), expired, or idle too long."""
    now = now_s() if now is None else now
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise NotAuthenticated() from None
    if header.get("alg") != ALGORITHM:
        raise NotAuthenticated()
    candidates = [k for k in keys if not k.revoked and k.kid == header.get("kid")]
    for key in candidates:
        try:
            claims: dict[str, Any] = jwt.decode(
                token, _public_key(key.public_pem), algorithms=[ALGORITHM],
                options={"require": ["exp", "iat", "jti", "sub", "iss"],
                         "verify_exp": False, "verify_iat": False})
        except jwt.PyJWTError:
            continue
        if not isinstance(claims["exp"], int) or not isinstance(claims["iat"], int):
            break
        if now >= claims["exp"] or now >= claims["iat"] + lifetimes.idle:
            break
        if claims["iat"] > now + 60:  # issued in the future: not by us
            break
        return claims
    raise NotAuthenticated()
