"""A plain-Python reading of the endpoint-query semantics (docs/queries.md, storage/query.py),
for tests/storage/test_query_equivalence.py.

It is written from the documents, not from the implementation: nothing here comes from
openhat.storage.jsonsem (whose functions SQLite registers as its SQL functions), nor from
either backend, so the reference and SQLite can disagree. Where the algorithms could be the
same, they are not: containment is one recursive rule with a `top` flag, the order is a
comparison function, dates are parsed by a regular expression with named groups and turned
into a count of days with the civil-from-days arithmetic (no `datetime`), ISO weeks come from
the Thursday of the week, and `find` looks words up in a literal table of the lexemes
PostgreSQL 15's `to_tsvector('english', ...)` gives for the fixed vocabulary the test draws
strings from (a string it does not know is a test bug: KeyError).
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal, localcontext
from typing import Any

from openhat.storage.query import Filter, PageQuery

MISSING: Any = object()

# --- the vocabulary -------------------------------------------------------------------------

WORDS = ["london", "cities", "city", "running", "runs", "notes", "the", "and", "walked",
         "Running", "well-known", "e-mail", "ann@example.com", "3.14", "London's"]
OTHER_STRINGS = ["", "a", "B", "é", "z", "aa", "10"]
# Date-times in every accepted form, edge dates (leap days, ISO weeks across new year, the
# years 1 and 9999 in UTC, a Tuesday and a Wednesday of a third quarter), and strings that
# look like dates but are none.
DATES = ["2017-04-20T14:37:27+00:00", "2017-04-21T18:24:07Z", "2020-02-29", "2019-13-01",
         "2017-04-20 23:59", "2021-06-01T00:30:00+05:30", "not a date", "0001-01-01T00:00:00",
         "2017-04-20T14:37:27.5+01:00", "2020-12-31T23:59:59.999999Z", "2021-01-03 12:00",
         "2018-12-31T00:00:00-0800", "2016-02-29T12:00:00+05", "2017-02-29",
         "9999-12-31T23:30:00-01:00", "0001-01-01T00:30:00+01:00",
         "2004-01-01T00:00:00.25-14:00", "2017-04-20T24:00:00", "2017-04-20T14:37",
         "1999-12-31T23:59:60Z", "2017-4-20", "2010-10-10", "20170420T143727Z",
         "2009-12-28T08:15:00.123456+00:30", "2019-07-16T09:05:00+02:00", "2022-09-21 16:45"]
STRINGS = OTHER_STRINGS + WORDS + DATES

# PostgreSQL 15: tsvector_to_array(to_tsvector('english', w)) for each whitespace-separated
# word of STRINGS (a string's lexemes are those of its words; plainto_tsquery gives the
# same lexemes for a search). Read off the server once and written down here.
LEXEMES: dict[str, frozenset[str]] = {w: frozenset(x) for w, x in {
    "0001-01-01T00:00:00": {"-01", "00", "0001", "t00"},
    "0001-01-01T00:30:00+01:00": {"+01", "-01", "00", "0001", "30", "t00"},
    "10": {"10"},
    "12:00": {"00", "12"},
    "16:45": {"16", "45"},
    "1999-12-31T23:59:60Z": {"-12", "-31", "1999", "59", "60z", "t23"},
    "2004-01-01T00:00:00.25-14:00": {"-01", "-14", "00", "00.25", "2004", "t00"},
    "2009-12-28T08:15:00.123456+00:30": {"+00", "-12", "-28", "00.123456", "15", "2009", "30",
                                         "t08"},
    "2010-10-10": {"-10", "2010"},
    "2016-02-29T12:00:00+05": {"+05", "-02", "-29", "00", "2016", "t12"},
    "2017-02-29": {"-02", "-29", "2017"},
    "2017-04-20": {"-04", "-20", "2017"},
    "2017-04-20T14:37": {"-04", "-20", "2017", "37", "t14"},
    "2017-04-20T14:37:27+00:00": {"+00", "-04", "-20", "00", "2017", "27", "37", "t14"},
    "2017-04-20T14:37:27.5+01:00": {"+01", "-04", "-20", "00", "2017", "27.5", "37", "t14"},
    "2017-04-20T24:00:00": {"-04", "-20", "00", "2017", "t24"},
    "2017-04-21T18:24:07Z": {"-04", "-21", "07z", "2017", "24", "t18"},
    "2017-4-20": {"-20", "-4", "2017"},
    "20170420T143727Z": {"20170420t143727z"},
    "2018-12-31T00:00:00-0800": {"-0800", "-12", "-31", "00", "2018", "t00"},
    "2019-07-16T09:05:00+02:00": {"+02", "-07", "-16", "00", "05", "2019", "t09"},
    "2019-13-01": {"-01", "-13", "2019"},
    "2020-02-29": {"-02", "-29", "2020"},
    "2020-12-31T23:59:59.999999Z": {"-12", "-31", "2020", "59", "59.999999", "t23", "z"},
    "2021-01-03": {"-01", "-03", "2021"},
    "2021-06-01T00:30:00+05:30": {"+05", "-01", "-06", "00", "2021", "30", "t00"},
    "2022-09-21": {"-09", "-21", "2022"},
    "23:59": {"23", "59"},
    "3.14": {"3.14"},
    "9999-12-31T23:30:00-01:00": {"-01", "-12", "-31", "00", "30", "9999", "t23"},
    "B": {"b"},
    "London's": {"london"},
    "Running": {"run"},
    "a": set(),
    "aa": {"aa"},
    "and": set(),
    "ann@example.com": {"ann@example.com"},
    "cities": {"citi"},
    "city": {"citi"},
    "date": {"date"},
    "e-mail": {"e", "e-mail", "mail"},
    "london": {"london"},
    "not": set(),
    "notes": {"note"},
    "running": {"run"},
    "runs": {"run"},
    "the": set(),
    "walked": {"walk"},
    "well-known": {"known", "well", "well-known"},
    "z": {"z"},
    "é": {"é"},
    # the strings of the module's fixed cases
    "x": {"x"}, "Z": {"z"}, "Cities": {"citi"}, "of": set(), "London": {"london"},
    "04": {"04"}, "missing": {"miss"}, "s": set(),
    "2017-04-20T14:37:27+01:00": {"+01", "-04", "-20", "00", "2017", "27", "37", "t14"},
}.items()}


def lexemes(text: str) -> frozenset[str]:
    return frozenset().union(*(LEXEMES[word] for word in text.split()))


# --- values ---------------------------------------------------------------------------------

def is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def number(value: int | float | Decimal) -> Decimal:
    """A JSON number's value; a double stands for the shortest decimal that reads back as it
    (what the body said: `0.1` is 0.1, not the double's binary expansion)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def exact(value: Any) -> Any:
    """A decoded JSON value with every number a Decimal of its value (for comparing pages)."""
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [exact(v) for v in value]
    return number(value) if is_number(value) else value


def at(data: Any, path: tuple[str, ...]) -> Any:
    """The value at a dot path; a key of ASCII digits also indexes an array."""
    for key in path:
        if isinstance(data, dict):
            if key not in data:
                return MISSING
            data = data[key]
        elif isinstance(data, list) and re.fullmatch("[0-9]+", key):
            significant = key.lstrip("0") or "0"  # no int() of thousands of digits
            index = int(significant) if len(significant) <= 10 else 2**31
            if index >= min(len(data), 2**31):  # past a 32-bit int: no element (docs)
                return MISSING
            data = data[index]
        else:
            return MISSING
    return data


def strings(value: Any) -> list[str]:
    """The string values inside a JSON value (object keys are not values)."""
    if isinstance(value, str):
        return [value]
    found: list[str] = []
    for item in value.values() if isinstance(value, dict) else \
            value if isinstance(value, list) else ():
        found += strings(item)
    return found


# --- order ----------------------------------------------------------------------------------

_TYPE_ORDER = ["null", "string", "number", "boolean", "array", "object"]


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    assert is_number(value), value
    return "number"


def compare(a: Any, b: Any) -> int:
    """-1, 0 or 1: null < strings < numbers < booleans < arrays < objects; strings by code
    point, numbers by exact value, false < true; arrays (and objects) tie among themselves."""
    ka, kb = kind(a), kind(b)
    if ka != kb:
        return -1 if _TYPE_ORDER.index(ka) < _TYPE_ORDER.index(kb) else 1
    if ka in ("null", "array", "object"):
        return 0
    if ka == "number":
        x, y = number(a), number(b)
    else:  # str compares by code point; False < True
        x, y = a, b
    return (x > y) - (x < y)


# --- containment (jsonb @>) ---------------------------------------------------------------

def same_scalar(a: Any, b: Any) -> bool:
    if kind(a) != kind(b):
        return False
    return bool(number(a) == number(b)) if kind(a) == "number" else bool(a == b)


def contains(a: Any, b: Any, top: bool = True) -> bool:
    """`a` contains `b`: objects key by key (recursively), arrays as sets of elements, a
    scalar an equal scalar; only at the top is a scalar contained in an array holding it
    (nested, as in jsonb, `{"k": [1, 2]}` does not contain `{"k": 1}`)."""
    if isinstance(b, dict):
        return isinstance(a, dict) and all(
            key in a and contains(a[key], inner, False) for key, inner in b.items())
    if isinstance(b, list):
        return isinstance(a, list) and all(
            any(contains(mine, item, False) for mine in a) for item in b)
    if isinstance(a, list):
        return top and any(same_scalar(mine, b) for mine in a)
    return not isinstance(a, dict) and same_scalar(a, b)


# --- dates ----------------------------------------------------------------------------------

_ISO = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"(?:[T ](?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]{1,6}))?)?"
    r"(?P<zone>Z|(?P<sign>[+-])(?P<zh>[0-9]{2})(?::?(?P<zm>[0-9]{2}))?)?)?")
