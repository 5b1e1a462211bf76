"""What every HAT route does before and after its own work.

In order: find the HAT the Host names; read and parse the JSON body (before authentication,
as the original does, spec 1.3); authenticate the token and check the route's rule; run the
handler; and on success attach the refreshed token (spec 1.5).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from openhat import idempotency
from openhat.applications import service as applications
from openhat.config import Settings
from openhat.errors import (
    Forbidden,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
)
from openhat.hats.directory import HatDirectory
from openhat.identity import tokens, users
from openhat.identity.keys import hat_keys
from openhat.identity.permissions import Principal, Role
from openhat.storage.base import Store
from openhat.storage.rows import Hat, HatUnavailable, SigningKey, User
from openhat.web.ratelimit import TokenBuckets
from openhat.wire import parse_json

P = ParamSpec("P")
T = TypeVar("T")

TOKEN_FIELD = "X-Auth-Token"
WRITE_METHODS = {"POST", "PUT", "DELETE"}
JSON_TYPES = ("application/json", "text/json")


@dataclass
class AppState:
    """Shared by every request of one app instance."""

    settings: Settings
    store: Store  # the home database (see openhat.directory)
    lifetimes: tokens.Lifetimes
    login_buckets: TokenBuckets = field(default_factory=TokenBuckets)
    # Old-password guesses per token (its jti survives renewal): 5 at once, then one a minute.
    password_buckets: TokenBuckets = field(
        default_factory=lambda: TokenBuckets(capacity=5, refill_seconds=60.0))
    directory: HatDirectory = field(init=False)

    def __post_init__(self) -> None:
        self.directory = HatDirectory(self.store, self.settings.database)


@dataclass
class Caller:
    user: User
    claims: dict[str, Any]
    principal: Principal


@dataclass
class Call:
    """One request to a HAT route, as its handler sees it."""

    request: Request
    state: AppState
    hat: Hat
    keys: list[SigningKey]
    body: Any = None
    caller: Caller | None = None
    hat_store: Store | None = None  # the database this HAT lives in

    @property
    def store(self) -> Store:
        """The store holding this HAT's rows."""
        return self.hat_store if self.hat_store is not None else self.state.store

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run blocking domain or storage work off the event loop."""
        return await run_in_threadpool(fn, *args, **kwargs)


Rule = Callable[[Principal, Request], bool]
Handler = Callable[[Call], Awaitable[Response]]


def any_user(principal: Principal, request: Request) -> bool:
    return True


BodyReader = Callable[[Any], Any]


def hat_route(handler: Handler, *, rule: Rule | None = None,
              body: bool | BodyReader = False) -> Callable[[Request], Awaitable[Response]]:
    """Wrap `handler` into a Starlette endpoint. `rule` None means no token is needed.
    `body` True reads the JSON body; a function also turns it into the route's model (both
    before authentication, as the original's typed body parsers do)."""

    async def endpoint(request: Request) -> Response:
        state: AppState = request.app.state.openhat
        try:
            return await _handle(request, state, handler, rule, body)
        except HatUnavailable:
            # The HAT was moved (or removed) while this request ran; nothing was written.
            raise ServiceUnavailable("HAT unavailable: it is being moved, retry") from None

    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint


async def _handle(request: Request, state: AppState, handler: Handler, rule: Rule | None,
                  body: bool | BodyReader) -> Response:
    """Everything hat_route does, for the HAT the request's Host names."""
    store, hat, keys = await run_in_threadpool(_hat_and_keys, state.directory, request)
    raw = await read_body(request, state.settings) if body else b""
    parsed = parse_json(raw) if body else None
    if callable(body):
        parsed = body(parsed)
    call = Call(request, state, hat, keys, parsed, hat_store=store)
    if rule is not None:
        call.caller = await run_in_threadpool(authenticate, call)
        if not rule(call.caller.principal, request):
            raise Forbidden()
    key = request.headers.get(idempotency.HEADER)
    if key is not None and call.caller is not None and request.method in WRITE_METHODS:
        response = await idempotent(call, call.caller, handler, key, raw)
    else:
        response = await handler(call)
    # A handler that issues a new token for the caller (a password change) sets it.
    if call.caller is not None and 200 <= response.status_code < 300 \
            and TOKEN_FIELD not in response.headers:
        response.headers[TOKEN_FIELD] = await run_in_threadpool(
            tokens.refreshed, call.caller.claims, keys)
    return response


