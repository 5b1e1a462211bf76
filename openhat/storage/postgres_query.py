"""SQL for endpoint queries on PostgreSQL: filters, the cross-endpoint sorted page, and links.

The semantics are fixed in `storage.query` and were written from jsonb's own: a path is
`data #> '{...}'` (a digit-only key indexes an array), `contains` is `@>`, `in` is `<@`,
`find` is `to_tsvector('english', ...) @@ plainto_tsquery('english', ...)`. What jsonb does
not give directly is spelt out here: the ordering compares strings byte-wise (`COLLATE "C"`,
as SQLite does) and lets arrays and objects tie; dates that are not ISO-8601 in the accepted
forms are no dates (`hat_iso_timestamp`, migrations/postgres/030_queries.sql).

Every value, path included, is a bound parameter; only HAT-independent SQL text is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from psycopg.types.json import Jsonb

# The accepted ISO-8601 forms (jsonsem.ISO_PATTERN) as a POSIX regular expression.
from openhat.storage.jsonsem import ISO_PATTERN
from openhat.storage.query import EndpointSelect, Filter, PageQuery

_RANK = ("(CASE jsonb_typeof({v}) WHEN 'null' THEN 1 WHEN 'string' THEN 2 WHEN 'number' THEN 3"
         " WHEN 'boolean' THEN 4 WHEN 'array' THEN 5 WHEN 'object' THEN 6 END)")
_TYPE_OF_RANK = {1: "null", 2: "string", 3: "number", 4: "boolean"}
# The years 1..9999 that a date part can be taken of (jsonsem.from_unix).
_MIN_SECONDS = -62_135_596_800
_MAX_SECONDS = 253_402_300_799


def sort_keys(v: str) -> list[str]:
    """The ordering of storage.query for the value expression `v`: missing last, then type
    rank, then the value (strings byte-wise; numbers and booleans as jsonb orders them;
    arrays and objects tie)."""
    return [f"({v}) IS NULL", _RANK.format(v=v),
            f"(CASE jsonb_typeof({v}) WHEN 'string' THEN {v} #>> '{{}}' END) COLLATE \"C\"",
            f"(CASE WHEN jsonb_typeof({v}) IN ('number', 'boolean') THEN {v} END)"]


def _scalar_rank(value: Any) -> int:
    if value is None:
        return 1
    if isinstance(value, bool):
        return 4
    if isinstance(value, str):
        return 2
    return 3


def _number(value: Any) -> Decimal:
    """A JSON number as the exact decimal jsonb holds for it."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


Params = dict[str, Any]


def bind(params: Params, value: Any, cast: str = "") -> str:
    """A named placeholder for `value` (named, so an expression can repeat it)."""
    name = f"p{len(params)}"
    params[name] = value
    return f"%({name})s{cast}"


class FilterSql:
    """Builds the WHERE fragment of one filter, collecting its bound parameters."""

    def __init__(self, data: str, params: Params) -> None:
        self.data = data
        self.params = params

    def bind(self, value: Any, cast: str = "") -> str:
        return bind(self.params, value, cast)

    def value_at(self, f: Filter) -> str:
        return f"({self.data} #> {self.bind(list(f.path), '::text[]')})"

    def build(self, f: Filter) -> str:
        if f.transform in ("datetimeExtract", "timestampExtract"):
            return self._on_number(f)
        v = self.value_at(f)
        if f.operator == "find":
            return (f"to_tsvector('english', {v}) @@ plainto_tsquery('english',"
                    f" {self.bind(f.search)})")
        if f.operator == "contains":
            return f"{v} @> {self.bind(Jsonb(f.value))}"
        if f.operator == "in":
            return f"{v} <@ {self.bind(Jsonb(f.value))}"
        return self._between(v, f)

    def _between(self, v: str, f: Filter) -> str:
        """Inclusive, comparing like the ordering (the bounds are scalars)."""
        return f"({self._bound(v, f.lower, '>')} AND {self._bound(v, f.upper, '<')})"

    def _bound(self, v: str, bound: Any, side: str) -> str:
        rank = _RANK.format(v=v)
        bound_rank = _scalar_rank(bound)
        if bound_rank == 1:  # null: every value of rank 1 equals it
            return f"{rank} {side}= 1"
        if bound_rank == 2:
            same = f"({v} #>> '{{}}') COLLATE \"C\" {side}= {self.bind(bound, '::text')}"
        elif bound_rank == 3:
            same = f"({v} #>> '{{}}')::numeric {side}= {self.bind(_number(bound), '::numeric')}"
        else:
            same = f"({v} #>> '{{}}')::boolean {side}= {self.bind(bool(bound), '::boolean')}"
        return f"({rank} {side} {bound_rank} OR ({rank} = {bound_rank} AND {same}))"

    def _on_number(self, f: Filter) -> str:
        """Filters on a date part: the field becomes a number (or nothing)."""
        part = self.bind(f.part or "", "::text")
        v = self.value_at(f)
        if f.transform == "datetimeExtract":
            moment = (f"(CASE WHEN jsonb_typeof({v}) = 'string' AND {v} #>> '{{}}' ~"
                      f" {self.bind(ISO_PATTERN, '::text')} THEN hat_iso_timestamp({v} #>> '{{}}')"
                      " END)")
        else:
            moment = (f"(CASE WHEN jsonb_typeof({v}) = 'number' AND ({v} #>> '{{}}')::numeric"
                      f" BETWEEN {_MIN_SECONDS} AND {_MAX_SECONDS}"
                      f" THEN to_timestamp(({v} #>> '{{}}')::float8) END)")
        x = f"date_part({part}, {moment} AT TIME ZONE 'UTC')"
        if f.operator == "between":
            return (f"({self._number_bound(x, f.lower, '>')} AND"
                    f" {self._number_bound(x, f.upper, '<')})")
        # A number contains (or is in) an equal number; `in` also accepts an array member.
        values = [f.value] if f.operator == "contains" or not isinstance(f.value, list) \
            else f.value
        numbers = [v for v in values if not isinstance(v, bool) and isinstance(v, (int, float))]
        if not numbers:
            return "FALSE"
        return f"{x} = ANY({self.bind([float(n) for n in numbers], '::float8[]')})"

    def _number_bound(self, x: str, bound: Any, side: str) -> str:
        """A bound on a date part (a number, rank 3, when there is one)."""
        bound_rank = _scalar_rank(bound)
        if bound_rank == 3:
            return f"{x} {side}= {self.bind(float(bound), '::float8')}"
        passes = bound_rank < 3 if side == ">" else bound_rank > 3
        return f"({x} IS NOT NULL AND {'TRUE' if passes else 'FALSE'})"


