"""The rich data routes (spec 3.1-3.10): thin handlers that parse, check, call `records`."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from openhat.audit import service as audit
from openhat.errors import BadRequest, Forbidden
from openhat.identity import permissions
from openhat.records import service as records
from openhat.records.wire import (
    NAMESPACE_RE,
    PAGING_PARAMS,
    EndpointDataIn,
    data_page,
    parse_endpoint_data_list,
    valid_endpoint,
)
from openhat.web.context import TOKEN_FIELD, Call
from openhat.web.responses import JsonResponse, message
from openhat.wire import MAX_INT, Json, parse_uuid, whole_number


def path_endpoint(request: Request) -> str:
    """`{namespace}/{endpoint}` from the path. Raises BadRequest when it is not a valid name."""
    namespace = request.path_params["namespace"]
    endpoint = f"{namespace}/{request.path_params['endpoint']}"
    if not NAMESPACE_RE.fullmatch(namespace) or not valid_endpoint(endpoint) \
            or endpoint.endswith("/") or "//" in endpoint:
        raise BadRequest(f"Endpoint invalid: {endpoint}")
    return endpoint


def int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    # The original's parameters are 32-bit Ints (found by fuzzing: larger values overflowed
    # the database's integers).
    value = whole_number(raw, -MAX_INT - 1, MAX_INT)
    if value is None:
        raise BadRequest(f'Cannot parse parameter {name} as Int: For input string: "{raw}"')
    if value < 0:
        raise BadRequest(f"Invalid parameter {name}: must not be negative, got {value}")
    return value


def bool_param(request: Request, name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return False
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise BadRequest(f"Cannot parse parameter {name} as Boolean: should be true, false, 0 or 1")


def record_ids_param(request: Request) -> list[str]:
    """`records` given repeated and/or comma-joined (hat-js joins with commas)."""
    ids = []
    for raw in request.query_params.getlist("records"):
        for part in raw.split(","):
            if not part.strip():
                continue
            record_id = parse_uuid(part.strip())
            if record_id is None:
                raise BadRequest(f"Cannot parse parameter records as UUID: Invalid UUID string:"
                                 f" {part.strip()}")
            ids.append(record_id)
    return ids


def page_params(request: Request) -> list[tuple[str, str]]:
    """The query parameters that are neither paging ones nor the token: the ad-hoc filter."""
    return [(k, v) for k, v in request.query_params.multi_items()
            if k not in PAGING_PARAMS and k != TOKEN_FIELD]


# --- rules -------------------------------------------------------------------------------

def can_read(p: permissions.Principal, request: Request) -> bool:
    return permissions.read_namespace(p, request.path_params["namespace"])


def can_write(p: permissions.Principal, request: Request) -> bool:
    return permissions.write_namespace(p, request.path_params["namespace"])


def can_write_data(p: permissions.Principal, request: Request) -> bool:
    return permissions.write_data(p)


def can_list_sources(p: permissions.Principal, request: Request) -> bool:
    return permissions.list_sources(p)


def _principal(call: Call) -> permissions.Principal:
    assert call.caller is not None
    return call.caller.principal


# --- handlers ----------------------------------------------------------------------------

def get_endpoint_data(call: Call) -> Response:
    q = call.request.query_params
    query = data_page(path_endpoint(call.request), q.get("orderBy"),
                      q.get("ordering") == "descending", int_param(call.request, "skip", 0),
                      int_param(call.request, "take", 1000), page_params(call.request))
    found = records.read_endpoint(call.store, call.hat.hat_id, query)
    audit.counted(len(found))
    return JsonResponse(found)


def save_endpoint_data(call: Call) -> Response:
    endpoint = path_endpoint(call.request)
    skip = bool_param(call.request, "skipErrors")
    saved = records.save_endpoint_data(call.store, call.hat.hat_id, endpoint,
                                       call.body, skip)
    return JsonResponse(saved, status_code=201)


def delete_endpoint_data(call: Call) -> Response:
    endpoint = path_endpoint(call.request)
    records.clear_endpoint(call.store, call.hat.hat_id, endpoint)
    return message("All records deleted")


def updates_body(value: Any) -> list[EndpointDataIn]:
    return parse_endpoint_data_list(value, need_record_id=True)


def update_records(call: Call) -> Response:
    updated = records.update_records(call.store, call.hat.hat_id,
                                     _principal(call), call.body)
    return JsonResponse(updated, status_code=201)


def delete_records(call: Call) -> Response:
    records.delete_records(call.store, call.hat.hat_id, _principal(call),
                           record_ids_param(call.request))
    return message("All records deleted")


def list_sources(call: Call) -> Response:
    return JsonResponse(records.sources(call.store, call.hat.hat_id))


def link_records(call: Call) -> Response:
    records.link_records(call.store, call.hat.hat_id, _principal(call),
                         record_ids_param(call.request))
    return message("Grouping registered", 201)


def save_batch(call: Call) -> Response:
    skip = bool_param(call.request, "skipErrors")
    saved = records.save_batch(call.store, call.hat.hat_id, _principal(call),
                               call.body, skip)
    return JsonResponse(saved, status_code=201)


def _record_id(call: Call) -> str:
    raw = call.request.path_params["record_id"]
    record_id = parse_uuid(raw)
    if record_id is None:
        raise BadRequest(f"Cannot parse parameter recordId as UUID: Invalid UUID string: {raw}")
    return record_id


def _readable(call: Call, record: Json) -> bool:
    return permissions.read_namespace(_principal(call), str(record["endpoint"]).split("/")[0])


def get_record(call: Call) -> Response:
    found = records.get_record(call.store, call.hat.hat_id, _record_id(call))
    if not _readable(call, found):
        raise Forbidden()  # the record exists, but not in a namespace the caller may read
    return JsonResponse(found)


def get_record_links(call: Call) -> Response:
    """The records linked to one (openhat); only those in namespaces the caller may read."""
    found, linked = records.linked_records(call.store, call.hat.hat_id,
                                           _record_id(call))
    if not _readable(call, found):
        raise Forbidden()
    return JsonResponse([record for record in linked if _readable(call, record)])