_US_PER_DAY = 86_400 * 1_000_000


def days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z: int) -> tuple[int, int, int]:
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (m <= 2), m, d


def _month_days(y: int, m: int) -> int:
    if m == 2:
        return 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28
    return 30 if m in (4, 6, 9, 11) else 31


def iso_micros(text: Any) -> int | None:
    """Microseconds since the epoch (UTC) of an ISO-8601 date, or date and time (`T` or a
    space, minutes, optional seconds and up to six digits of fraction, an optional offset
    `Z`, `±HH`, `±HHMM` or `±HH:MM` below 16 hours; none means UTC); None otherwise."""
    if not isinstance(text, str):
        return None
    match = _ISO.fullmatch(text)
    if not match:
        return None
    g = {k: int(v) for k, v in match.groupdict().items()
         if v is not None and k not in ("fraction", "zone", "sign")}
    if not (g["year"] >= 1 and 1 <= g["month"] <= 12
            and 1 <= g["day"] <= _month_days(g["year"], g["month"])
            and g.get("hour", 0) < 24 and g.get("minute", 0) < 60 and g.get("second", 0) < 60
            and g.get("zh", 0) < 16 and g.get("zm", 0) < 60):
        return None
    fraction = int((match["fraction"] or "").ljust(6, "0"))
    offset = (g.get("zh", 0) * 60 + g.get("zm", 0)) * (-1 if match["sign"] == "-" else 1)
    minutes = days_from_civil(g["year"], g["month"], g["day"]) * 1440 + g.get("hour", 0) * 60 \
        + g.get("minute", 0) - offset
    return _in_range((minutes * 60 + g.get("second", 0)) * 1_000_000 + fraction)