async def idempotent(call: Call, caller: Caller, handler: Handler, key: str,
                     raw: bytes) -> Response:
    """Run a write once per Idempotency-Key and caller; a retry by the same caller, whose
    token has just passed the route's rule again, gets the first answer replayed."""
    request = call.request
    key = idempotency.scoped_key(caller_identity(caller), key)
    fingerprint = idempotency.fingerprint(request.method, request.url.path,
                                          request.url.query, raw)
    earlier = await call.run(idempotency.claim, call.store, call.hat.hat_id, key, fingerprint)
    if earlier is not None:
        return Response(earlier.body, status_code=earlier.status or 200,
                        media_type="application/json",
                        headers={"Idempotent-Replayed": "true"})
    try:
        response = await handler(call)
    except BaseException:
        await call.run(idempotency.release, call.store, call.hat.hat_id, key)
        raise
    if 200 <= response.status_code < 300:
        await call.run(idempotency.finish, call.store, call.hat.hat_id, key,
                       response.status_code, bytes(response.body))
    else:
        await call.run(idempotency.release, call.store, call.hat.hat_id, key)
    return response


def caller_identity(caller: Caller) -> str:
    """Who a token speaks for: its user, and the application (and that application's
    registration) when it is an application token."""
    claims = caller.claims
    return " ".join(str(claims.get(c) or "") for c in
                    ("sub", "application", applications.REGISTRATION_CLAIM))


def _hat_and_keys(directory: HatDirectory,
                  request: Request) -> tuple[Store, Hat, list[SigningKey]]:
    found = directory.resolve(request.headers.get("host", ""))
    if found is None:
        raise NotFound("HAT unavailable")
    return found.store, found.hat, hat_keys(found.store, found.hat.hat_id)


async def read_body(request: Request, settings: Settings) -> bytes:
    """The raw body of a JSON request. 415 for a non-JSON Content-Type (a missing one is
    accepted), 413 past the size limit (counted while reading, whatever the headers say)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and content_type not in JSON_TYPES and not content_type.endswith("+json"):
        raise UnsupportedMediaType(f"Expecting application/json body, not {content_type}")
    limit = settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"Request body exceeds {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"Request body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def request_token(request: Request) -> str | None:
    """The token from the query string first, then the header (spec 2.3)."""
    return request.query_params.get(TOKEN_FIELD) or request.headers.get(TOKEN_FIELD)


def authenticate(call: Call) -> Caller:
    """The caller behind the request's token. Raises NotAuthenticated."""
    token = request_token(call.request)
    if not token:
        raise NotAuthenticated()
    user, claims = users.authenticate(call.store, call.hat.hat_id, call.keys, token,
                                      call.state.lifetimes)
    return Caller(user, claims, principal_for(call, user, claims))


def principal_for(call: Call, user: User, claims: dict[str, Any]) -> Principal:
    """The caller's roles. An application token carries its application's grants, read
    now: a token of an application that is unknown, not enabled, or registered anew since is
    refused (NotAuthenticated), so disabling or removing an application stops its tokens at
    once, in every process."""
    scope = claims.get("accessScope")
    application = claims.get("application")
    user_roles = frozenset(Role.parse(r) for r in user.roles)
    access_scope = scope if isinstance(scope, str) else None
    if application is None:
        return Principal(user_roles, access_scope)
    # A token issued before registrations had ids carries none: '' (their migrated value).
    registration = claims.get(applications.REGISTRATION_CLAIM, "")
    if not isinstance(application, str) or not isinstance(registration, str):
        raise NotAuthenticated()
    granted = applications.grants(call.store, call.hat.hat_id, application, registration)
    if granted is None:
        raise NotAuthenticated()
    return Principal(user_roles, access_scope, application, app_enabled=True,
                     app_roles=granted)
