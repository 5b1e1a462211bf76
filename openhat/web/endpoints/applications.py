"""Application routes (spec 2.6, 5.4): list, status, setup, disable, application tokens and
the public manifest; plus registering and removing applications (openhat: no central
directory, the owner registers manifests)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from openhat.applications import service as applications
from openhat.applications.manifests import APPLICATION_ID
from openhat.identity import permissions, tokens
from openhat.identity.permissions import OWNER, Principal, Role
from openhat.web.context import Call
from openhat.web.responses import JsonResponse, message

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


async def list_applications(call: Call) -> Response:
    """An application granted `applicationlist` but not `owner` sees only the applications
    it may manage."""
    principal = _principal(call)
    only = None
    if principal.application is not None and OWNER not in principal.app_roles:
        only = frozenset(r.extra for r in principal.app_roles if r.kind == "applicationmanage")
    return JsonResponse(await call.run(applications.statuses, call.store, call.hat.hat_id,
                                       only))


async def application_status(call: Call) -> Response:
    return JsonResponse(await call.run(applications.status, call.store, call.hat.hat_id,
                                       _id(call.request)))


async def setup(call: Call) -> Response:
    assert call.caller is not None
    return JsonResponse(await call.run(applications.setup, call.store, call.hat.hat_id,
                                       _id(call.request), call.caller.user.user_id))


async def disable(call: Call) -> Response:
    return JsonResponse(await call.run(applications.disable, call.store, call.hat.hat_id,
                                       _id(call.request)))


async def access_token(call: Call) -> Response:
    """An application token for the owner (the caller's user). It works while the
    application is enabled, and registered as it was when the token was issued."""
    assert call.caller is not None
    user_id = call.caller.user.user_id
    claims = await call.run(applications.token_claims, call.store, call.hat.hat_id,
                            _id(call.request))
    token = await call.run(tokens.issue, call.keys, call.hat.domain, user_id, claims,
                           call.state.lifetimes)
    return JsonResponse({"accessToken": token, "userId": user_id})


async def hmi(call: Call) -> Response:
    """The manifest as registered; public, as the original's directory is."""
    return JsonResponse(await call.run(applications.hmi, call.store, call.hat.hat_id,
                                       _id(call.request)))


async def register(call: Call) -> Response:
    created, found = await call.run(applications.register, call.store, call.hat.hat_id,
                                    call.body)
    return JsonResponse(found, status_code=201 if created else 200)


async def remove(call: Call) -> Response:
    await call.run(applications.remove, call.store, call.hat.hat_id, _id(call.request))
    return message("Application removed")
