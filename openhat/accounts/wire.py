"""The accounts routes' bodies, checked into values, and users as JSON (spec 2.8).

The original's `User` model is `{"userId","email","pass"?,"name","role","roles"}`; openhat
never answers with `pass` (the original returns the stored hash), and reads it as the new
user's password, not as a hash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from openhat.identity import tokens
from openhat.identity.passwords import new_password_problems
from openhat.identity.permissions import Role
from openhat.storage.rows import User
from openhat.wire import Errors, Json, error, is_object, nul_refused, parse_uuid, raise_if

# The role kinds of the original (spec 2.5); anything else is refused.
ROLE_KINDS = frozenset({
    "owner", "platform", "validate", "applicationlist", "datadebit", "datacredit",
    "namespacewrite", "namespaceread", "retrieveapplicationtoken", "applicationmanage",
    "applicationstatusread", "managefiles", "verified"})
PRIVILEGED = frozenset({"owner", "platform"})
MAX_NAME = 255
MAX_ROLES = 100
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
MAX_EMAIL = 254


@dataclass(frozen=True)
class UserIn:
    """The body of `POST /users/user` and `PUT /users/user/{id}/update`."""

    user_id: str | None  # None: a new id is made
    username: str  # the original's `email`: what the user logs in with
    roles: tuple[str, ...]
    password: str | None = field(default=None, repr=False)  # the original's `pass`

    @property
    def privileged(self) -> bool:
        return any(Role.parse(r).kind in PRIVILEGED for r in self.roles)


@dataclass(frozen=True)
class VerificationRequest:
    """The body of `/control/v2/auth/claim` and `/request-verification`."""

    email: str
    application_id: str
    redirect_uri: str


def user_json(user: User) -> Json:
    """A user as the original's `User` (without `pass`); `name` is the username, as
    openhat keeps no separate display name."""
    roles = [Role.parse(r) for r in user.roles]
    return {"userId": user.user_id, "email": user.username, "name": user.username,
            "role": tokens.primary_role(user.roles),
            "roles": [{"role": r.kind, "detail": r.extra} if r.extra else {"role": r.kind}
                      for r in roles]}


def normalise_email(email: str) -> str:
    """Addresses compare without case and surrounding blanks."""
    return email.strip().lower()


def valid_email(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= MAX_EMAIL and bool(
        EMAIL.fullmatch(value.strip()))


def _string(body: dict[str, Any], key: str, errors: Errors, required: bool = True,
            limit: int = MAX_NAME) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            error(errors, f"obj.{key}", "error.path.missing")
        return None
    if not isinstance(value, str):
        error(errors, f"obj.{key}", "error.expected.jsstring")
        return None
    if len(value) > limit:
        error(errors, f"obj.{key}", f"error.maxLength: {limit}")
        return None
    return None if nul_refused(value, f"obj.{key}", errors) else value


def _role(value: Any, path: str, errors: Errors) -> str | None:
    if not is_object(value, path, errors):
        return None
    kind, detail = value.get("role"), value.get("detail", "")
    if not isinstance(kind, str) or not isinstance(detail, (str, type(None))):
        error(errors, f"{path}.role", "error.expected.jsstring")
        return None
    return _role_text(kind, detail or "", f"{path}.role", errors)


def _role_text(kind: str, detail: str, path: str, errors: Errors) -> str | None:
    if nul_refused(kind + detail, path, errors):
        return None
    role = Role.parse(kind) if not detail else Role(kind.strip().lower(), detail.strip())
    if role.kind not in ROLE_KINDS or len(role.extra) > MAX_NAME:
        error(errors, path, "error.role.unknown")
        return None
    return str(role)


def parse_user(body: Any) -> UserIn:
    """Raises BadRequest with every problem in the original's JsError form."""
    errors: Errors = {}
    if not is_object(body, "obj", errors):
        raise_if(errors)
    raw_id = body.get("userId")
    user_id = parse_uuid(raw_id) if raw_id is not None else None
    if raw_id is not None and user_id is None:
        error(errors, "obj.userId", "error.expected.uuid")
    username = _string(body, "email", errors)
    if username is not None and not username.strip():
        error(errors, "obj.email", "error.minLength: 1")
    roles: list[str] = []
    primary = _string(body, "role", errors, required=False)
    if primary:
        roles += [r for r in [_role_text(primary, "", "obj.role", errors)] if r]
    listed = body.get("roles", [])
    if not isinstance(listed, list) or len(listed) > MAX_ROLES:
        error(errors, "obj.roles", "error.expected.jsarray")
    else:
        for i, item in enumerate(listed):
            role = _role(item, f"obj.roles[{i}]", errors)
            if role is not None and role not in roles:
                roles.append(role)
    password = body.get("pass")
    if password is not None:
        new_password_problems(password, "obj.pass", errors)
    raise_if(errors)
    assert username is not None
    return UserIn(user_id, username.strip(), tuple(roles), password)


def parse_email(body: Any) -> str:
    """`{"email": ...}` of a password reset request: a valid address."""
    errors: Errors = {}
    if not is_object(body, "obj", errors):
        raise_if(errors)
    email = body.get("email")
    if email is None:
        error(errors, "obj.email", "error.path.missing")
    elif not valid_email(email):
        error(errors, "obj.email", "error.email")
    raise_if(errors)
    return str(email)


def parse_email_only(body: Any) -> str:
    """`{"email": ...}` of v2.6 `/reset-password` (the original reads any string)."""
    errors: Errors = {}
    if not is_object(body, "obj", errors):
        raise_if(errors)
    email = _string(body, "email", errors, limit=MAX_EMAIL)
    raise_if(errors)
    return str(email)


def parse_verification(body: Any) -> VerificationRequest:
    errors: Errors = {}
    if not is_object(body, "obj", errors):
        raise_if(errors)
    email = _string(body, "email", errors, limit=MAX_EMAIL)
    if email is not None and not valid_email(email):
        error(errors, "obj.email", "error.email")
    application_id = _string(body, "applicationId", errors)
    redirect_uri = _string(body, "redirectUri", errors, limit=2048)
    raise_if(errors)
    assert email is not None and application_id is not None and redirect_uri is not None
    return VerificationRequest(email, application_id, redirect_uri)


def parse_claim(body: Any) -> str | None:
    """The body of `/claim/complete/{token}`: the original's ApiVerificationCompletionRequest
    (`email`, `termsAgreed`, `optins`, `hatName`, `hatCluster`, `password`). Only the password
    acts here, and every field may be left out; returns the new password, if any."""
    errors: Errors = {}
    if body is None:
        return None
    if not is_object(body, "obj", errors):
        raise_if(errors)
    for key in ("email", "hatName", "hatCluster"):
        _string(body, key, errors, required=False)
    if not isinstance(body.get("termsAgreed", False), bool):
        error(errors, "obj.termsAgreed", "error.expected.jsboolean")
    if not isinstance(body.get("optins", []), list):
        error(errors, "obj.optins", "error.expected.jsarray")
    password = body.get("password")
    if password is not None:
        new_password_problems(password, "obj.password", errors)
    raise_if(errors)
    return None if password is None else str(password)
