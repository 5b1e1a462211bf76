"""Wire models: parsing request bodies into checked values, and records into response shapes.

Validation errors use the original's JsError form, an object keyed by JSON path:
`{"obj[0].endpoint": [{"msg": ["error.path.missing"], "args": []}]}` (spec 1.3), and all
problems of a body are reported together, as Play does.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson

from openhat.errors import BadRequest

ENDPOINT_RE = re.compile(r"[0-9a-z\-/]+")
NAMESPACE_RE = re.compile(r"[0-9a-z\-]+")

Errors = dict[str, list[dict[str, Any]]]


def parse_json(body: bytes, max_depth: int) -> Any:
    """Decode a request body. Raises BadRequest("Invalid Json: ...") when it is not JSON or
    nests deeper than `max_depth`."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"Invalid Json: {exc}") from None
    if _depth_exceeds(value, max_depth):
        raise BadRequest(f"Invalid Json: nesting deeper than {max_depth} levels")
    return value


def _depth_exceeds(value: Any, max_depth: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))
    return False


def error(errors: Errors, path: str, msg: str) -> None:
    errors.setdefault(path, []).append({"msg": [msg], "args": []})


def raise_if(errors: Errors) -> None:
    if errors:
        raise BadRequest(errors)


@dataclass
class EndpointDataIn:
    """One `EndpointData` of a request body."""

    endpoint: str
    data: Any
    record_id: str | None = None
    links: list[EndpointDataIn] = field(default_factory=list)

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
    items = [_endpoint_data(item, f"obj[{i}]", errors, need_record_id)
             for i, item in enumerate(value)]
    raise_if(errors)
    return [item for item in items if item is not None]


def _endpoint_data(value: Any, path: str, errors: Errors,
                   need_record_id: bool) -> EndpointDataIn | None:
    if not isinstance(value, dict):
        error(errors, path, "error.expected.jsobject")
        return None
    before = len(errors)
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
    if record_id is not None:
        record_id = _uuid(record_id)
        if record_id is None:
            error(errors, f"{path}.recordId", "error.expected.uuid")
    elif need_record_id:
        error(errors, f"{path}.recordId", "error.path.missing")
    links: list[EndpointDataIn] = []
    raw_links = value.get("links")
    if raw_links is not None:
        if not isinstance(raw_links, list):
            error(errors, f"{path}.links", "error.expected.jsarray")
        else:
            parsed = [_endpoint_data(link, f"{path}.links[{j}]", errors, False)
                      for j, link in enumerate(raw_links)]
            links = [link for link in parsed if link is not None]
    if len(errors) != before:
        return None
    return EndpointDataIn(str(endpoint), value["data"], record_id, links)


def valid_endpoint(endpoint: str) -> bool:
    return ENDPOINT_RE.fullmatch(endpoint) is not None


def _uuid(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def parse_uuid(value: str) -> str | None:
    """The canonical form of a UUID string, or None when it is not one."""
    return _uuid(value)


def record_json(endpoint: str, record_id: str, data: str,
                links: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An EndpointData response object; `data` is JSON text passed through unparsed."""
    out: dict[str, Any] = {"endpoint": endpoint, "recordId": record_id,
                           "data": orjson.Fragment(data)}
    if links is not None:
        out["links"] = links
    return out
