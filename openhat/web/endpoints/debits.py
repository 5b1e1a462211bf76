"""Data debit routes: the v2.6 model (spec 5.1) and, under /api/v2 and /api/v2.0, the legacy
v2 model the original's RichDataSpec uses (spec 1.1, 7.2 #14-25)."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response

from openhat.debits import legacy as legacy_debits
from openhat.debits import service as debits
from openhat.debits.wire import require_flag
from openhat.errors import HandlerNotFound
from openhat.identity import permissions
from openhat.identity.permissions import OWNER, PLATFORM, Role
from openhat.web.context import Call
from openhat.web.responses import JsonResponse

DEBIT_ID = re.compile(r"[0-9a-zA-Z\-]+")


def debit_key(request: Request) -> str:
    key = str(request.path_params["debit_key"])
    if not DEBIT_ID.fullmatch(key):
        raise HandlerNotFound(request.method, request.url.path)
    return key


# --- rules ---------------------------------------------------------------------------------

def can_create(p: permissions.Principal, request: Request) -> bool:
    return permissions.allows(p, (OWNER, Role("datadebit"), PLATFORM))


def can_use(p: permissions.Principal, request: Request) -> bool:
    """The owner, or whoever holds this debit (`datadebit:<key>`)."""
    return permissions.allows(p, (OWNER, Role("datadebit", str(
        request.path_params.get("debit_key", "")))))


def can_manage(p: permissions.Principal, request: Request) -> bool:
    return permissions.owner_only(p)


def _user_id(call: Call) -> str:
    assert call.caller is not None
    return call.caller.user.user_id


# --- v2.6 ----------------------------------------------------------------------------------

async def create(call: Call) -> Response:
    key = debit_key(call.request)
    made = await call.run(debits.create, call.store, call.hat.hat_id, key, call.body,
                          _user_id(call))
    return JsonResponse(made, status_code=201)


async def update(call: Call) -> Response:
    key = debit_key(call.request)
    return JsonResponse(await call.run(debits.update, call.store, call.hat.hat_id, key,
                                       call.body))


async def get(call: Call) -> Response:
    key = debit_key(call.request)
    return JsonResponse(await call.run(debits.get_json, call.store, call.hat.hat_id, key))


async def list_debits(call: Call) -> Response:
    return JsonResponse(await call.run(debits.list_json, call.store, call.hat.hat_id))


async def enable(call: Call) -> Response:
    key = debit_key(call.request)
    return JsonResponse(await call.run(debits.enable, call.store, call.hat.hat_id, key))


async def disable(call: Call) -> Response:
    key = debit_key(call.request)
    at_end = require_flag(call.request.query_params.get("atPeriodEnd"), "atPeriodEnd")
    return JsonResponse(await call.run(debits.disable, call.store, call.hat.hat_id, key,
                                       at_end))


async def values(call: Call) -> Response:
    key = debit_key(call.request)
    return JsonResponse(await call.run(debits.values, call.store, call.hat.hat_id, key))


# --- legacy v2 -----------------------------------------------------------------------------

async def legacy_create(call: Call) -> Response:
    key = debit_key(call.request)
    made = await call.run(legacy_debits.create, call.store, call.hat.hat_id, key, call.body,
                          _user_id(call))
    return JsonResponse(made, status_code=201)


async def legacy_update(call: Call) -> Response:
    key = debit_key(call.request)
    return JsonResponse(await call.run(legacy_debits.update, call.store, call.hat.hat_id, key,
                                       call.body))


async def legacy_get(call: Call) -> Response:
    key = debit_key(call.request)
    return JsonResponse(await call.run(legacy_debits.get_json, call.store, call.hat.hat_id,
                                       key))


async def legacy_list(call: Call) -> Response:
    return JsonResponse(await call.run(legacy_debits.list_json, call.store, call.hat.hat_id))


async def legacy_enable(call: Call) -> Response:
    key = debit_key(call.request)
    bundle_id = call.request.path_params.get("bundle_id")
    return JsonResponse(await call.run(legacy_debits.enable, call.store, call.hat.hat_id, key,
                                       bundle_id))


async def legacy_disable(call: Call) -> Response:
    key = debit_key(call.request)
    return JsonResponse(await call.run(legacy_debits.disable, call.store, call.hat.hat_id,
                                       key))


async def legacy_values(call: Call) -> Response:
    key = debit_key(call.request)
    return JsonResponse(await call.run(legacy_debits.values, call.store, call.hat.hat_id,
                                       key))