def unix_micros(seconds: Any) -> int | None:
    """Microseconds since the epoch of a unix time in seconds (a JSON number), rounded to the
    microsecond; None for other values."""
    if not is_number(seconds):
        return None
    value = number(seconds)
    if abs(value) > 10**13:  # far outside the years 1-9999
        return None
    with localcontext() as ctx:
        ctx.prec = 60
        return _in_range(int((value * 1_000_000).to_integral_value()))


_FIRST = days_from_civil(1, 1, 1) * _US_PER_DAY
_END = days_from_civil(10000, 1, 1) * _US_PER_DAY


def _in_range(micros: int) -> int | None:
    return micros if _FIRST <= micros < _END else None


def date_part(part: str, micros: int | None) -> int | float | None:
    """A part of a moment (microseconds since the epoch), in UTC, as PostgreSQL's date_part
    gives it: a double (seconds with their fraction are added in double precision)."""
    if micros is None:
        return None
    days, rest = divmod(micros, _US_PER_DAY)
    y, m, d = civil_from_days(days)
    hour, rest = divmod(rest, 3_600_000_000)
    minute, rest = divmod(rest, 60_000_000)
    second, us = divmod(rest, 1_000_000)
    dow = (days + 4) % 7  # 1970-01-01 was a Thursday; Sunday is 0
    isodow = 7 if dow == 0 else dow
    thursday = days - isodow + 4  # ISO weeks are named after the year of their Thursday
    isoyear = civil_from_days(thursday)[0]
    if part == "year":
        return y
    if part == "month":
        return m
    if part == "day":
        return d
    if part == "hour":
        return hour
    if part == "minute":
        return minute
    if part == "second":
        return second + us / 1_000_000
    if part == "milliseconds":
        return second * 1000.0 + us / 1000.0
    if part == "microseconds":
        return second * 1_000_000 + us
    if part == "dow":
        return dow
    if part == "isodow":
        return isodow
    if part == "doy":
        return days - days_from_civil(y, 1, 1) + 1
    if part == "week":
        return (thursday - days_from_civil(isoyear, 1, 1)) // 7 + 1
    if part == "isoyear":
        return isoyear
    if part == "quarter":
        return (m + 2) // 3
    if part == "decade":
        return y // 10
    if part == "century":
        return (y - 1) // 100 + 1
    if part == "millennium":
        return (y - 1) // 1000 + 1
    if part == "epoch":
        return float(micros) / 1_000_000  # as PostgreSQL: the count a double first
    raise ValueError(part)


