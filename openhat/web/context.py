"""What every HAT route does before and after its own work.

In order: find the HAT the Host names; read and parse the JSON body (before authentication,
as the original does, spec 1.3); authenticate the token and check the route's rule; run the
handler; and on success attach the refreshed token (spec 1.5).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from openhat import idempotency
from openhat.accounts.mail import Mailer
from openhat.applications import service as applications
from openhat.audit import service as audit
from openhat.config import Settings
from openhat.errors import (
    BadRequest,
    Forbidden,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
)
from openhat.files.blobs import BlobStore, open_blobs
from openhat.hats.contexts import HatContext, RequestContexts
from openhat.hats.directory import HatDirectory
from openhat.identity import tokens, users
from openhat.identity.permissions import Principal, Role
from openhat.notifications import webhooks
from openhat.notifications.stream import Hub
from openhat.storage.base import Store
from openhat.storage.rows import Hat, HatUnavailable, SigningKey, User
from openhat.web.auditing import handler_name, request_audit
from openhat.web.ratelimit import TokenBuckets
from openhat.wire import ascii_digits, parse_json

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
    # Password reset and verification requests per client address: 10 at once, then one a
    # minute (each may send a mail; the mails themselves are limited per user).
    mail_buckets: TokenBuckets = field(
        default_factory=lambda: TokenBuckets(capacity=10, refill_seconds=60.0))
    audit: audit.AuditLog = field(default_factory=audit.AuditLog)
    hub: Hub = field(default_factory=Hub)  # the event streams of this process
    renewals: tokens.Renewals = field(default_factory=tokens.Renewals)
    directory: HatDirectory = field(init=False)
    contexts: RequestContexts = field(init=False)  # HATs, keys, users, grants, kept
    blobs: BlobStore = field(init=False)  # where file contents are kept
    mailer: Mailer = field(init=False)

    def __post_init__(self) -> None:
        self._attach(self.store)
        self.directory = HatDirectory(self.store, self.settings.database,
                                      on_open=self._attach)
        self.contexts = RequestContexts(self.directory)
        self.blobs = open_blobs(self.settings)
        domain = self.settings.public_domain.rsplit(":", 1)[0].strip("[]")
        self.mailer = Mailer(self.settings.smtp_url,
                             self.settings.mail_from or f"openhat@{domain}")

    def reads_locally(self) -> bool:
        """Whether every database this process has open reads locally (SQLite), so that a
        read may run on the event loop: not once the directory has opened another
        database (a HAT elsewhere, perhaps on PostgreSQL)."""
        return self.store.dialect.local_reads and len(self.directory.stores()) == 1

    def _attach(self, store: Store) -> None:
        """What runs inside every unit of work of a store this process opens: the audit
        log's entries and the webhooks of manifests being set up."""
        self.audit.attach(store)
        webhooks.attach(store, bool(self.settings.webhooks_allow_loopback))


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
    context: HatContext = field(repr=False)  # the HAT's, up to date (hats/contexts.py)
    body: Any = None
    caller: Caller | None = None

    @property
    def hat(self) -> Hat:
        return self.context.located.hat

    @property
    def keys(self) -> list[SigningKey]:
        return self.context.keys

    @property
    def store(self) -> Store:
        """The store holding this HAT's rows."""
        return self.context.located.store

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run blocking work off the event loop, from a coroutine (a stream's body)."""
        return await run_in_threadpool(fn, *args, **kwargs)


Rule = Callable[[Principal, Request], bool]
# A plain function (run in a worker thread), or a coroutine for the handlers that read the
# request's stream themselves.
Handler = Callable[[Call], Response] | Callable[[Call], Awaitable[Response]]


def any_user(principal: Principal, request: Request) -> bool:
    return True


def client_address(request: Request) -> str:
    """The client's address (the TCP peer's, or a trusted proxy's X-Forwarded-For)."""
    return request.client.host if request.client else "unknown"


def optional_caller(call: Call) -> Caller | None:
    """The caller behind the request's token, or None when it carries none that is valid
    (for the routes that anyone may call, but that do more for the owner)."""
    try:
        return authenticate(call) if request_token(call.request) else None
    except NotAuthenticated:
        return None


BodyReader = Callable[[Any], Any]
RAW: Literal["raw"] = "raw"  # `body=RAW`: the handler gets the body's bytes as they came
Body = bool | BodyReader | Literal["raw"]


def hat_route(handler: Handler, *, rule: Rule | None = None, body: Body = False,
              reads: bool = False) -> Callable[[Request], Awaitable[Response]]:
    """Wrap `handler` into a Starlette endpoint. `rule` None means no token is needed.
    `body` True reads the JSON body; a function also turns it into the route's model (both
    before authentication, as the original's typed body parsers do, for bodies up to
    EARLY_BODY_BYTES; a larger one is read only once its sender is known to be allowed).

    A plain handler runs with everything around it in one worker-thread call, or, with
    `reads` (a handler that only reads), on the event loop itself while every database of
    the process reads locally (SQLite: a thread hop costs more than the whole read); a coroutine
    handler (one that reads the request's stream itself) runs on the event loop, after
    one worker-thread call that finds the HAT (and the caller)."""

    name = handler_name(handler)
    streams = inspect.iscoroutinefunction(handler)

    async def endpoint(request: Request) -> Response:
        state: AppState = request.app.state.openhat
        response: Response
        with state.audit.request(request_audit(request, name)) as audited:
            try:
                if streams:
                    call = await run_in_threadpool(_admitted, request, state, rule, body, b"")
                    response = await handler(call)  # type: ignore[misc]
                elif reads and state.reads_locally():  # here, on the event loop
                    response = _handle_now(request, state, handler, rule, False, b"")
                else:
                    response = await _handle(request, state, handler, rule, body)
            except HatUnavailable:
                # The HAT was moved (or removed) while this request ran; nothing was written.
                raise ServiceUnavailable("HAT unavailable: it is being moved, retry") from None
            if audited is not None:
                state.audit.answered(audited, response.status_code)
            return response

    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint


# Bodies up to this size are read and parsed before the token is checked (spec 1.3: a
# malformed body is a 400 even without a token); a larger one only once the caller is
# allowed, so that a stranger's 10 MB costs nothing but a 401.
EARLY_BODY_BYTES = 64 * 1024


async def _handle(request: Request, state: AppState, handler: Handler, rule: Rule | None,
                  body: Body) -> Response:
    """A plain handler's request: in one worker-thread call when its body is small."""
    if body and rule is not None and not _small_body(request):
        call = await run_in_threadpool(_admitted, request, state, rule, False, b"")
        raw = await read_body(request, state.settings)
        return await run_in_threadpool(_answer, call, handler, body, raw)
    raw = await read_body(request, state.settings) if body else b""
    return await run_in_threadpool(_handle_now, request, state, handler, rule, body, raw)


def _small_body(request: Request) -> bool:
    declared = request.headers.get("content-length")
    return declared is not None and ascii_digits(declared) and int(declared) <= EARLY_BODY_BYTES


def _handle_now(request: Request, state: AppState, handler: Handler, rule: Rule | None,
                body: Body, raw: bytes) -> Response:
    return _answer(_admitted(request, state, rule, body, raw), handler, False, raw)


def _context(request: Request, state: AppState) -> HatContext:
    """The context of the HAT the request's Host names. Raises NotFound."""
    context = state.contexts.current(request.headers.get("host", ""))
    if context is None:
        raise NotFound("HAT unavailable")
    return context


def _admitted(request: Request, state: AppState, rule: Rule | None, body: Body,
              raw: bytes) -> Call:
    """The request's Call: its HAT, its parsed `body` (when given), and its caller, who has
    passed `rule`. Raises BadRequest for NUL in the path, NotFound, the body's 4xx,
    NotAuthenticated or Forbidden."""
    context = _context(request, state)
    located = context.located
    audit.located(located.store, located.hat.hat_id)  # so that a refusal is audited too
    for name, value in request.path_params.items():
        # No id holds NUL, and PostgreSQL refuses it in any text (an application's or a
        # webhook's id with one was a 500 there).
        if "\x00" in str(value):
            raise BadRequest(f"Invalid path parameter {name}: NUL is not allowed")
    call = Call(request, state, context, _parsed(body, raw))
    if rule is not None:
        call.caller = authenticate(call)
        audit.identified(call.caller.user, call.caller.claims)
        if not rule(call.caller.principal, request):
            raise Forbidden()
    return call


def _parsed(body: Body, raw: bytes) -> Any:
    if not body:
        return None
    if body == RAW:
        return raw
    parsed = parse_json(raw)
    return body(parsed) if callable(body) else parsed


def _answer(call: Call, handler: Handler, body: Body, raw: bytes) -> Response:
    """Run the handler for an admitted call (parsing `body` first, when it is read late),
    once per Idempotency-Key, and attach the caller's renewed token to a success."""
    if body:
        call.body = _parsed(body, raw)
    key = call.request.headers.get(idempotency.HEADER)
    if key is not None and call.caller is not None and call.request.method in WRITE_METHODS:
        response = idempotent(call, call.caller, handler, key, raw)
    else:
        response = handler(call)  # type: ignore[assignment]
    # A handler that issues a new token for the caller (a password change) sets it.
    if call.caller is not None and 200 <= response.status_code < 300 \
            and TOKEN_FIELD not in response.headers:
        response.headers[TOKEN_FIELD] = call.state.renewals.renewed(call.caller.claims,
                                                                     call.keys)
    return response


def idempotent(call: Call, caller: Caller, handler: Handler, key: str,
               raw: bytes) -> Response:
    """Run a write once per Idempotency-Key and caller; a retry by the same caller, whose
    token has just passed the route's rule again, gets the first answer replayed."""
    request = call.request
    key = idempotency.scoped_key(caller_identity(caller), key)
    fingerprint = idempotency.fingerprint(request.method, request.url.path,
                                          request.url.query, raw)
    earlier = idempotency.claim(call.store, call.hat.hat_id, key, fingerprint)
    if earlier is not None:
        return Response(earlier.body, status_code=earlier.status or 200,
                        media_type="application/json",
                        headers={"Idempotent-Replayed": "true"})
    try:
        response: Response = handler(call)  # type: ignore[assignment]
    except BaseException:
        idempotency.release(call.store, call.hat.hat_id, key)
        raise
    if 200 <= response.status_code < 300:
        idempotency.finish(call.store, call.hat.hat_id, key, response.status_code,
                           bytes(response.body))
    else:
        idempotency.release(call.store, call.hat.hat_id, key)
    return response


def caller_identity(caller: Caller) -> str:
    """Who a token speaks for: its user, and the application (and that application's
    registration) when it is an application token."""
    claims = caller.claims
    return " ".join(str(claims.get(c) or "") for c in
                    ("sub", "application", applications.REGISTRATION_CLAIM))


async def read_body(request: Request, settings: Settings) -> bytes:
    """The raw body of a JSON request. 415 for a non-JSON Content-Type (a missing one is
    accepted), 413 past the size limit (counted while reading, whatever the headers say)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and content_type not in JSON_TYPES and not content_type.endswith("+json"):
        raise UnsupportedMediaType(f"Expecting application/json body, not {content_type}")
    limit = settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and ascii_digits(declared) and int(declared) > limit:
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
    user, claims = users.authenticate(call.context.user, call.context.signed, token,
                                      call.state.lifetimes)
    return Caller(user, claims, principal_for(call, user, claims))


def authenticate_again(call: Call) -> Caller:
    """The caller behind the request's token as of now, for a response that outlives the
    request's own check (a stream): the HAT's context is read again first. Raises
    NotAuthenticated, also when the HAT is gone."""
    context = call.state.contexts.current(call.request.headers.get("host", ""))
    if context is None or context.located.hat.hat_id != call.hat.hat_id:
        raise NotAuthenticated()
    call.context = context
    return authenticate(call)


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
    granted = call.context.grants(application, registration)
    if granted is None:
        raise NotAuthenticated()
    return Principal(user_roles, access_scope, application, app_enabled=True,
                     app_roles=granted)
