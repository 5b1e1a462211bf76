"""What every area shares on the wire: the JSON alias, body parsing (numbers kept exactly),
the original's JsError form, UUIDs, the HAT's date and duration formats, and the limits of
query parameters.

Validation errors use the original's JsError form, an object keyed by JSON path:
`{"obj[0].endpoint": [{"msg": ["error.path.missing"], "args": []}]}` (spec 1.3), and all
problems of a body are reported together, as Play does.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeGuard

import orjson

from openhat.errors import BadRequest

Json = dict[str, Any]
Errors = dict[str, list[dict[str, Any]]]

# The largest count a query takes (skip, take, a bundle's limit): the original's are 32-bit
# Ints, and larger values would overflow the databases' integers.
MAX_INT = 2**31 - 1

# A whole number as the original's Java parsers read a query parameter (Integer.parseInt,
# Long.parseLong): an optional sign, then decimal digits (any script's, as Java's
# Character.digit reads them; `²` is no decimal digit). Python's int() also accepts spaces
# around the digits and underscores between them, which Java refuses, so a parameter never
# reaches int() unchecked (found by a query with `²`: str.isdigit() said yes, int() failed).
_WHOLE_NUMBER = re.compile(r"[+-]?\d+")


def whole_number(text: str, low: int, high: int) -> int | None:
    """`text` as a whole number from `low` to `high`, or None when it is none or outside."""
    if _WHOLE_NUMBER.fullmatch(text) is None:
        return None
    try:
        value = int(text)
    except ValueError:  # more digits than int() converts (sys.get_int_max_str_digits)
        return None
    return value if low <= value <= high else None


def ascii_digits(text: str) -> bool:
    """Whether `text` is ASCII digits only, as a header or an id we hand out is
    (str.isdigit() alone also says yes to `²`, which int() refuses)."""
    return text.isascii() and text.isdigit()


def nul_free(name: str, value: str) -> str:
    """A query parameter's text; BadRequest for NUL, which no stored text holds and
    PostgreSQL refuses."""
    if "\x00" in value:
        raise BadRequest(f"Invalid parameter {name}: NUL is not allowed")
    return value


UNSUPPORTED_PATH_KEYS = "quotes, backslashes and control characters are not supported in paths"


def unsafe_path_key(key: str) -> bool:
    """Whether a path key holds what no backend's path syntax carries safely: SQLite's JSON
    paths cannot quote `"` (and SQLite 3.45+ reads `\\` there as an escape, as PostgreSQL's
    text arrays do), and NUL ends a C string and is refused in PostgreSQL's text."""
    return any(ch in '"\\' or ord(ch) < 32 for ch in key)