# --- filters --------------------------------------------------------------------------------

def transformed(f: Filter, data: Any) -> Any:
    """F: the value at the filter's field after its transformation (MISSING: no value)."""
    value = at(data, f.path)
    if value is MISSING or f.transform in ("identity", "searchable"):
        return value
    micros = iso_micros(value) if f.transform == "datetimeExtract" else unix_micros(value)
    part = date_part(f.part or "", micros)
    return MISSING if part is None else part


def text_in(f: Filter, data: Any) -> bool:
    """GET /data's filter: a one-key path finds that key at any depth of objects (in arrays
    too), holding a wanted string or an array with one among its elements; a longer path is
    followed exactly, through object keys only, to a wanted string."""
    wanted = set(f.value)
    if len(f.path) > 1:
        node = data
        for key in f.path:
            node = node.get(key, MISSING) if isinstance(node, dict) else MISSING
        return isinstance(node, str) and node in wanted
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack += node
        elif isinstance(node, dict):
            under = node.get(f.path[0], MISSING)
            held = under if isinstance(under, list) else [under]
            if any(isinstance(x, str) and x in wanted for x in held):
                return True
            stack += node.values()
    return False


def passes(f: Filter, data: Any) -> bool:
    if f.operator == "textIn":
        return text_in(f, data)
    value = transformed(f, data)
    if value is MISSING:
        return False
    if f.operator == "contains":
        return contains(value, f.value)
    if f.operator == "in":
        return contains(f.value, value)
    if f.operator == "find":
        query = lexemes(f.search)
        found = frozenset().union(*map(lexemes, strings(value)))
        return bool(query) and query <= found
    assert f.operator == "between"
    return compare(f.lower, value) <= 0 and compare(value, f.upper) <= 0


# --- pages ----------------------------------------------------------------------------------

def page(query: PageQuery, stored: list[tuple[str, str, Any]]) -> list[tuple[int, str, Any]]:
    """(select index, record id, data) of the page, from (endpoint, record id, data) in
    insertion order."""
    found = [(index, seq, record_id, data)
             for index, select in enumerate(query.selects)
             for seq, (endpoint, record_id, data) in enumerate(stored)
             if endpoint == select.endpoint and all(passes(f, data) for f in select.filters)]

    def order(x: tuple[int, int, str, Any], y: tuple[int, int, str, Any]) -> int:
        if query.ordered:
            vx = at(x[3], query.selects[x[0]].order_path or ())
            vy = at(y[3], query.selects[y[0]].order_path or ())
            if (vx is MISSING) != (vy is MISSING):
                return 1 if vx is MISSING else -1  # last in both directions
            if vx is not MISSING:
                by_value = compare(vx, vy)
                if by_value:
                    return -by_value if query.descending else by_value
            by_seq = x[1] - y[1]  # ties: insertion order
        else:
            by_seq = y[1] - x[1] if query.descending else x[1] - y[1]
        return by_seq or x[0] - y[0]

    found.sort(key=functools.cmp_to_key(order))
    end = None if query.take is None else query.skip + query.take
    return [(index, record_id, data) for index, _, record_id, data in found[query.skip:end]]
