"""SHE routes (spec 5.2): functions (the original's FunctionManager) and static data."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from openhat.feed import static
from openhat.identity import permissions
from openhat.identity.permissions import OWNER, Principal, Role
from openhat.she import service as she
from openhat.web.context import Call
from openhat.web.endpoints.data import bool_param
from openhat.web.responses import JsonResponse, message


def can_use(p: Principal, request: Request) -> bool:
    """The owner, or an application granted `owner`."""
    return permissions.owner_only(p)


def can_trigger(p: Principal, request: Request) -> bool:
    """Also an application granted `applicationmanage:{function}` (as the original)."""
    function_id = str(request.path_params["function_id"])
    return permissions.allows(p, (OWNER,), (OWNER, Role("applicationmanage", function_id)))


def _id(call: Call) -> str:
    return str(call.request.path_params["function_id"])


def list_functions(call: Call) -> Response:
    return JsonResponse(she.functions(call.store, call.hat.hat_id))


def get_function(call: Call) -> Response:
    return JsonResponse(she.function(call.store, call.hat.hat_id, _id(call)))


def enable(call: Call) -> Response:
    return JsonResponse(she.set_enabled(call.store, call.hat.hat_id,
                                        _id(call), True))


def disable(call: Call) -> Response:
    return JsonResponse(she.set_enabled(call.store, call.hat.hat_id,
                                        _id(call), False))


def trigger(call: Call) -> Response:
    she.trigger(call.store, call.hat.hat_id, _id(call),
                bool_param(call.request, "useAll"))
    return message("Function Executed")


def static_data(call: Call) -> Response:
    endpoint = str(call.request.path_params["endpoint"]).strip("/")
    return JsonResponse(static.static_data(call.store, call.hat.hat_id,
                                           endpoint))
