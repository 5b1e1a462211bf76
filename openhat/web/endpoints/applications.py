"""Application routes (spec 2.6, 5.4): list, status, setup, disable, application tokens and
the public manifest; plus registering and removing applications (openhat: no central
directory, the owner registers manifests)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from openhat.applications import proxy as proxy_service
from openhat.applications import service as applications
from openhat.applications.manifests import APPLICATION_ID
from openhat.identity import permissions, tokens
from openhat.identity.permissions import OWNER, Principal, Role
from openhat.web.context import TOKEN_FIELD, Call
from openhat.web.responses import JsonResponse, message
from openhat.wire import parse_json

APPLICATION_LIST = Role("applicationlist")


def _id(request: Request) -> str:
    return str(request.path_params["application_id"])


def _for_this(kind: str, request: Request) -> tuple[Role, ...]:
    """`kind:<id>` for the application in the path; nothing for an id no application can
    have (a required `*` would match every grant of that kind)."""
    application_id = _id(request)
    return (Role(kind, application_id),) if APPLICATION_ID.fullmatch(application_id) else ()


# --- rules ---------------------------------------------------------------------------------

def can_list(p: Principal, request: Request) -> bool:
    return permissions.allows(p, (OWNER,), (OWNER, APPLICATION_LIST))


def can_read_status(p: Principal, request: Request) -> bool:
    return permissions.allows(p, (OWNER,), (OWNER, *_for_this("applicationmanage", request),
                                            *_for_this("applicationstatusread", request)))


def can_manage(p: Principal, request: Request) -> bool:
    return permissions.allows(p, (OWNER,), (OWNER, *_for_this("applicationmanage", request)))


def can_get_token(p: Principal, request: Request) -> bool:
    """Only an explicit `retrieveapplicationtoken:<id>` grant: `owner` does not cover it."""
    return permissions.with_role(p, OWNER) or permissions.app_role(
        p, *_for_this("retrieveapplicationtoken", request))


def owner_user(p: Principal, request: Request) -> bool:
    """The owner's own token; no application token, whatever it was granted."""
    return permissions.with_role(p, OWNER)


# --- handlers ------------------------------------------------------------------------------

def _principal(call: Call) -> Principal:
    assert call.caller is not None
    return call.caller.principal


def list_applications(call: Call) -> Response:
    """An application granted `applicationlist` but not `owner` sees only the applications
    it may manage."""
    principal = _principal(call)
    only = None
    if principal.application is not None and OWNER not in principal.app_roles:
        only = frozenset(r.extra for r in principal.app_roles if r.kind == "applicationmanage")
    return JsonResponse(applications.statuses(call.store, call.hat.hat_id,
                                              only))


def application_status(call: Call) -> Response:
    return JsonResponse(applications.status(call.store, call.hat.hat_id,
                                            _id(call.request)))


def setup(call: Call) -> Response:
    assert call.caller is not None
    return JsonResponse(applications.setup(call.store, call.hat.hat_id,
                                           _id(call.request), call.caller.user.user_id))


def disable(call: Call) -> Response:
    return JsonResponse(applications.disable(call.store, call.hat.hat_id,
                                             _id(call.request)))


def access_token(call: Call) -> Response:
    """An application token for the owner (the caller's user). It works while the
    application is enabled, and registered as it was when the token was issued."""
    assert call.caller is not None
    user = call.caller.user
    claims = applications.token_claims(call.store, call.hat.hat_id,
                                       _id(call.request))
    token = tokens.issue(call.keys, call.hat.domain, user, claims, call.state.lifetimes)
    return JsonResponse({"accessToken": token, "userId": user.user_id})


def hmi(call: Call) -> Response:
    """The manifest as registered; public, as the original's directory is."""
    return JsonResponse(applications.hmi(call.store, call.hat.hat_id,
                                         _id(call.request)))


def register(call: Call) -> Response:
    created, found = applications.register(call.store, call.hat.hat_id,
                                           call.body)
    return JsonResponse(found, status_code=201 if created else 200)


def remove(call: Call) -> Response:
    applications.remove(call.store, call.hat.hat_id, _id(call.request))
    return message("Application removed")


def proxy(call: Call) -> Response:
    """Forward to the application's API (applications/proxy.py); only the method, the
    query (without a token in it) and a JSON body go on."""
    assert call.caller is not None
    request = call.request
    raw: bytes = call.body
    body = raw if raw.strip() else None
    if body is not None:
        parse_json(body)  # 400 for a body that is not JSON, as the original's parser
    settings = call.state.settings
    query = [(k, v) for k, v in request.query_params.multi_items() if k != TOKEN_FIELD]
    forwarded = proxy_service.Forwarded(request.method, str(request.path_params["path"]),
                                        query, body)
    limits = proxy_service.Limits(bool(settings.proxy_allow_private),
                                  float(settings.proxy_timeout), settings.proxy_max_bytes)
    answer = proxy_service.forward(call.store, call.hat, call.keys,
                                   call.state.lifetimes, call.caller.user, _id(request),
                                   forwarded, limits)
    return Response(answer.body, status_code=answer.status, media_type="application/json")
