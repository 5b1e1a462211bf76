"""SQL text for the SQLite backend: the page query with its JSON ordering and filter.

SQLite's JSON1 functions stand in for PostgreSQL's jsonb operators. Ordering follows jsonb's
order of types (null < string < number < boolean < array < object), missing values last in
both directions, so both backends sort the same records the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from openhat.storage.rows import FieldFilter, RecordQuery

T = TypeVar("T")

_MAX_PARAMS = 900  # stay under SQLite's bound-parameter limit


def chunks(items: Sequence[T], size: int = _MAX_PARAMS) -> list[Sequence[T]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def split_script(script: str) -> list[str]:
    """Statements of a migration file (no semicolons inside literals in our migrations)."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def json_path(path: Sequence[str]) -> str:
    """A JSON1 path for a sequence of object keys, each quoted: `$."a"."b"`. JSON1 has no
    escape for `"`: keys holding one are refused before they get here (unsafe_path_key)."""
    return "$" + "".join('."' + segment + '"' for segment in path)


_TYPE_RANK = ("CASE json_type(data, ?) WHEN 'null' THEN 1 WHEN 'text' THEN 2"
              " WHEN 'integer' THEN 3 WHEN 'real' THEN 3 WHEN 'false' THEN 4 WHEN 'true' THEN 4"
              " WHEN 'array' THEN 5 WHEN 'object' THEN 6 END")


def order_clause(order_by: Sequence[str] | None, descending: bool) -> tuple[str, list[Any]]:
    """ORDER BY for a data path (jsonb order, NULLS LAST, ties by insertion), or insertion
    order when there is no path."""
    direction = "DESC" if descending else "ASC"
    if not order_by:
        return f"seq {direction}", []
    path = json_path(order_by)
    return (f"json_type(data, ?) IS NULL, {_TYPE_RANK} {direction},"
            f" json_extract(data, ?) {direction}, seq ASC", [path, path, path])


def filter_clause(field_filter: FieldFilter) -> tuple[str, list[Any]]:
    """WHERE fragment for the ad-hoc GET filter (see FieldFilter)."""
    marks = ",".join("?" * len(field_filter.values))
    values = list(field_filter.values)
    if len(field_filter.path) == 1:
        key = field_filter.path[0]
        quoted = '."' + key.replace('"', '""') + '"'
        # A string under the key itself, or a string element of an array under the key
        # (json_tree reports an element's container path in `path`).
        return (f"EXISTS (SELECT 1 FROM json_tree(records.data) t WHERE t.type = 'text'"
                f" AND t.atom IN ({marks}) AND (t.key = ? OR (typeof(t.key) = 'integer'"
                f" AND (substr(t.path, -length(?)) = ? OR substr(t.path, -length(?)) = ?))))",
                [*values, key, "." + key, "." + key, quoted, quoted])
    path = json_path(field_filter.path)
    return (f"json_type(data, ?) = 'text' AND json_extract(data, ?) IN ({marks})",
            [path, path, *values])


def select_page(hat_id: str, query: RecordQuery) -> tuple[str, list[Any]]:
    where = "hat_id = ? AND endpoint = ?"
    params: list[Any] = [hat_id, query.endpoint]
    if query.field_filter is not None:
        clause, extra = filter_clause(query.field_filter)
        where += " AND " + clause
        params += extra
    order, order_params = order_clause(query.order_by, query.descending)
    sql = (f"SELECT record_id, endpoint, data FROM records WHERE {where} ORDER BY {order}"
           " LIMIT ? OFFSET ?")
    return sql, [*params, *order_params, query.take, query.skip]
