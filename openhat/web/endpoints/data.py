"""The rich data routes (spec 3.1-3.10): thin handlers that parse, check, call `records`."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from openhat.errors import AccessDenied, BadRequest, Forbidden
from openhat.identity import permissions
from openhat.records import service as records
from openhat.records.wire import (
    NAMESPACE_RE,
    EndpointDataIn,
    parse_endpoint_data_list,
    valid_endpoint,
)
from openhat.storage.rows import FieldFilter, RecordQuery
from openhat.web.context import TOKEN_FIELD, Call
from openhat.web.responses import JsonResponse, message
from openhat.wire import MAX_INT, UNSUPPORTED_PATH_KEYS, parse_uuid, unsafe_path_key

PAGING_PARAMS = {"orderBy", "ordering", "skip", "take"}


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
    try:
        value = int(raw)
        if value > MAX_INT:  # the original's parameters are 32-bit Ints (found by fuzzing:
            raise ValueError  # larger values overflowed the database's integers)
    except ValueError:
        raise BadRequest(f'Cannot parse parameter {name} as Int: For input string: "{raw}"') \
            from None
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


def path_param(name: str, text: str) -> tuple[str, ...]:
    """A dot path from a parameter. Raises BadRequest for keys no backend's path syntax
    carries (quotes, backslashes, control characters: models.unsafe_path_key)."""
    keys = tuple(text.split("."))
    if any(map(unsafe_path_key, keys)):
        raise BadRequest(f"Invalid parameter {name!r}: {UNSUPPORTED_PATH_KEYS}")
    return keys


def filter_param(request: Request) -> FieldFilter | None:
    """The ad-hoc filter (records.field_filter), a dotted key a usable path (one key is
    matched as a bound value: any key will do), and no NUL, which no stored string holds
    and PostgreSQL refuses in a parameter."""
    found = records.field_filter([(k, v) for k, v in request.query_params.multi_items()
                                  if k not in PAGING_PARAMS and k != TOKEN_FIELD])
    if found is None:
        return None
    name = ".".join(found.path)
    if len(found.path) > 1:
        path_param(name, name)
    if any("\x00" in text for text in (name, *found.values)):
        raise BadRequest(f"Invalid parameter {name!r}: NUL characters are not supported")
    return found


def page_query(request: Request, endpoint: str) -> RecordQuery:
    order_by = request.query_params.get("orderBy")
    return RecordQuery(
        endpoint=endpoint,
        order_by=path_param("orderBy", order_by) if order_by else None,
        descending=request.query_params.get("ordering") == "descending",
        skip=int_param(request, "skip", 0),
        take=int_param(request, "take", 1000),
        field_filter=filter_param(request),
    )


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


def require_namespaces(call: Call, items: list[EndpointDataIn], cause: str) -> None:
    """Every namespace of every element and link must be writable, before anything is."""
    namespaces: set[str] = set()
    for item in items:
        namespaces |= item.namespaces()
    if not all(permissions.can_write_namespace(_principal(call), ns) for ns in namespaces):
        raise AccessDenied(cause)


STORED_NAMESPACES_DENIED = ("Access Denied - Permissions to modify records in some of the"
                            " namespaces missing")


async def require_stored_namespaces(call: Call, record_ids: list[str],
                                    cause: str = STORED_NAMESPACES_DENIED) -> None:
    """Anyone but the owner may only touch stored records in namespaces they can write.

    The original checks this for app tokens on DELETE only (spec 3.6) and relies on record
    ownership for other users; openhat records belong to the HAT, so it checks every caller
    but the owner, on DELETE, PUT and /data-link alike (a PUT naming a writable endpoint
    must not rewrite a record stored elsewhere)."""
    principal = _principal(call)
    if permissions.with_role(principal, permissions.OWNER) or not record_ids:
        return
    endpoints = await call.run(call.store.record_endpoints, call.hat.hat_id, record_ids)
    if not all(permissions.can_write_namespace(principal, e.split("/")[0]) for e in endpoints):
        raise AccessDenied(cause)


# --- handlers ----------------------------------------------------------------------------

async def get_endpoint_data(call: Call) -> Response:
    query = page_query(call.request, path_endpoint(call.request))
    return JsonResponse(await call.run(records.read_endpoint, call.store, call.hat.hat_id, query))


async def save_endpoint_data(call: Call) -> Response:
    endpoint = path_endpoint(call.request)
    skip = bool_param(call.request, "skipErrors")
    saved = await call.run(records.save_endpoint_data, call.store, call.hat.hat_id, endpoint,
                           call.body, skip)
    return JsonResponse(saved, status_code=201)


async def delete_endpoint_data(call: Call) -> Response:
    endpoint = path_endpoint(call.request)
    await call.run(call.store.delete_endpoint, call.hat.hat_id, endpoint)
    return message("All records deleted")


def updates_body(value: Any) -> list[EndpointDataIn]:
    return parse_endpoint_data_list(value, need_record_id=True)


async def update_records(call: Call) -> Response:
    items: list[EndpointDataIn] = call.body
    cause = "Access Denied - No rights to update some or all of the data"
    require_namespaces(call, items, cause)
    await require_stored_namespaces(call, [i.record_id for i in items if i.record_id], cause)
    updated = await call.run(records.update_records, call.store, call.hat.hat_id, items)
    return JsonResponse(updated, status_code=201)


async def delete_records(call: Call) -> Response:
    record_ids = record_ids_param(call.request)
    await require_stored_namespaces(call, record_ids)
    if record_ids:
        await call.run(records.delete_records, call.store, call.hat.hat_id, record_ids)
    return message("All records deleted")


async def list_sources(call: Call) -> Response:
    return JsonResponse(await call.run(records.sources, call.store, call.hat.hat_id))


async def link_records(call: Call) -> Response:
    record_ids = record_ids_param(call.request)
    await require_stored_namespaces(call, record_ids)
    await call.run(records.link_records, call.store, call.hat.hat_id, record_ids)
    return message("Grouping registered", 201)


async def save_batch(call: Call) -> Response:
    items: list[EndpointDataIn] = call.body
    require_namespaces(call, items, "Access Denied - No rights to insert some or all of the"
                                    " data in the batch")
    skip = bool_param(call.request, "skipErrors")
    saved = await call.run(records.save_batch, call.store, call.hat.hat_id, items, skip)
    return JsonResponse(saved, status_code=201)


async def get_record(call: Call) -> Response:
    raw = call.request.path_params["record_id"]
    record_id = parse_uuid(raw)
    if record_id is None:
        raise BadRequest(f"Cannot parse parameter recordId as UUID: Invalid UUID string: {raw}")
    found = await call.run(records.get_record, call.store, call.hat.hat_id, record_id)
    if not permissions.read_namespace(_principal(call), str(found["endpoint"]).split("/")[0]):
        raise Forbidden()  # the record exists, but not in a namespace the caller may read
    return JsonResponse(found)
