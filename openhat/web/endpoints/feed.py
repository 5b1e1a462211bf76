"""The data feed route (spec 5.2): owner, or an app granted `owner`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from openhat.errors import BadRequest
from openhat.feed import service as feed
from openhat.identity import permissions
from openhat.web.context import Call
from openhat.web.responses import JsonResponse
from openhat.wire import whole_number


def can_read_feed(p: permissions.Principal, request: Request) -> bool:
    return permissions.owner_only(p)


def _seconds(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    # The original's Long (found by fuzzing: larger values overflowed the database's
    # integers).
    value = whole_number(raw, -(2**63), 2**63 - 1)
    if value is None:
        raise BadRequest(f'Cannot parse parameter {name} as Long: For input string: "{raw}"')
    return value


def get_feed(call: Call) -> Response:
    prefix = call.request.path_params.get("prefix")
    items = feed.feed(call.store, call.hat.hat_id,
                      _seconds(call.request, "since"), _seconds(call.request, "until"),
                      str(prefix).strip("/") if prefix else None)
    return JsonResponse(items)
