"""The data feed route (spec 5.2): owner, or an app granted `owner`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from openhat.errors import BadRequest
from openhat.feed import service as feed
from openhat.identity import permissions
from openhat.web.context import Call
from openhat.web.responses import JsonResponse


def can_read_feed(p: permissions.Principal, request: Request) -> bool:
    return permissions.owner_only(p)


def _seconds(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
        if not -(2**63) <= value < 2**63:  # the original's Long (found by fuzzing: larger
            raise ValueError  # values overflowed the database's integers)
        return value
    except ValueError:
        raise BadRequest(f'Cannot parse parameter {name} as Long: For input string: "{raw}"') \
            from None


def get_feed(call: Call) -> Response:
    prefix = call.request.path_params.get("prefix")
    items = feed.feed(call.store, call.hat.hat_id,
                      _seconds(call.request, "since"), _seconds(call.request, "until"),
                      str(prefix).strip("/") if prefix else None)
    return JsonResponse(items)
