"""Tokens for services outside the HAT (spec 2.2, 2.6): `GET /users/application_token` and
`GET /control/v2/auth/hatlogin`.

Both issue the original's legacy service token: the owner's standard claims with
`accessScope: "validate"` and `resource` (the service's URL). Such a token passes no route
rule but "any valid token", so the one thing a service can do with it is prove, through
`/users/access_token/validate`, that the HAT's owner sent it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson

from openhat.errors import BadRequest
from openhat.identity import tokens
from openhat.storage.base import Store
from openhat.storage.rows import Hat, SigningKey, User

SERVICE_SCOPE = "validate"
MAX_URL = 2048


def service_token(keys: list[SigningKey], hat: Hat, user: User, resource: str,
                  lifetimes: tokens.Lifetimes) -> str:
    """A service token for `user` naming `resource`."""
    return tokens.issue(keys, hat.domain, user,
                        {"accessScope": SERVICE_SCOPE, "resource": resource}, lifetimes)


def _absolute_url(value: str, name: str) -> str:
    parts = urlsplit(value)
    if len(value) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest(f"Cannot parse parameter {name}: an absolute http(s) URL is needed")
    return value


def registered_redirects(store: Store, hat_id: str, application_id: str) -> list[str] | None:
    """The `setup.validRedirectUris` of a registered application, or None when no
    application has that id."""
    found = store.applications.get(hat_id, application_id)
    if found is None:
        return None
    manifest: Any = orjson.loads(found.manifest)
    setup = manifest.get("setup") if isinstance(manifest, dict) else None
    uris = setup.get("validRedirectUris") if isinstance(setup, dict) else None
    return [u for u in uris if isinstance(u, str)] if isinstance(uris, list) else []


def redirect_allowed(redirect: str, registered: list[str]) -> bool:
    """Whether `redirect` is one of the registered URIs or below one: the same scheme and
    host and port, and a path equal to the registered one or under it at a `/` boundary
    (the original's plain prefix test would let `https://app.example.evil` pass for
    `https://app.example`)."""
    wanted = urlsplit(redirect)
    for uri in registered:
        allowed = urlsplit(uri)
        if (allowed.scheme, allowed.netloc.lower()) != (wanted.scheme, wanted.netloc.lower()):
            continue
        base = allowed.path.rstrip("/")
        if wanted.path.rstrip("/") == base or wanted.path.startswith(base + "/"):
            return True
    return False


def with_token(url: str, token: str) -> str:
    """`url` with `token=<token>` in its query (replacing any `token` there)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "token"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("token", token)])))


def application_token(keys: list[SigningKey], hat: Hat, user: User, name: str,
                      resource: str, lifetimes: tokens.Lifetimes) -> str:
    """`GET /users/application_token?name=&resource=`. Raises BadRequest for a resource
    that is not an absolute http(s) URL."""
    if not name:
        raise BadRequest("Missing parameter: name")
    return service_token(keys, hat, user, _absolute_url(resource, "resource"), lifetimes)


def hat_login(store: Store, keys: list[SigningKey], hat: Hat, user: User, name: str,
              redirect: str, lifetimes: tokens.Lifetimes) -> str:
    """`GET /control/v2/auth/hatlogin?name=&redirect=`: the redirect URL carrying a service
    token. When `name` is a registered application, the redirect must be one of its
    `setup.validRedirectUris` (BadRequest otherwise)."""
    if not name:
        raise BadRequest("Missing parameter: name")
    _absolute_url(redirect, "redirect")
    registered = registered_redirects(store, hat.hat_id, name)
    if registered is not None and not redirect_allowed(redirect, registered):
        raise BadRequest(f"Redirect {redirect} is not a registered redirect URI of"
                         f" application {name}")
    return with_token(redirect, service_token(keys, hat, user, redirect, lifetimes))
