"""Change notifications (docs/events.md): the event stream and webhooks."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from openhat.errors import BadRequest, Forbidden, HatError
from openhat.identity import permissions
from openhat.notifications import changes, webhooks
from openhat.notifications.changes import Reader
from openhat.notifications.stream import StreamLimits, events
from openhat.web.context import Call, Caller, authenticate_again
from openhat.web.responses import JsonResponse, message

LAST_EVENT_ID = "Last-Event-ID"


def can_listen(p: permissions.Principal, request: Request) -> bool:
    """Any token; what it may read is decided per endpoint (docs/events.md)."""
    return True


def _caller(call: Call) -> Caller:
    assert call.caller is not None
    return call.caller


def _limits(call: Call) -> StreamLimits:
    s = call.state.settings
    return StreamLimits(float(s.events_heartbeat_seconds), s.events_buffer,
                        float(s.events_stall_seconds), s.events_streams_per_token)


def stream(call: Call) -> Response:
    """GET /api/v2.6/events?endpoint=NS[/EP]: the changes the token may read, as
    server-sent events; 403 when it asks for an endpoint it may not read."""
    request, hat_id, store = call.request, call.hat.hat_id, call.store
    wanted = changes.selection(request.query_params.getlist("endpoint"))
    caller = _caller(call)
    found, after = changes.opening(store, hat_id, caller.user,
                                   caller.principal, wanted,
                                   request.headers.get(LAST_EVENT_ID)
                                   or request.query_params.get(LAST_EVENT_ID))
    limits = _limits(call)
    token_id = str(caller.claims.get("jti") or caller.user.user_id)
    call.state.hub.check(token_id, limits.per_token)

    async def recheck() -> Reader | None:
        try:
            now = await call.run(authenticate_again, call)
        except HatError:  # the token expired, its application was disabled, ...
            return None
        return await call.run(changes.still_reading, store, hat_id, now.user, now.principal,
                              wanted)

    async def body() -> AsyncIterator[bytes]:
        with call.state.hub.opened(token_id):
            async for chunk in events(call.state.hub, store, hat_id, found, wanted, after,
                                      recheck, limits):
                yield chunk

    return StreamingResponse(body(), media_type="text/event-stream",
                             headers={"X-Accel-Buffering": "no"})


def _webhook_owner(call: Call) -> str:
    """Whose webhooks the caller manages: its application's, or the owner's (''); other
    users have none."""
    principal = _caller(call).principal
    if principal.application is not None:
        return principal.application
    if permissions.with_role(principal, permissions.OWNER):
        return ""
    raise Forbidden("Access Denied: only an application or the owner registers webhooks")


def _scope(call: Call) -> str | None:
    """The webhooks the caller sees: all for the owner, else its application's."""
    owner = _webhook_owner(call)
    return None if owner == "" else owner


def _rules(call: Call) -> webhooks.DeliveryRules:
    s = call.state.settings
    return webhooks.DeliveryRules(s.webhook_retry_seconds, bool(s.webhooks_allow_loopback))


def register_webhook(call: Call) -> Response:
    """POST /api/v2.6/webhooks `{"url", "endpoints": [...]}`."""
    body = call.body
    if not isinstance(body, dict) or not isinstance(body.get("url"), str) \
            or not isinstance(body.get("endpoints", []), list) \
            or not all(isinstance(e, str) for e in body.get("endpoints", [])):
        raise BadRequest('Expecting {"url": "https://...", "endpoints": ["ns/ep", ...]}')
    owner = _webhook_owner(call)
    caller = _caller(call)
    wanted = changes.selection(body.get("endpoints", []))
    created = webhooks.register(call.store, call.hat.hat_id, owner, caller.user,
                                caller.principal, body["url"], wanted, _rules(call))
    return JsonResponse(created, status_code=201)


def list_webhooks(call: Call) -> Response:
    return JsonResponse(webhooks.listed(call.store, call.hat.hat_id, _scope(call)))


def new_webhook_secret(call: Call) -> Response:
    """POST /api/v2.6/webhooks/{id}/secret: a new signing secret, answered once."""
    return JsonResponse(webhooks.new_secret(call.store, call.hat.hat_id,
                                            call.request.path_params["webhook_id"],
                                            _scope(call)))


def remove_webhook(call: Call) -> Response:
    webhooks.remove(call.store, call.hat.hat_id, call.request.path_params["webhook_id"],
                    _scope(call))
    return message("Webhook removed")
