"""Health, version, metrics and housekeeping (spec 5.5)."""

from __future__ import annotations

import hmac
import ipaddress

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from openhat.errors import Forbidden
from openhat.identity import permissions
from openhat.identity.permissions import OWNER, PLATFORM, Principal
from openhat.system import caches, metrics, status
from openhat.system import service as system
from openhat.web.context import AppState, Call
from openhat.web.responses import JsonResponse, message


async def healthz(request: Request) -> Response:
    """GET /healthz: 200 once the app is serving (its store is open and migrated)."""
    return JsonResponse({"Status": "OK"})


async def version(request: Request) -> Response:
    return JsonResponse(system.version())


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def metrics_text(request: Request) -> Response:
    """GET /metrics: loopback clients, or any client with `Authorization: Bearer
    <--metrics-token>`."""
    state: AppState = request.app.state.openhat
    token = state.settings.metrics_token
    given = request.headers.get("authorization", "")
    if not _loopback(request) and not (
            token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())):
        raise Forbidden()  # the standard 403: loopback only, or the metrics token
    body = await run_in_threadpool(metrics.scrape, state.store)
    return Response(body, media_type=metrics.CONTENT_TYPE)


async def apple_app_site_association(request: Request) -> Response:
    state: AppState = request.app.state.openhat
    return Response(system.apple_app_site_association(
        state.settings.apple_app_site_association), media_type="application/json")


def owner_user(p: Principal, request: Request) -> bool:
    """The owner's own token, never an application's."""
    return permissions.with_role(p, OWNER)


def report_frontend_action(call: Call) -> Response:
    assert call.caller is not None
    return message(system.log_frontend_action(call.hat.domain, call.body, call.caller.claims))


def can_read_status(p: Principal, request: Request) -> bool:
    """The owner or a platform user (or an application granted either), as the original."""
    return permissions.allows(p, (OWNER, PLATFORM))


def system_status(call: Call) -> Response:
    """GET /api/v2.6/system/status: the original's eight status items."""
    assert call.caller is not None
    settings = call.state.settings
    return JsonResponse(status.status(call.store, call.hat.hat_id,
                                      call.caller.user.user_id,
                                      settings.database_allowance_mb,
                                      settings.file_allowance_mb))


def destroy_cache(call: Call) -> Response:
    caches.clear_all()
    return message("beforeDestroy DONE")


def update(call: Call) -> Response:
    system.update(call.store)
    return message("Database updated")


def legacy_migrate(call: Call) -> Response:
    return message(system.legacy_migration(dict(call.request.query_params)))
