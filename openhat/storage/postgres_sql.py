"""SQL text for the PostgreSQL backend: the page query with its JSON ordering and filter.

Paths into `data` are SQL/JSON paths in strict mode with every segment a quoted member key,
so `a.0` means the key "0" of an object, never the first element of an array: the same as
SQLite's `$."a"."0"`. jsonb already orders types as SQLite's backend does (null < string <
number < boolean < array < object); strings are compared byte-wise (`COLLATE "C"`) whatever
the database's collation, as SQLite compares them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from openhat.storage.base import FieldFilter, RecordQuery


def json_path(path: Sequence[str]) -> str:
    """A strict SQL/JSON path of quoted member keys: `strict $."a"."b"`."""
    return "strict $" + "".join("." + _quote(segment) for segment in path)


def _quote(key: str) -> str:
    # A JSON string literal is a valid jsonpath string literal (same escapes).
    return orjson.dumps(key).decode()


_TYPE_RANK = ("CASE jsonb_typeof(o.v) WHEN 'null' THEN 1 WHEN 'string' THEN 2 WHEN 'number'"
              " THEN 3 WHEN 'boolean' THEN 4 WHEN 'array' THEN 5 WHEN 'object' THEN 6 END")


def order_clause(order_by: Sequence[str] | None, descending: bool) -> tuple[str, list[Any]]:
    """ORDER BY for a data path (jsonb order, NULLS LAST, ties by insertion), or insertion
    order when there is no path. The path's value is computed once per row in a LATERAL
    (`o.v`, see select_page)."""
    direction = "DESC" if descending else "ASC"
    if not order_by:
        return f"r.seq {direction}", []
    return (f"o.v IS NULL, {_TYPE_RANK} {direction}, (CASE jsonb_typeof(o.v) WHEN 'string'"
            f" THEN o.v #>> '{{}}' END) COLLATE \"C\" {direction}, o.v {direction}, r.seq ASC",
            [])


def filter_clause(field_filter: FieldFilter) -> tuple[str, list[Any]]:
    """WHERE fragment for the ad-hoc GET filter (see FieldFilter).

    One segment: a string under that key at any depth, or a string element of an array under
    it (`@ == $v[*]` is true when @ equals any of the values). Longer: exactly that path.
    The comparison runs in lax mode: there an array under the key is unwrapped one level,
    and comparing a number with a string is simply false (strict mode makes the whole
    predicate unknown as soon as one element of a mixed array is not a string)."""
    values = orjson.dumps({"v": list(field_filter.values)}).decode()
    if len(field_filter.path) == 1:
        key = _quote(field_filter.path[0])
        path = f'lax $.** ? (@.type() == "object").{key} ? (@.type() == "string" && @ == $v[*])'
    else:
        path = json_path(field_filter.path) + " ? (@ == $v[*])"
    return "jsonb_path_exists(r.data, %s::jsonpath, %s::jsonb, true)", [path, values]


def select_page(hat_id: str, query: RecordQuery) -> tuple[str, list[Any]]:
    """The page query: filter first, then order, then skip/take (decisions doc #9)."""
    source = "records r"
    params: list[Any] = []
    if query.order_by:
        source += (", LATERAL (SELECT jsonb_path_query_first(r.data, %s::jsonpath, '{}',"
                   " true) AS v) o")
        params.append(json_path(query.order_by))
    where = "r.hat_id = %s AND r.endpoint = %s"
    params += [hat_id, query.endpoint]
    if query.field_filter is not None:
        clause, extra = filter_clause(query.field_filter)
        where += " AND " + clause
        params += extra
    order, order_params = order_clause(query.order_by, query.descending)
    sql = (f"SELECT r.record_id, r.endpoint, r.data::text FROM {source} WHERE {where}"
           f" ORDER BY {order} LIMIT %s OFFSET %s")
    return sql, [*params, *order_params, query.take, query.skip]
