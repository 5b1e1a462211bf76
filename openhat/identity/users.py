"""Users of a HAT and their passwords (argon2id through argon2-cffi)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from openhat.clock import now_s
from openhat.errors import NotAuthenticated
from openhat.identity import tokens
from openhat.storage.base import Store
from openhat.storage.rows import Hat, SigningKey, User

# OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): a small VPS can serve logins without
# 64 MiB per attempt. Hashes keep their parameters, so stronger ones still verify.
HASH_TIME_COST, HASH_MEMORY_KIB, HASH_LANES = 2, 19_456, 1
_hasher = PasswordHasher(time_cost=HASH_TIME_COST, memory_cost=HASH_MEMORY_KIB,
                         parallelism=HASH_LANES)
# Verified against when the username is unknown, so that a wrong name costs as much time as
# a wrong password and does not reveal which users exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def generate_password() -> str:
    return secrets.token_urlsafe(18)


def new_owner(hat_id: str, user_id: str, username: str, password: str) -> User:
    return User(hat_id, user_id, username, hash_password(password), ("owner",), True,
                now_s())


def new_user(hat_id: str, username: str, password: str, roles: tuple[str, ...]) -> User:
    """A non-owner user, e.g. a data-credit or data-debit user (spec 2.5)."""
    return User(hat_id, str(uuid.uuid4()), username, hash_password(password), roles, True,
                now_s())


def check_password(user: User | None, password: str) -> bool:
    """True when `password` is the user's; constant time whether or not the user exists."""
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and \
            user is not None
    except (VerificationError, InvalidHashError):
        return False


def login(store: Store, hat_id: str, username: str, password: str) -> User | None:
    """The enabled user these credentials belong to, or None."""
    user = store.users.by_name(hat_id, username)
    if check_password(user, password) and user is not None and user.enabled:
        return user
    return None


@dataclass(frozen=True)
class Login:
    user: User
    token: str = field(repr=False)


def log_in(store: Store, hat: Hat, keys: list[SigningKey], username: str, password: str,
           lifetimes: tokens.Lifetimes) -> Login | None:
    """The user these credentials belong to with a new login token (spec 2.1), or None."""
    user = login(store, hat.hat_id, username, password)
    if user is None:
        return None
    return Login(user, tokens.login_token(keys, hat, user, lifetimes))


def authenticate(user_of: Callable[[str], User | None],
                 signed: Callable[[str], dict[str, Any]], token: str,
                 lifetimes: tokens.Lifetimes) -> tuple[User, dict[str, Any]]:
    """The user behind a token, and its claims: `signed` checks its signature
    (tokens.signed, or a memory of it), `user_of` finds a user by id. Raises
    NotAuthenticated when the token does not verify, is not live (tokens.current), its user
    is gone or disabled, or it was issued before the user's last password change."""
    claims = tokens.current(signed(token), lifetimes)
    user = user_of(str(claims["sub"]))
    if user is None or not user.enabled:
        raise NotAuthenticated()
    if tokens.created_at(claims, lifetimes) < user.password_changed_at:
        raise NotAuthenticated()  # issued before the last password change
    return user, claims
