"""Changing and resetting the owner's password (spec 2.7).

A new password must reach zxcvbn strength score 2 (about 10^6 guesses), as the original's
nbvcxz check does. A change refuses every token issued before it: the user's
`password_changed_at` moves forward, and `authenticate` compares it with each token's
creation time; the user's mail tokens are deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import zxcvbn

from openhat.clock import now_s
from openhat.errors import BadRequest, InvalidPassword
from openhat.events import PasswordChanged
from openhat.identity import tokens, users
from openhat.storage.base import Store, Tx
from openhat.storage.rows import Hat, SigningKey, User
from openhat.wire import Errors, error, is_object, raise_if

MIN_SCORE = 2
# zxcvbn refuses longer input (and its cost grows with length); the first 72 characters of
# a long password decide its strength, as bcrypt-era checkers did.
SCORED_LENGTH = 72
MAX_LENGTH = 4096
WEAK = "Minimum password requirement strength not met"


@dataclass(frozen=True)
class PasswordChange:
    """The body of `POST /control/v2/auth/password`."""

    new_password: str = field(repr=False)
    password: str | None = field(default=None, repr=False)  # the old one


def weakness(password: str) -> list[str] | None:
    """None when `password` is strong enough, else zxcvbn's advice (possibly empty)."""
    if not password:  # zxcvbn fails on the empty string (found by the fuzz tests)
        return ["Choose a password"]
    result = zxcvbn.zxcvbn(password[:SCORED_LENGTH])
    if int(result["score"]) >= MIN_SCORE:
        return None
    feedback = result.get("feedback") or {}
    advice = [feedback["warning"]] if feedback.get("warning") else []
    return advice + [str(s) for s in feedback.get("suggestions") or []]


def new_password_problems(password: Any, path: str, errors: Errors) -> None:
    """Add the shape problems of a new password to `errors`, in the original's JsError form.
    Cheap: its strength is scored later, by `change`, once the caller is authenticated."""
    if password is None:
        error(errors, path, "error.path.missing")
    elif not isinstance(password, str):
        error(errors, path, "error.expected.jsstring")
    elif len(password) > MAX_LENGTH:
        error(errors, path, f"error.maxLength: {MAX_LENGTH}")


def parse_change(body: Any) -> PasswordChange:
    """Raises BadRequest for a malformed body (checked before the token, as the original's
    body parser; the costly strength check waits for authentication)."""
    errors: Errors = {}
    if not is_object(body, "obj", errors):
        raise_if(errors)
    new_password_problems(body.get("newPassword"), "obj.newPassword", errors)
    old = body.get("password")
    if old is not None and not isinstance(old, str):
        error(errors, "obj.password", "error.expected.jsstring")
    raise_if(errors)
    return PasswordChange(body["newPassword"], old)


def change(store: Store, hat: Hat, keys: list[SigningKey], user: User, change: PasswordChange,
           lifetimes: tokens.Lifetimes) -> str:
    """Set the user's new password after checking its strength and the old one; returns a
    new login token (every token issued before is refused from now on). Raises BadRequest
    for a weak password, InvalidPassword (403) for a missing or wrong old one."""
    advice = weakness(change.new_password)
    if advice is not None:
        raise BadRequest({"obj.newPassword": [{"msg": [WEAK], "args": advice}]})
    if not change.password:
        raise InvalidPassword("Old password missing")
    if not users.check_password(user, change.password):
        raise InvalidPassword("Old password invalid")
    changed_at = set_password(store, user, change.new_password)
    return tokens.login_token(keys, hat, replace(user, password_changed_at=changed_at),
                              lifetimes)


def reset_owner_password(store: Store, hat_id: str, password: str) -> User | None:
    """Give the HAT's owner a new password (its strength is the caller's to check: the CLI
    tells the administrator why it is weak); returns the owner, or None when there is none."""
    owner = store.users.owner(hat_id)
    if owner is not None:
        set_password(store, owner, password)
    return owner


def set_password(store: Store, user: User, password: str) -> int:
    """Store a new password hash; returns when it takes effect (unix s)."""
    password_hash = users.hash_password(password)  # slow: before the transaction
    with store.write(user.hat_id) as tx:
        return store_password(tx, user, password_hash)


def store_password(tx: Tx, user: User, password_hash: str) -> int:
    """Store a new password hash inside a unit of work; returns when it takes effect (unix s).
    The user's mail tokens (password reset, address verification) die with the old password.

    Token times are whole seconds, so tokens issued in the current second are refused too:
    the change takes effect at the next second, and tokens for the new password are issued
    from then on (a few hundred milliseconds "in the future" is within `tokens.current`'s
    allowance)."""
    current = tx.users.by_id(user.hat_id, user.user_id) or user
    changed_at = max(now_s() + 1, current.password_changed_at + 1)
    tx.users.set_password(user.hat_id, user.user_id, password_hash, changed_at)
    tx.accounts.drop_tokens(user.hat_id, user.user_id)
    tx.emit(PasswordChanged(user.hat_id, user.user_id))
    return changed_at
