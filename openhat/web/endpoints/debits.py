"""Data debit routes: the v2.6 model (spec 5.1) and, under /api/v2 and /api/v2.0, the legacy
v2 model the original's RichDataSpec uses (spec 1.1, 7.2 #14-25)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from openhat.debits import legacy as legacy_debits
from openhat.debits import service as debits
from openhat.errors import HandlerNotFound
from openhat.identity import permissions
from openhat.identity.permissions import OWNER, PLATFORM, Role
from openhat.web.context import Call, Handler
from openhat.web.responses import JsonResponse
from openhat.wire import require_flag

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


def _body(call: Call) -> Any:
    return call.body


def _at_period_end(call: Call) -> bool:
    return require_flag(call.request.query_params.get("atPeriodEnd"), "atPeriodEnd")


def _bundle_id(call: Call) -> str | None:
    return call.request.path_params.get("bundle_id")


def _keyed(operation: Callable[..., Any], *inputs: Callable[[Call], Any],
           status: int = 200) -> Handler:
    """The handler of a route on one debit: the key from the path and `inputs` from the
    request, then one domain call: `operation(store, hat_id, key, *inputs)`."""

    def handler(call: Call) -> Response:
        key = debit_key(call.request)
        found = operation(call.store, call.hat.hat_id, key,
                          *(read(call) for read in inputs))
        return JsonResponse(found, status_code=status)

    handler.__name__ = operation.__name__
    handler.__doc__ = operation.__doc__
    return handler


def _listing(operation: Callable[..., Any]) -> Handler:
    def handler(call: Call) -> Response:
        return JsonResponse(operation(call.store, call.hat.hat_id))

    handler.__name__ = operation.__name__
    return handler


# v2.6 (spec 5.1)
create = _keyed(debits.create, _body, _user_id, status=201)
update = _keyed(debits.update, _body)
get = _keyed(debits.get_json)
list_debits = _listing(debits.list_json)
enable = _keyed(debits.enable)
disable = _keyed(debits.disable, _at_period_end)
values = _keyed(debits.values)

# legacy v2
legacy_create = _keyed(legacy_debits.create, _body, _user_id, status=201)
legacy_update = _keyed(legacy_debits.update, _body)
legacy_get = _keyed(legacy_debits.get_json)
legacy_list = _listing(legacy_debits.list_json)
legacy_enable = _keyed(legacy_debits.enable, _bundle_id)
legacy_disable = _keyed(legacy_debits.disable)
legacy_values = _keyed(legacy_debits.values)
