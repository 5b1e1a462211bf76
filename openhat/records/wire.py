"""Wire models: parsing request bodies into checked values, and records into response shapes.

Validation errors use the original's JsError form, an object keyed by JSON path:
`{"obj[0].endpoint": [{"msg": ["error.path.missing"], "args": []}]}` (spec 1.3), and all
problems of a body are reported together, as Play does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple

import orjson

from openhat.errors import BadRequest
from openhat.storage.query import Filter, PageQuery, endpoint_page
from openhat.wire import (
    UNSUPPORTED_PATH_KEYS,
    Errors,
    error,
    is_object,
    parse_uuid,
    raise_if,
    unsafe_path_key,
)

ENDPOINT_RE = re.compile(r"[0-9a-z\-/]+")
NAMESPACE_RE = re.compile(r"[0-9a-z\-]+")
PAGING_PARAMS = frozenset({"orderBy", "ordering", "skip", "take"})

# Nesting limits. orjson refuses to parse JSON nested deeper than 1024 levels and to encode
# deeper than 254, so stored data is at most 254 levels deep (a deeper `data` is a clear 400
# when it is stored) without a per-request walk over every value, which cost a third of the
# batch ingest time. Links are read recursively by our own code, so their depth is capped.
MAX_LINK_DEPTH = 16


class EndpointDataIn(NamedTuple):
    """One `EndpointData` of a request body (a NamedTuple: batches build thousands)."""

    endpoint: str
    data: Any
    record_id: str | None = None
    links: tuple[EndpointDataIn, ...] = ()

    @property
    def namespace(self) -> str:
        return self.endpoint.split("/", 1)[0]

    def namespaces(self) -> set[str]:
        """This record's namespace and, recursively, its links' (all are checked, even
        links below the first level, which are not stored; spec 3.4)."""
        found = {self.namespace}
        for link in self.links:
            found |= link.namespaces()
        return found


def parse_endpoint_data_list(value: Any, *, need_record_id: bool = False) -> list[EndpointDataIn]:
    """A JSON array of EndpointData. Raises BadRequest with JsError-shaped messages."""
    errors: Errors = {}
    if not isinstance(value, list):
        error(errors, "obj", "error.expected.jsarray")
        raise_if(errors)
    items = [_endpoint_data(item, "obj", i, errors, need_record_id, 0)
             for i, item in enumerate(value)]
    raise_if(errors)
    return items  # type: ignore[return-value]  # no None is left when there is no error


def _endpoint_data(value: Any, parent: str, index: int, errors: Errors, need_record_id: bool,
                   depth: int) -> EndpointDataIn | None:
    """`value` at `parent[index]`; None (with the problems added to `errors`) when invalid.
    The fast path, a well-formed record, formats no path strings at all."""
    if not is_object(value, f"{parent}[{index}]", errors):
        return None
    endpoint = value.get("endpoint")
    record_id = value.get("recordId")
    raw_links = value.get("links")
    ok = (type(endpoint) is str and ENDPOINT_RE.fullmatch(endpoint) is not None
          and "data" in value and ((record_id is None and not need_record_id)
                                   or parse_uuid(record_id) is not None)
          and (raw_links is None or (type(raw_links) is list and depth < MAX_LINK_DEPTH)))
    if not ok:
        _record_problems(value, f"{parent}[{index}]", errors, need_record_id, depth)
        return None
    if record_id is not None:
        record_id = parse_uuid(record_id)
    links: tuple[EndpointDataIn, ...] = ()
    if raw_links:
        path = f"{parent}[{index}].links"
        parsed = [_endpoint_data(link, path, j, errors, False, depth + 1)
                  for j, link in enumerate(raw_links)]
        if None in parsed:
            return None
        links = tuple(parsed)  # type: ignore[arg-type]
    return EndpointDataIn(endpoint, value["data"], record_id, links)  # type: ignore[arg-type]


def _record_problems(value: dict[str, Any], path: str, errors: Errors, need_record_id: bool,
                     depth: int) -> None:
    """Every problem of an invalid record, in the original's JsError words."""
    endpoint = value.get("endpoint")
    if "endpoint" not in value:
        error(errors, f"{path}.endpoint", "error.path.missing")
    elif not isinstance(endpoint, str):
        error(errors, f"{path}.endpoint", "error.expected.jsstring")
    elif not valid_endpoint(endpoint):
        error(errors, f"{path}.endpoint", "Endpoint invalid")
    if "data" not in value:
        error(errors, f"{path}.data", "error.path.missing")
    record_id = value.get("recordId")
    if record_id is not None and parse_uuid(record_id) is None:
        error(errors, f"{path}.recordId", "error.expected.uuid")
    elif record_id is None and need_record_id:
        error(errors, f"{path}.recordId", "error.path.missing")
    raw_links = value.get("links")
    if raw_links is not None:
        if not isinstance(raw_links, list):
            error(errors, f"{path}.links", "error.expected.jsarray")
        elif depth >= MAX_LINK_DEPTH:
            error(errors, f"{path}.links", f"links nested deeper than {MAX_LINK_DEPTH} levels")
        else:
            for j, link in enumerate(raw_links):
                _endpoint_data(link, f"{path}.links", j, errors, False, depth + 1)


def valid_endpoint(endpoint: str) -> bool:
    return ENDPOINT_RE.fullmatch(endpoint) is not None


def record_json(endpoint: str, record_id: str, data: str,
                links: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An EndpointData response object; `data` is JSON text passed through unparsed."""
    out: dict[str, Any] = {"endpoint": endpoint, "recordId": record_id,
                           "data": orjson.Fragment(data)}
    if links is not None:
        out["links"] = links
    return out


# --- GET /data/{ns}/{ep}: the page asked for, as a plan -----------------------------------

def data_page(endpoint: str, order_by: str | None, descending: bool, skip: int, take: int,
              params: Sequence[tuple[str, str]]) -> PageQuery:
    """The page of GET /data/{ns}/{ep}: `order_by` a dot path (or None: insertion order),
    `params` the query parameters that are not paging ones, the ad-hoc filter (spec 3.2).
    Raises BadRequest for a path no backend can carry."""
    order_path = dot_path("orderBy", order_by) if order_by else None
    found = field_filter(params)
    return endpoint_page(endpoint, order_path, descending, skip, take,
                         () if found is None else (found,))


def dot_path(name: str, text: str) -> tuple[str, ...]:
    """A dot path from a parameter. Raises BadRequest for keys no backend's path syntax
    carries (quotes, backslashes, control characters: wire.unsafe_path_key)."""
    keys = tuple(text.split("."))
    if any(map(unsafe_path_key, keys)):
        raise BadRequest(f"Invalid parameter {name!r}: {UNSUPPORTED_PATH_KEYS}")
    return keys


def field_filter(params: Sequence[tuple[str, str]]) -> Filter | None:
    """The ad-hoc GET filter (storage.query: `textIn`) from the query parameters that are not
    paging ones: only the first such key counts, its repeated values form the list (spec
    3.2). A dotted key must be a usable path (one key is matched as a bound value: any key
    will do), and no NUL, which no stored string holds and PostgreSQL refuses in a
    parameter."""
    first = None
    values: list[str] = []
    for key, value in params:
        if first is None:
            first = key
        if key == first:
            values.append(value)
    if first is None:
        return None
    path = tuple(first.split("."))
    if len(path) > 1:
        dot_path(first, first)
    if any("\x00" in text for text in (first, *values)):
        raise BadRequest(f"Invalid parameter {first!r}: NUL characters are not supported")
    return Filter(path, "textIn", value=tuple(values))
