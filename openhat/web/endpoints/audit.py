"""GET /api/v2.6/audit: the access audit log, for the owner (docs/audit.md)."""

from __future__ import annotations

from starlette.responses import Response

from openhat.audit import service as audit
from openhat.audit.wire import entry_json, parse_filter
from openhat.web.context import Call
from openhat.web.responses import JsonResponse


def entries(call: Call) -> Response:
    where = parse_filter(call.request.query_params)
    call.state.audit.flush()  # this process's queued reads, so none is missing
    found = audit.entries(call.store, call.hat.hat_id, where)
    return JsonResponse([entry_json(e) for e in found])