def _select(hat_id: str, index: int, select: EndpointSelect, query: PageQuery,
            params: Params, width: int) -> tuple[str, list[str]]:
    """One endpoint's SELECT with its sort keys as columns k0.. (NULL-padded to `width`
    when this endpoint has no order path)."""
    builder = FilterSql("data", params)
    where = [f"hat_id = {bind(params, hat_id)}", f"endpoint = {bind(params, select.endpoint)}"]
    where += [builder.build(f) for f in select.filters]
    keys: list[str] = []
    if query.ordered and select.order_path is not None:
        keys = sort_keys(f"(data #> {_literal_path(select.order_path)})")
    elif width:
        keys = ["TRUE", *["NULL"] * (width - 1)]  # no such field: last
    columns = ", ".join([f"{index} AS q", "seq", "record_id", "endpoint", "data::text AS data",
                         *(f"{k} AS k{i}" for i, k in enumerate(keys))])
    return f"SELECT {columns} FROM records WHERE {' AND '.join(where)}", keys


def _literal_path(path: Sequence[str]) -> str:
    """A path as a text[] literal. Written into the SQL (not bound) so that an expression
    index on the same `data #> '{...}'` can serve the sort; each element is quoted, and `%`
    doubled for psycopg's placeholder syntax."""
    elements = ",".join('"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
                        for key in path)
    return "'{" + elements.replace("'", "''").replace("%", "%%") + "}'::text[]"


def _order(keys: Sequence[str], descending: bool, tail: str) -> str:
    direction = " DESC" if descending else ""
    if not keys:
        return f"seq{direction}" + (f", {tail}" if tail else "")
    terms = [keys[0], *(f"{k}{direction}" for k in keys[1:]), "seq"]
    return ", ".join(terms + ([tail] if tail else []))


def page_sql(hat_id: str, query: PageQuery) -> tuple[str, Params]:
    """The sorted, paged union of the query's endpoint selections."""
    params: Params = {}
    limit = "" if query.take is None else f" LIMIT {int(query.take)}"
    offset = f" OFFSET {int(query.skip)}" if query.skip else ""
    width = 4 if query.ordered and any(s.order_path is not None for s in query.selects) else 0
    if len(query.selects) == 1:
        sql, keys = _select(hat_id, 0, query.selects[0], query, params, width)
        return f"{sql} ORDER BY {_order(keys, query.descending, '')}{limit}{offset}", params
    branch_limit = "" if query.take is None else f" LIMIT {int(query.skip + query.take)}"
    branches = []
    for index, select in enumerate(query.selects):
        sql, keys = _select(hat_id, index, select, query, params, width)
        branches.append(f"({sql} ORDER BY {_order(keys, query.descending, '')}{branch_limit})")
    outer = [f"k{i}" for i in range(width)]
    return (" UNION ALL ".join(branches)
            + f" ORDER BY {_order(outer, query.descending, 'q')}{limit}{offset}", params)


def links_sql(hat_id: str, record_ids: Sequence[str],
              select: EndpointSelect) -> tuple[str, Params]:
    """Records of `select` sharing a link group with one of `record_ids` (never the record
    itself), each once per main record, in insertion order."""
    params: Params = {}
    ids = bind(params, list(record_ids))
    where = (f"m.hat_id = {bind(params, hat_id)} AND m.record_id = ANY({ids})"
             f" AND r.endpoint = {bind(params, select.endpoint)}")
    builder = FilterSql("r.data", params)
    filters = "".join(f" AND {builder.build(f)}" for f in select.filters)
    return ("SELECT DISTINCT m.record_id COLLATE \"C\", r.seq, r.record_id, r.endpoint,"
            " r.data::text FROM record_links m JOIN record_links o ON o.hat_id = m.hat_id AND"
            " o.group_id = m.group_id AND o.record_id <> m.record_id"
            " JOIN records r ON r.hat_id = o.hat_id AND r.record_id = o.record_id"
            f" WHERE {where}{filters} ORDER BY 1, r.seq", params)