def parse_json(body: bytes | str) -> Any:
    """Decode a request body (or stored JSON text), every number with the value it was
    written with. Raises BadRequest("Invalid Json: ...") when it is not JSON (or nests
    deeper than orjson's 1024 levels), or holds a number no backend can store.

    orjson reads every number as a 64-bit integer or a double, silently rounding larger
    integers and longer decimals; so a body that may hold such a number (`_may_lose`, one
    scan at C speed) is read again exactly (`_exact`). Numbers a double holds keep orjson's
    type, so either way the same text becomes the same values."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if "number" not in str(exc):  # orjson refuses numbers beyond a double's range
            raise BadRequest(f"Invalid Json: {exc}") from None
        return _exact(body)
    return _exact(body) if _may_lose(body) else value


def parse_json_texts(texts: list[bytes]) -> list[Any]:
    """`parse_json` of each text, with one `_may_lose` scan of them all: most batches (an
    archive's lines) hold no number orjson could lose, and one scan of a megabyte costs far
    less than a scan per line."""
    if _may_lose(b"\n".join(texts)):  # the separator ends a run of digits
        return [parse_json(text) for text in texts]
    out = []
    for text in texts:
        try:
            out.append(orjson.loads(text))
        except orjson.JSONDecodeError:
            out.append(parse_json(text))  # its error, or a number beyond a double's range
    return out


# --- numbers ----------------------------------------------------------------------------------

# PostgreSQL's numeric (what jsonb stores numbers as) holds up to 131,072 digits before the
# decimal point and 16,383 after it; SQLite keeps a number's text as written. Beyond these, a
# number is refused on both backends alike.
MAX_INTEGER_DIGITS = 131_072
MAX_FRACTION_DIGITS = 16_383

_DIGITS_AND_POINT = bytes.maketrans(b"0123456789.", b"0" * 11)


def _may_lose(text: bytes | str) -> bool:
    """Whether `text` may hold a number that orjson does not read exactly: 16 or more digits
    in a row (a point between them counts as one; 15 significant digits always survive a
    double) or an exponent below -99 (a subnormal or zero double). The scan is at C speed;
    each candidate it finds counts only where a number can begin (after `:`, `,`, `[` or at
    the start, past spaces and a minus), so digits in ids and dates inside strings seldom
    cost an exact reading (a string such as `"a:1e-100"` still does, harmlessly)."""
    raw = text.encode() if isinstance(text, str) else text
    found = raw.translate(_DIGITS_AND_POINT)
    at, run_end = found.find(_SIXTEEN), -1
    while at >= 0:
        if at > run_end and _starts_number(found, at):  # else: the run seen before
            return True
        run_end = at + 16
        at = found.find(_SIXTEEN, run_end)
    for needle in (b"e-000", b"E-000"):
        at = found.find(needle)
        while at >= 0:
            if at and found[at - 1] == _ZERO and _starts_number(found, at - 1):
                return True
            at = found.find(needle, at + 5)
    return False


_ZERO = ord("0")
_SIXTEEN = b"0" * 16
_SPACE = frozenset(b" \t\n\r")
_BEFORE_A_VALUE = frozenset(b":,[")


def _starts_number(found: bytes, at: int) -> bool:
    """Whether the run of digits and points (zeros, in `found`) holding position `at` is where
    a JSON number can begin: JSON puts one only at the start or after `:`, `,` or `[`, past
    spaces and a minus sign."""
    while at > 0 and found[at - 1] == _ZERO:
        at -= 1
    if at > 0 and found[at - 1] == ord("-"):
        at -= 1
    while at > 0 and found[at - 1] in _SPACE:
        at -= 1
    return at == 0 or found[at - 1] in _BEFORE_A_VALUE


class _NumberRefused(ValueError):
    pass


def _checked(text: str) -> Decimal:
    number = Decimal(text)
    _sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # JSON has no NaN or Infinity
    if -exponent > MAX_FRACTION_DIGITS or (any(digits) and
                                           len(digits) + exponent > MAX_INTEGER_DIGITS):
        shown = text if len(text) <= 40 else f"{text[:20]}...{text[-10:]}"
        raise _NumberRefused(f"the number {shown} is outside the range stored exactly (at most"
                             f" {MAX_INTEGER_DIGITS} digits before the decimal point and"
                             f" {MAX_FRACTION_DIGITS} after it)")
    return number


def _exact_int(text: str) -> int | Decimal:
    """An integer as orjson reads it when it can (64 bits, signed or unsigned), else exact."""
    if len(text) < 19:
        return int(text)
    number = _checked(text)
    return int(text) if len(text) <= 20 and -(2**63) <= number < 2**64 else number


def _exact_float(text: str) -> float | Decimal:
    """A decimal as orjson reads it (a double) when the double's shortest form has the same
    value, else exact."""
    number = _checked(text)
    double = float(text)
    if double not in (float("inf"), float("-inf")) and Decimal(repr(double)) == number:
        return double
    return number


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"unexpected {name}")


_EXACT = json.JSONDecoder(parse_int=_exact_int, parse_float=_exact_float,
                          parse_constant=_refuse_constant)


def _exact(body: bytes | str) -> Any:
    """The exact reading. The stdlib decoder accepts a little more than orjson (lone
    surrogates, NaN), which is refused here."""
    try:
        text = body.decode() if isinstance(body, bytes) else body
        value = _EXACT.decode(text)
        if _SURROGATE_ESCAPE.search(text):  # strict UTF-8 holds none: only escapes can
            _refuse_surrogates(value)
    except _NumberRefused as exc:
        raise BadRequest(f"Invalid Json: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"Invalid Json: {exc}") from None
    return value


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _refuse_surrogates(value: Any) -> None:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and not item.isascii():
            item.encode()  # UnicodeEncodeError (a ValueError) for a lone surrogate


def _number_text(value: Any) -> orjson.Fragment:
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value))
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


def dumps(value: Any, option: int = 0) -> bytes:
    """JSON text of a value from `parse_json`: its exact numbers (Decimals) as written by
    `str`, which is always a JSON number. Raises TypeError as orjson.dumps does."""
    return orjson.dumps(value, default=_number_text, option=option)


def is_number(value: Any) -> bool:
    """Whether a decoded JSON value is a number (a boolean is none)."""
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def error(errors: Errors, path: str, msg: str) -> None:
    errors.setdefault(path, []).append({"msg": [msg], "args": []})


def is_object(value: Any, path: str, errors: Errors) -> TypeGuard[dict[str, Any]]:
    """Whether `value` is a JSON object; when not, the original's error is recorded."""
    if isinstance(value, dict):
        return True
    error(errors, path, "error.expected.jsobject")
    return False


def nul_refused(value: str, path: str, errors: Errors) -> bool:
    """Whether `value` holds NUL, recorded as the error at `path`: PostgreSQL's text refuses
    it (a 500 there), so a body's text is refused on every backend alike."""
    if "\x00" not in value:
        return False
    error(errors, path, "error.pattern")
    return True


def raise_if(errors: Errors) -> None:
    if errors:
        raise BadRequest(errors)


def parse_uuid(value: Any) -> str | None:
    """The canonical form of a UUID string, or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None



# --- dates and durations (spec 1.4) -------------------------------------------------------------


def local_datetime(ms: int) -> str:
    """The original's LocalDateTime form: `2018-01-01T12:00:00+0000`."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def joda_datetime(ms: int) -> str:
    """The original's DateTime form: `2017-11-12T14:48:13.000Z`."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def _number_or_text(value: Any) -> int | str | None:
    """A JSON number as a whole number (a boolean is none), a string as it is, else None:
    the two forms in which the original accepts a date or a duration."""
    if is_number(value):
        return int(value)
    return value if isinstance(value, str) else None


def parse_time(value: Any) -> int | None:
    """Unix ms from epoch milliseconds or an ISO-8601 date-time (no offset: UTC)."""
    given = _number_or_text(value)
    if not isinstance(given, str):
        return given
    try:
        moment = datetime.fromisoformat(given.replace("+0000", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


# Every moment a debit shows must be formattable: datetime's years 1-9999, in UTC.
MIN_TIME = -62_135_596_800_000  # 0001-01-01T00:00:00.000Z, unix ms
MAX_TIME = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z
_LONGEST = MAX_TIME - MIN_TIME + 1  # longer than any period that fits between them


def check_range(start: int, period: int, start_path: str, end_path: str,
                errors: Errors) -> None:
    """Record an error unless `start` and `start + period` lie within the years 1-9999, so
    nothing stored can fail to format later."""
    if not MIN_TIME <= start <= MAX_TIME:
        error(errors, start_path, "error.date.outside.years.1.to.9999")
    elif start + period > MAX_TIME:
        error(errors, end_path, "error.date.ends.after.year.9999")


_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?")


def parse_period(value: Any) -> int | None:
    """Milliseconds from a number of ms or an ISO-8601 duration such as `P30D` or `PT72H`."""
    given = _number_or_text(value)
    if not isinstance(given, str):
        return given
    match = _DURATION.fullmatch(given)
    if match is None or given in ("P", "PT"):
        return None
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    total = ((days * 24 + hours) * 60 + minutes) * 60_000 + seconds * 1000
    return int(min(total, _LONGEST))  # many digits make the float infinite: too long anyway


def require_flag(raw: str | None, name: str) -> bool:
    """A required boolean query parameter (`atPeriodEnd`, the Files API's `content`)."""
    if raw is None:
        raise BadRequest(f"Missing parameter: {name}")
    if raw.lower() not in ("true", "false"):
        raise BadRequest(f"Cannot parse parameter {name} as Boolean: should be true or false")
    return raw.lower() == "true"
