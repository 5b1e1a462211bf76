"""Wire models of endpoint queries: EndpointQuery, filters, PropertyQuery, bundles (spec 3.13).

Two kinds of problems, two answers, as in the original where it can be kept:
- the JSON does not have the model's shape (a missing `endpoint`, an unknown operator): 400 in
  the framework's JsError form, keyed by JSON path, like Play's `Reads`;
- the shape is right but the query cannot run (a malformed mapping or path, a `between` with
  object bounds, an unknown date part): 400 `{"message","cause"}` naming the problem
  (decisions doc #7; the original accepted these and answered 404 on every read).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openhat.errors import QueryMalformed
from openhat.queries.mappings import Mapping, MappingError, compile_mapping
from openhat.records.wire import valid_endpoint
from openhat.storage.query import DATE_PARTS, Filter, Path
from openhat.wire import (
    MAX_INT,
    UNSUPPORTED_PATH_KEYS,
    Errors,
    error,
    is_object,
    raise_if,
    unsafe_path_key,
)

OPERATORS = ("contains", "in", "between", "find")
TRANSFORMATIONS = ("identity", "datetimeExtract", "timestampExtract", "searchable")


@dataclass(frozen=True)
class EndpointQuery:
    endpoint: str
    mapping: Mapping | None
    filters: tuple[Filter, ...]
    links: tuple[EndpointQuery, ...]

    def order_path(self, order_by: str) -> Path:
        """What this endpoint sorts by for `orderBy`: the source of the mapped field of that
        name, else `orderBy` itself (spec 3.13, `originalField`)."""
        source = self.mapping.source_of(order_by) if self.mapping else None
        if source is None:
            return dot_path(order_by, "orderBy")
        return checked_path(source, f"orderBy {order_by!r} (mapped from {'.'.join(source)!r})")


@dataclass(frozen=True)
class PropertyQuery:
    endpoints: tuple[EndpointQuery, ...]
    order_by: str | None
    descending: bool
    limit: int | None


def dot_path(text: str, what: str) -> Path:
    """A dot path into record data; see checked_path."""
    return checked_path(tuple(text.split(".")), f"{what} {text!r}")


def checked_path(keys: Path, what: str) -> Path:
    """`keys` as a path into record data. Raises QueryMalformed, naming `what`, for empty
    segments and for keys no backend path syntax carries (models.unsafe_path_key)."""
    for key in keys:
        if not key:
            raise QueryMalformed(f"{what}: empty path segment")
        if unsafe_path_key(key):
            raise QueryMalformed(f"{what}: {UNSUPPORTED_PATH_KEYS}")
    return keys


# --- parsing -------------------------------------------------------------------------------

def parse_endpoint_queries(value: Any) -> list[EndpointQuery]:
    """A combinator body: a JSON array of EndpointQuery."""
    errors: Errors = {}
    if not isinstance(value, list):
        error(errors, "obj", "error.expected.jsarray")
        raise_if(errors)
    queries = [_endpoint_query(item, f"obj[{i}]", errors) for i, item in enumerate(value)]
    raise_if(errors)
    return [q for q in queries if q is not None]


def parse_bundle(value: Any, path: str = "obj") -> dict[str, PropertyQuery]:
    """A bundle: a JSON object {property name: PropertyQuery}."""
    errors: Errors = {}
    properties = _bundle(value, path, errors)
    raise_if(errors)
    return properties


def _bundle(value: Any, path: str, errors: Errors) -> dict[str, PropertyQuery]:
    if not is_object(value, path, errors):
        return {}
    found = {}
    for name, item in value.items():
        prop = _property_query(item, f"{path}.{name}", errors)
        if prop is not None:
            found[name] = prop
    return found


def parse_data_bundle(value: Any, path: str, errors: Errors) -> tuple[str, Any] | None:
    """An EndpointDataBundle `{"name","bundle"}` inside a debit request: (name, raw bundle)."""
    if not is_object(value, path, errors):
        return None
    name = value.get("name")
    if not isinstance(name, str):
        error(errors, f"{path}.name", "error.path.missing" if name is None
              else "error.expected.jsstring")
    elif not name or not all(c.isascii() and (c.isalnum() or c == "-") for c in name):
        error(errors, f"{path}.name", "error.pattern")
    before = len(errors)
    if "bundle" not in value:
        error(errors, f"{path}.bundle", "error.path.missing")
    else:
        _bundle(value["bundle"], f"{path}.bundle", errors)
    if len(errors) != before or not isinstance(name, str):
        return None
    return name, value["bundle"]


def _property_query(value: Any, path: str, errors: Errors) -> PropertyQuery | None:
    if not is_object(value, path, errors):
        return None
    before = len(errors)
    raw = value.get("endpoints")
    endpoints: list[EndpointQuery] = []
    if raw is None:
        error(errors, f"{path}.endpoints", "error.path.missing")
    elif not isinstance(raw, list):
        error(errors, f"{path}.endpoints", "error.expected.jsarray")
    else:
        parsed = [_endpoint_query(q, f"{path}.endpoints[{i}]", errors) for i, q in
                  enumerate(raw)]
        endpoints = [q for q in parsed if q is not None]
    order_by = _optional(value, "orderBy", str, "error.expected.jsstring", path, errors)
    ordering = _optional(value, "ordering", str, "error.expected.jsstring", path, errors)
    limit = _optional(value, "limit", int, "error.expected.int", path, errors)
    if isinstance(limit, bool):
        error(errors, f"{path}.limit", "error.expected.int")
    if len(errors) != before:
        return None
    if limit is not None and limit < 0:
        raise QueryMalformed(f"{path}.limit: must not be negative, got {limit}")
    if limit is not None and limit > MAX_INT:
        raise QueryMalformed(f"{path}.limit: must be at most {MAX_INT}, got {limit}")
    if order_by is not None:
        for query in endpoints:
            query.order_path(order_by)  # raises for an unusable path
    return PropertyQuery(tuple(endpoints), order_by, ordering == "descending", limit)


def _optional(value: dict[str, Any], key: str, kind: type, msg: str, path: str,
              errors: Errors) -> Any:
    item = value.get(key)
    if item is not None and not isinstance(item, kind):
        error(errors, f"{path}.{key}", msg)
        return None
    return item


def _endpoint_query(value: Any, path: str, errors: Errors,
                    nested: bool = False) -> EndpointQuery | None:
    if not is_object(value, path, errors):
        return None
    before = len(errors)
    endpoint = value.get("endpoint")
    if endpoint is None:
        error(errors, f"{path}.endpoint", "error.path.missing")
    elif not isinstance(endpoint, str):
        error(errors, f"{path}.endpoint", "error.expected.jsstring")
    elif not valid_endpoint(endpoint):
        error(errors, f"{path}.endpoint", "Endpoint invalid")
    filters = _list(value, "filters", path, errors, _filter)
    links = _list(value, "links", path, errors,
                  lambda item, p, errs: _endpoint_query(item, p, errs, nested=True))
    mapping = value.get("mapping")
    if len(errors) != before:
        return None
    compiled = None
    if mapping is not None:
        try:
            compiled = compile_mapping(mapping)
        except MappingError as exc:
            raise QueryMalformed(f"{path}.mapping: {exc}") from None
    # Links of links are not followed (spec 3.13): accepted, and ignored.
    return EndpointQuery(str(endpoint), compiled, tuple(filters),
                         () if nested else tuple(links))


def _list(value: dict[str, Any], key: str, path: str, errors: Errors, parse: Any) -> list[Any]:
    items = value.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        error(errors, f"{path}.{key}", "error.expected.jsarray")
        return []
    parsed = [parse(item, f"{path}.{key}[{i}]", errors) for i, item in enumerate(items)]
    return [item for item in parsed if item is not None]


def _filter(value: Any, path: str, errors: Errors) -> Filter | None:
    if not is_object(value, path, errors):
        return None
    before = len(errors)
    field = value.get("field")
    if not isinstance(field, str):
        error(errors, f"{path}.field", "error.path.missing" if field is None
              else "error.expected.jsstring")
    transform, part = _transformation(value.get("transformation"), f"{path}.transformation",
                                      errors)
    operator = value.get("operator")
    op = operator.get("operator") if isinstance(operator, dict) else None
    if not isinstance(operator, dict):
        error(errors, f"{path}.operator", "error.path.missing" if operator is None
              else "error.expected.jsobject")
    elif op not in OPERATORS:
        error(errors, f"{path}.operator.operator", f"Unexpected JSON value {op}")
    else:
        needed = {"contains": ("value",), "in": ("value",), "between": ("lower", "upper"),
                  "find": ("search",)}[op]
        for key in needed:
            if key not in operator:
                error(errors, f"{path}.operator.{key}", "error.path.missing")
    if len(errors) != before or not isinstance(operator, dict) or not isinstance(field, str):
        return None
    return _checked_filter(path, dot_path(field, f"{path}.field"), operator, transform, part)


def _checked_filter(path: str, field: Path, operator: dict[str, Any], transform: str,
                    part: str | None) -> Filter:
    op = operator["operator"]
    problem = _value_problem(operator)
    if problem:
        raise QueryMalformed(f"{path}.operator: {problem}")
    if transform == "searchable" and op != "find":
        raise QueryMalformed(f"{path}: transformation searchable only works with operator"
                             f" find, not {op}")
    if op == "find":
        if transform in ("datetimeExtract", "timestampExtract"):
            raise QueryMalformed(f"{path}: operator find searches text, it cannot follow"
                                 f" transformation {transform}")
        search = operator["search"]
        return Filter(field, "find", transform,  # type: ignore[arg-type]
                      search=search if isinstance(search, str) else str(search))
    if op == "between":
        for key in ("lower", "upper"):
            if isinstance(operator[key], (dict, list)):
                raise QueryMalformed(f"{path}.operator.{key}: between compares with a string,"
                                     " number, boolean or null, not an array or object")
        return Filter(field, "between", transform, part,  # type: ignore[arg-type]
                      lower=operator["lower"], upper=operator["upper"])
    return Filter(field, op, transform, part, value=operator["value"])  # type: ignore[arg-type]


def _value_problem(value: Any) -> str | None:
    """What in a filter's values no backend can bind, if anything: NUL in text (PostgreSQL
    refuses it; no stored value holds one). Numbers of any size compare exactly."""
    if isinstance(value, str):
        return "NUL characters are not supported" if "\x00" in value else None
    items = [*value, *value.values()] if isinstance(value, dict) else \
        value if isinstance(value, list) else []
    return next((p for p in map(_value_problem, items) if p), None)


def _transformation(value: Any, path: str, errors: Errors) -> tuple[str, str | None]:
    if value is None:
        return "identity", None
    if not is_object(value, path, errors):
        return "identity", None
    kind = value.get("transformation")
    if kind not in TRANSFORMATIONS:
        error(errors, f"{path}.transformation", f"Unexpected JSON value {kind}")
        return "identity", None
    if kind not in ("datetimeExtract", "timestampExtract"):
        return str(kind), None
    part = value.get("part")
    if not isinstance(part, str):
        error(errors, f"{path}.part", "error.path.missing" if part is None
              else "error.expected.jsstring")
        return "identity", None
    if part.lower() not in DATE_PARTS:
        raise QueryMalformed(f"{path}.part: unknown date part {part!r}, expected one of"
                             f" {', '.join(sorted(DATE_PARTS))}")
    return str(kind), part.lower()
