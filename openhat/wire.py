"""What every area shares on the wire: the JSON alias, body parsing, the original's JsError
form, UUIDs, the HAT's date and duration formats, and the limits of query parameters.

Validation errors use the original's JsError form, an object keyed by JSON path:
`{"obj[0].endpoint": [{"msg": ["error.path.missing"], "args": []}]}` (spec 1.3), and all
problems of a body are reported together, as Play does.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any, TypeGuard

import orjson

from openhat.errors import BadRequest

Json = dict[str, Any]
Errors = dict[str, list[dict[str, Any]]]

# The largest count a query takes (skip, take, a bundle's limit): the original's are 32-bit
# Ints, and larger values would overflow the databases' integers.
MAX_INT = 2**31 - 1

UNSUPPORTED_PATH_KEYS = "quotes, backslashes and control characters are not supported in paths"


def unsafe_path_key(key: str) -> bool:
    """Whether a path key holds what no backend's path syntax carries safely: SQLite's JSON
    paths cannot quote `"` (and SQLite 3.45+ reads `\\` there as an escape, as PostgreSQL's
    text arrays do), and NUL ends a C string and is refused in PostgreSQL's text."""
    return any(ch in '"\\' or ord(ch) < 32 for ch in key)



def parse_json(body: bytes) -> Any:
    """Decode a request body. Raises BadRequest("Invalid Json: ...") when it is not JSON
    (or nests deeper than orjson's 1024 levels)."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"Invalid Json: {exc}") from None


def error(errors: Errors, path: str, msg: str) -> None:
    errors.setdefault(path, []).append({"msg": [msg], "args": []})


def is_object(value: Any, path: str, errors: Errors) -> TypeGuard[dict[str, Any]]:
    """Whether `value` is a JSON object; when not, the original's error is recorded."""
    if isinstance(value, dict):
        return True
    error(errors, path, "error.expected.jsobject")
    return False


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
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
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
