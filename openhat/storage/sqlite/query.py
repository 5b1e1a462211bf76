"""SQL for endpoint queries on SQLite: the expressions of filters and sort keys, which
sql/pages.py assembles into pages and links (`PAGES`).

JSON1 functions stand in for jsonb operators; what SQL cannot say directly (jsonb
containment, date parts, English full-text matching, the exact order of numbers a double does
not hold) is done by Python functions registered on every connection (`register_functions`),
implemented in `jsonsem`.

Numbers compare by value as jsonb's numeric does, however long: a number is ordered by two
keys (jsonsem.number_keys), its double (SQLite's own, which rounds correctly as Python does:
the query equivalence test holds them to it) and the rest, which is zero for the usual short
number and asked of Python otherwise (`_residue`).

Paths and the HAT/endpoint are written into the SQL as literals, not bound parameters, so
that a query's sort expressions are textually those of an expression index and SQLite can
use it (see docs/queries.md, "Indexes"). Paths are checked before they get here (no quotes,
backslashes or control characters); values are always bound.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from openhat.storage import jsonsem
from openhat.storage.query import Filter, Path
from openhat.storage.sql.pages import PageSql
from openhat.wire import MAX_INT, dumps, is_number, parse_json

# --- functions registered on each connection ---------------------------------------------


def _decode(value: Any) -> Any:
    return parse_json(value) if isinstance(value, (str, bytes)) else value


def _contains(a: Any, b: Any) -> int | None:
    if a is None or b is None:
        return None
    return int(jsonsem.contains(_decode(a), _decode(b)))


def _datetime_part(part: str, text: Any) -> float | int | None:
    return jsonsem.date_part(part, jsonsem.parse_iso(text))


def _timestamp_part(part: str, seconds: Any) -> float | int | None:
    return jsonsem.date_part(part, jsonsem.from_unix(seconds))


def _find(value: Any, query: str) -> int | None:
    if value is None:
        return None
    return int(jsonsem.matches(_decode(value), set(orjson.loads(query))))


def register_functions(conn: sqlite3.Connection) -> None:
    """The hat_* SQL functions the query SQL below calls."""
    conn.create_function("hat_contains", 2, _contains, deterministic=True)
    conn.create_function("hat_datetime_part", 2, _datetime_part, deterministic=True)
    conn.create_function("hat_timestamp_part", 2, _timestamp_part, deterministic=True)
    conn.create_function("hat_find", 2, _find, deterministic=True)
    conn.create_function("hat_number_residue", 1, jsonsem.number_residue, deterministic=True)


# --- literals and paths -------------------------------------------------------------------

def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _array_index(digits: str) -> int:
    """The array index a digit-only key names. PostgreSQL reads it as a 32-bit int, and a
    larger one (leading zeros aside) indexes no element; SQLite's JSON paths wrap past 63
    bits (`$[9223372036854775808]` is the first element), so such a key gets the first index
    no array reaches (2**31 elements would take gigabytes)."""
    significant = digits.lstrip("0") or "0"
    return int(significant) if len(significant) <= 10 and int(significant) <= MAX_INT \
        else MAX_INT + 1


def path_sql(path: Path, data: str = "data") -> str:
    """An SQL expression giving the JSON1 path for `path`. A digit-only key indexes an array
    when the value there is an array, and is an object key otherwise (as PostgreSQL's `#>`)."""
    pieces: list[str] = []
    static = "$"
    for key in path:
        if key.isascii() and key.isdigit():  # as PostgreSQL: "²" is a key, not an index
            prefix = " || ".join([*pieces, lit(static)])
            pieces.append(lit(static))
            pieces.append(f"CASE json_type({data}, {prefix}) WHEN 'array' THEN"
                          f" {lit(f'[{_array_index(key)}]')} ELSE {lit(f'.{_quoted(key)}')}"
                          " END")
            static = ""
        else:
            static += "." + _quoted(key)
    if static or not pieces:
        pieces.append(lit(static or "$"))
    return pieces[0] if len(pieces) == 1 else "(" + " || ".join(pieces) + ")"


def _quoted(key: str) -> str:
    return '"' + key + '"'


_RANK = ("CASE json_type({d}, {p}) WHEN 'null' THEN 1 WHEN 'text' THEN 2 WHEN 'integer' THEN 3"
         " WHEN 'real' THEN 3 WHEN 'false' THEN 4 WHEN 'true' THEN 4 WHEN 'array' THEN 5"
         " WHEN 'object' THEN 6 END")


def _residue(kind: str, text: str, value: str) -> str:
    """The second key of jsonsem.number_keys for a value of JSON type `kind`, JSON text
    `text` and SQLite value `value` (NULL unless a number). It is zero, and Python is not
    called, for a number of at most 15 significant digits: an integer below 10^15, or a
    decimal that SQLite writes back as it is stored (15 digits at most) or that is short
    and has no exponent (a double is exact to its shortest form there)."""
    zero = f"X'{jsonsem.RESIDUE_ZERO.hex()}'"
    rest = f"hat_number_residue({text})"
    return (f"CASE {kind} WHEN 'integer' THEN CASE WHEN abs({value}) < 1e15 THEN {zero} ELSE"
            f" {rest} END WHEN 'real' THEN CASE WHEN {text} = CAST({value} AS TEXT) OR"
            f" (length({text}) <= 15 AND {text} NOT GLOB '*[eE]*') THEN {zero} ELSE {rest}"
            f" END END")


def _number_row(data: str, p: str) -> str:
    """The number at `p` as the row value of its two keys."""
    value = f"json_extract({data}, {p})"
    return f"({value} * 1.0, {_residue(f'json_type({data}, {p})', f'({data} -> {p})', value)})"


def sort_keys(path: Path, data: str = "data") -> list[str]:
    """The ordering of storage.query as SQL expressions: missing last, type rank, value
    (a number as a double), then a number's exact rest (`_residue`)."""
    p = path_sql(path, data)
    kind = f"json_type({data}, {p})"
    value = f"json_extract({data}, {p})"
    return [f"{kind} IS NULL", _RANK.format(d=data, p=p),
            f"CASE {kind} WHEN 'integer' THEN {value} * 1.0 WHEN 'array' THEN NULL"
            f" WHEN 'object' THEN NULL ELSE {value} END",
            _residue(kind, f"({data} -> {p})", value)]


# --- filters ------------------------------------------------------------------------------

def _scalar_rank(value: Any) -> int:
    if value is None:
        return 1
    if isinstance(value, bool):
        return 4
    if isinstance(value, str):
        return 2
    return 3


def _plain_number(value: Any) -> int | float:
    """A number as SQLite binds it: a double unless a 64-bit integer (for date parts, which
    are doubles themselves)."""
    if type(value) is int and -(2**63) <= value < 2**63:
        return value
    return float(value)


_TYPES = {1: "('null')", 2: "('text')", 3: "('integer','real')"}


def _type_test(rank: int, value: Any, type_expr: str) -> str:
    if rank == 4:
        return f"{type_expr} = {lit('true' if value else 'false')}"
    return f"{type_expr} IN {_TYPES[rank]}"


class FilterSql:
    """Builds the WHERE fragment of one filter, collecting bound parameters (bound in the
    order they appear in the text, so every fragment is built left to right)."""

    def __init__(self, data: str, params: list[Any]) -> None:
        self.data = data
        self.params = params

    def bind(self, value: Any) -> str:
        self.params.append(value)
        return "?"

    def bind_scalar(self, value: Any) -> str:
        """A bound string or boolean; a number as the row value of its two keys."""
        if is_number(value):
            double, residue = jsonsem.number_keys(value)
            return f"({self.bind(double)}, {self.bind(residue)})"
        return self.bind(int(value) if isinstance(value, bool) else value)

    def build(self, f: Filter) -> str:
        if f.operator == "textIn":
            return self._text_in(f.path, f.value)
        if f.transform in ("datetimeExtract", "timestampExtract"):
            return self._on_number(f)
        p = path_sql(f.path, self.data)
        d = self.data
        if f.operator == "find":
            terms = orjson.dumps(sorted(jsonsem_query(f.search))).decode()
            return f"hat_find({d} -> {p}, {self.bind(terms)})"
        if f.operator == "contains":
            if _is_scalar(f.value):
                return self._scalar_member(p, f.value)
            return f"hat_contains({d} -> {p}, {self.bind(dumps(f.value).decode())})"
        if f.operator == "in":
            # Fast path for the usual list of scalars: a scalar field equal to one of them;
            # an array field goes through the general test.
            fast = isinstance(f.value, list) and all(map(_is_scalar, f.value))
            scalar = self._scalar_in(p, f.value) if fast else ""
            generic = f"hat_contains({self.bind(dumps(f.value).decode())}, {d} -> {p})"
            if not fast:
                return generic
            return f"({scalar} OR (json_type({d}, {p}) = 'array' AND {generic}))"
        plain = f"json_extract({d}, {p})"
        number = _number_row(d, p)
        return self._between(f"json_type({d}, {p})",
                             lambda rank: number if rank == 3 else plain, self.bind_scalar, f)

    def _text_in(self, path: Path, values: Sequence[str]) -> str:
        """GET /data's filter (storage.query: `textIn`)."""
        d = self.data
        marks = ", ".join(self.bind(v) for v in values)
        if len(path) == 1:
            key = path[0]
            quoted = '."' + key.replace('"', '""') + '"'
            # A string under the key itself, or a string element of an array under the key
            # (json_tree reports an element's container path in `path`).
            return (f"EXISTS (SELECT 1 FROM json_tree({d}) t WHERE t.type = 'text' AND t.atom"
                    f" IN ({marks}) AND (t.key = {self.bind(key)} OR (typeof(t.key) ="
                    f" 'integer' AND (substr(t.path, -length({self.bind('.' + key)})) ="
                    f" {self.bind('.' + key)} OR substr(t.path, -length({self.bind(quoted)}))"
                    f" = {self.bind(quoted)}))))")
        # Every key an object key: `$."a"."0"` (JSON1 has no escape for `"`: such keys are
        # refused before they get here, wire.unsafe_path_key).
        exact = lit("$" + "".join("." + _quoted(key) for key in path))
        return (f"(json_type({d}, {exact}) = 'text' AND json_extract({d}, {exact}) IN"
                f" ({marks}))")

    def _scalar_member(self, p: str, value: Any) -> str:
        """`F @> scalar`: F equals it, or F is an array with it as an element."""
        d = self.data
        rank = _scalar_rank(value)
        equal = _type_test(rank, value, f"json_type({d}, {p})")
        element = _type_test(rank, value, "e.type")
        if rank == 2:
            equal += f" AND json_extract({d}, {p}) = {self.bind(value)}"
            element += f" AND e.atom = {self.bind(value)}"
        elif rank == 3:
            equal += f" AND {_number_row(d, p)} = {self.bind_scalar(value)}"
            residue = _residue("e.type", f"({d} -> e.fullkey)", "e.atom")
            element += f" AND (e.atom * 1.0, {residue}) = {self.bind_scalar(value)}"
        return (f"(({equal}) OR (json_type({d}, {p}) = 'array' AND EXISTS (SELECT 1 FROM"
                f" json_each({d}, {p}) e WHERE {element})))")

    def _scalar_in(self, p: str, values: list[Any]) -> str:
        d = self.data
        tests = []
        for rank in (1, 2, 3):
            members = [v for v in values if _scalar_rank(v) == rank]
            if not members:
                continue
            test = f"json_type({d}, {p}) IN {_TYPES[rank]}"
            if rank == 2:
                marks = ", ".join(self.bind(v) for v in members)
                test += f" AND json_extract({d}, {p}) IN ({marks})"
            elif rank == 3:
                rows = ", ".join(self.bind_scalar(v) for v in members)
                test += f" AND {_number_row(d, p)} IN (VALUES {rows})"
            tests.append(f"({test})")
        tests += [f"json_type({d}, {p}) = {lit('true' if b else 'false')}"
                  for b in {v for v in values if isinstance(v, bool)}]
        return "(" + " OR ".join(tests) + ")" if tests else "0"

    def _between(self, type_expr: str, value_of: Callable[[int], str],
                 bind: Callable[[Any], str], f: Filter) -> str:
        """`value_of(rank)` is the field's value as compared with a bound of that rank,
        `bind` binds a bound alike."""
        lower, upper = _scalar_rank(f.lower), _scalar_rank(f.upper)
        rank = _RANK_OF_TYPE.format(t=type_expr)
        if lower == upper and lower in (2, 3):
            return (f"({type_expr} IN {_TYPES[lower]} AND {value_of(lower)} BETWEEN"
                    f" {bind(f.lower)} AND {bind(f.upper)})")
        low = self._bound(rank, value_of, bind, lower, f.lower, ">")
        high = self._bound(rank, value_of, bind, upper, f.upper, "<")
        return f"({low} AND {high})"

    @staticmethod
    def _bound(rank: str, value_of: Callable[[int], str], bind: Callable[[Any], str],
               bound_rank: int, bound: Any, side: str) -> str:
        if bound_rank == 1:  # null: every value of rank 1 equals it
            return f"{rank} {side}= 1"
        return (f"({rank} {side} {bound_rank} OR ({rank} = {bound_rank} AND"
                f" {value_of(bound_rank)} {side}= {bind(bound)}))")

    def _on_number(self, f: Filter) -> str:
        """Filters on a date part: the field becomes a number (or nothing)."""
        p = path_sql(f.path, self.data)
        d = self.data
        part = lit(f.part or "")  # one of DATE_PARTS: a literal, as it recurs below
        if f.transform == "datetimeExtract":
            x = (f"hat_datetime_part({part}, CASE json_type({d}, {p}) WHEN 'text' THEN"
                 f" json_extract({d}, {p}) END)")
        else:
            x = (f"hat_timestamp_part({part}, CASE WHEN json_type({d}, {p}) IN"
                 f" ('integer', 'real') THEN json_extract({d}, {p}) END)")
        if f.operator == "between":
            return self._between(f"(CASE WHEN {x} IS NULL THEN NULL ELSE 'real' END)",
                                 lambda rank: x, self._bind_plain, f)
        # A number contains (or is in) an equal number; `in` also accepts an array member.
        values = [f.value] if f.operator == "contains" or not isinstance(f.value, list) \
            else f.value
        numbers = [v for v in values if is_number(v)]
        if not numbers:
            return "0"
        return f"{x} IN ({', '.join(self.bind(_plain_number(n)) for n in numbers)})"

    def _bind_plain(self, value: Any) -> str:
        if is_number(value):
            return self.bind(_plain_number(value))
        return self.bind(int(value) if isinstance(value, bool) else value)


_RANK_OF_TYPE = ("(CASE {t} WHEN 'null' THEN 1 WHEN 'text' THEN 2 WHEN 'integer' THEN 3 WHEN"
                 " 'real' THEN 3 WHEN 'false' THEN 4 WHEN 'true' THEN 4 WHEN 'array' THEN 5"
                 " WHEN 'object' THEN 6 END)")


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def jsonsem_query(search: str) -> set[str]:
    return jsonsem.lexemes(search)


# --- the page and the links ----------------------------------------------------------------

def _among(record_ids: Sequence[str], params: list[Any]) -> str:
    params.extend(record_ids)
    return f"IN ({', '.join('?' * len(record_ids))})"


# A member of a compound SELECT cannot carry its own ORDER BY and LIMIT on SQLite, so each
# branch is a subquery; LIMIT -1 is SQLite's "no limit" before an OFFSET.
PAGES = PageSql(lit=lit, sort_keys=sort_keys, filters=FilterSql, data="data",
                branch="SELECT * FROM ({})", no_limit=" LIMIT -1", among=_among)


def order_index_sql(name: str, endpoint: str, path: Path, descending: bool) -> str:
    """The partial expression index that serves pages of `endpoint` sorted by `path`."""
    keys = sort_keys(path)
    direction = " DESC" if descending else ""
    columns = ", ".join(["hat_id", keys[0], *(f"{k}{direction}" for k in keys[1:]), "seq"])
    return (f"CREATE INDEX IF NOT EXISTS {name} ON records ({columns})"
            f" WHERE endpoint = {lit(endpoint)}")
