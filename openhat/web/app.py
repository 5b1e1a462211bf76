"""The ASGI application: create_app(), the one error handler, CORS and security headers."""

from __future__ import annotations

import gc
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openhat.audit import service as audit
from openhat.clock import DAY_S
from openhat.config import Settings
from openhat.errors import HandlerNotFound, HatError, InternalError
from openhat.identity import tokens
from openhat.notifications import changes, webhooks
from openhat.she.schedule import Schedule
from openhat.storage import open_store
from openhat.storage.base import Store
from openhat.web import server, webapp
from openhat.web.background import Background, Job
from openhat.web.context import TOKEN_FIELD, AppState
from openhat.web.metrics import RequestMetrics
from openhat.web.responses import JsonResponse
from openhat.web.routes import routes
from openhat.web.routing import IndexedRouter

log = logging.getLogger("openhat")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    # JSON only: nothing may run, load or frame anything, should a browser render an answer.
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
]


class HttpMiddleware:
    """An ASGI middleware for HTTP requests only (lifespan and other scopes pass through)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        else:
            await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class SecurityHeaders(HttpMiddleware):
    """Adds headers that keep browsers from sniffing, framing or caching HAT data; the web
    app's own pages may load their scripts and styles and call the API (webapp.py)."""

    def __init__(self, app: ASGIApp, blob_origin: str | None = None) -> None:
        super().__init__(app)
        policy = webapp.app_csp(blob_origin)
        self.app_headers = [(name, policy if name == b"content-security-policy" else value)
                            for name, value in SECURITY_HEADERS]

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        extra = self.app_headers if webapp.is_app_path(scope["path"]) else SECURITY_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def hat_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HatError)
    return JsonResponse(exc.body, status_code=exc.status)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 (no route, or no route for this method) → the HAT's 404."""
    assert isinstance(exc, HTTPException)
    if exc.status_code in (404, 405):
        error: HatError = HandlerNotFound(request.method, request.url.path)
    else:
        error = HatError({"error": exc.detail, "message": exc.detail}, exc.status_code)
    return JsonResponse(error.body, status_code=error.status)


def server_error(method: str, path: str) -> Response:
    """The 500 answer; the log names the error id and the path (never the query string or
    headers, which can carry a token)."""
    error_id = uuid.uuid4().hex[:12]
    log.exception("error %s on %s %s", error_id, method, path)
    error = InternalError(f"Server error occurred: {error_id}")
    return JsonResponse(error.body, status_code=error.status)


class ServerErrors(HttpMiddleware):
    """Answers an unexpected exception with the HAT's 500 body from inside the other
    middleware, so that the answer still carries the security and CORS headers (Starlette's
    handler for `Exception` runs outside every middleware)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:
            # The client left (or its request timed out, see web/server.py) before its body
            # arrived: nothing ran and there is no one to answer.
            log.info("Client disconnected during %s %s", scope.get("method"), scope.get("path"))
        except Exception:
            if started:
                raise
            response = server_error(scope.get("method", ""), scope.get("path", ""))
            await response(scope, receive, send)


def create_app(settings: Settings, store: Store | None = None) -> Starlette:
    """The HAT server for `settings`; opens (and migrates) the settings' database unless a
    store is given."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        background = Background(background_jobs(state))
        background.start()
        schedule = Schedule(state.store, settings.she_interval_seconds)
        schedule.start()
        yield
        schedule.stop()
        background.stop()
        state.hub.close()
        state.audit.flush()  # the queued reads: a clean shutdown loses none
        state.directory.close()
        if store is None:
            state.store.close()

    own_store = store or open_store(settings.database)
    own_store.migrate()
    state = AppState(settings, own_store,
                     tokens.Lifetimes(settings.token_lifetime_days * DAY_S,
                                      settings.token_idle_days * DAY_S))
    table = routes()
    app = Starlette(
        routes=[*table, *webapp.webapp_routes()],
        middleware=[
            Middleware(RequestMetrics, routes=table),
            Middleware(SecurityHeaders, blob_origin=state.blobs.origin),
            Middleware(CORSMiddleware, allow_origins=["*"],
                       allow_methods=["GET", "POST", "PUT", "PATCH", "HEAD", "DELETE", "OPTIONS"],
                       allow_headers=["Content-Type", TOKEN_FIELD, "username", "password",
                                      "Idempotency-Key", "Range",
                                      "x-amz-server-side-encryption", "Last-Event-ID"],
                       expose_headers=[TOKEN_FIELD, "Idempotent-Replayed"], max_age=86400),
            Middleware(ServerErrors),
        ],
        exception_handlers={HatError: hat_error, HTTPException: http_error},
        lifespan=lifespan,
    )
    # Matched through an index of the table (web/routing.py), not route after route.
    app.router = IndexedRouter(app.router.routes, lifespan=lifespan)
    app.state.openhat = state
    return app


def background_jobs(state: AppState) -> list[Job]:
    """Each process's periodic work: queued audit entries each second, due webhooks twice a
    second, retention hourly, for every store the process has open."""
    settings = state.settings
    rules = webhooks.DeliveryRules(settings.webhook_retry_seconds,
                                   bool(settings.webhooks_allow_loopback))

    def deliver() -> None:
        for store in state.directory.stores():
            webhooks.deliver_due(store, rules)

    def retain() -> None:
        for store in state.directory.stores():
            changes.prune(store, settings.events_window_hours)
            audit.prune(store, settings.audit_retention_days)

    return [(1.0, state.audit.flush), (0.5, deliver), (3600.0, retain)]


def tune_gc() -> None:
    """A batch of 1,000 records allocates ~100k objects, none of them cyclic garbage; the
    default threshold (700) runs the collector dozens of times per batch (measured: ~10 % of
    ingest time). Collect less often, and never scan the objects alive at start-up."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 50)


def app_from_env() -> Starlette:
    """Factory for `uvicorn --factory` (worker processes read the settings from OPENHAT_*)."""
    tune_gc()
    settings = Settings.load()
    server.configure(settings)
    return create_app(settings)
