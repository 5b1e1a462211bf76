"""JSON semantics that SQLite lacks, in Python, matching what PostgreSQL computes.

The SQLite backend registers these as SQL functions; PostgreSQL has them natively (`@>`,
`date_part`, `to_tsvector('english', ...)`). Keeping them in one small module lets the unit
tests hold each against its PostgreSQL counterpart.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Context, Decimal
from typing import Any

import snowballstemmer

from openhat.wire import MAX_FRACTION_DIGITS, MAX_INTEGER_DIGITS, is_number

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Seconds that a Python datetime can hold (years 1..9999): outside this, no date.
_MIN_SECONDS = -62_135_596_800
_MAX_SECONDS = 253_402_300_799


# --- containment (jsonb @>) ------------------------------------------------------------------

def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def _scalar_equal(a: Any, b: Any) -> bool:
    """jsonb scalar equality: same type; numbers compare numerically (1 equals 1.0)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) and is_number(b):
        return exact(a) == exact(b)
    return type(a) is type(b) and a == b


def exact(number: int | float | Decimal) -> Decimal:
    """A decoded JSON number's value: a double is the decimal it was written as (its
    shortest form), as jsonb's numeric holds it."""
    return Decimal(repr(number)) if isinstance(number, float) else Decimal(number)


def contains(a: Any, b: Any) -> bool:
    """PostgreSQL's `a @> b` for top-level jsonb values: objects contain sub-objects
    recursively, arrays contain arrays as sets, a scalar contains an equal scalar, and a
    top-level array also contains a scalar that is one of its elements."""
    if isinstance(a, list) and _is_scalar(b):
        return any(_is_scalar(x) and _scalar_equal(x, b) for x in a)
    return _deep_contains(a, b)


def _deep_contains(a: Any, b: Any) -> bool:
    if isinstance(a, dict):
        if not isinstance(b, dict):
            return False
        for key, value in b.items():
            if key not in a:
                return False
            mine = a[key]
            if _is_scalar(value) or _is_scalar(mine):
                if not (_is_scalar(value) and _is_scalar(mine) and _scalar_equal(mine, value)):
                    return False
            elif type(mine) is not type(value) or not _deep_contains(mine, value):
                return False
        return True
    if isinstance(a, list):
        if not isinstance(b, list):
            return False
        for item in b:
            if _is_scalar(item):
                if not any(_is_scalar(x) and _scalar_equal(x, item) for x in a):
                    return False
            elif not any(type(x) is type(item) and _deep_contains(x, item) for x in a):
                return False
        return True
    return not isinstance(b, (dict, list)) and _scalar_equal(a, b)


# --- the order of numbers on SQLite --------------------------------------------------------

# Exact to the last digit over the whole range a number may have (wire.parse_json).
_EXACT = Context(prec=MAX_INTEGER_DIGITS + MAX_FRACTION_DIGITS + 10,
                 Emax=2 * MAX_INTEGER_DIGITS, Emin=-2 * MAX_FRACTION_DIGITS)
RESIDUE_ZERO = b"\x80"  # ordered_bytes(0)


def ordered_bytes(number: Decimal) -> bytes:
    """A byte string that sorts (bytewise, as SQLite compares BLOBs) as the numbers do:
    sign, then the decimal exponent, then the digits."""
    if not number:
        return RESIDUE_ZERO
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits)).rstrip("0")  # equal values, equal bytes
    body = (len(digits) + exponent + 2**31).to_bytes(4, "big") + text.encode()
    if not sign:
        return b"\x81" + body
    # Negative: every byte inverted, and a terminator above any inverted digit so that a
    # longer magnitude (-0.123 < -0.12) sorts first.
    return b"\x7f" + bytes(255 - byte for byte in body) + b"\xff"


def number_keys(number: int | float | Decimal) -> tuple[float, bytes]:
    """The two keys that order a number exactly on SQLite: the nearest double, then how far
    the number lies from that double's shortest decimal form (`ordered_bytes`). A number of
    at most 15 significant digits is that form (residue zero), so SQL computes both keys
    itself for such numbers (sqlite/query.py), and numbers of equal doubles share the form
    their rests are measured from."""
    text = repr(number) if isinstance(number, float) else str(number)
    return float(text), number_residue(text)


def number_residue(text: str) -> bytes:
    """The second key of `number_keys`, from a JSON number's text. Beyond a double's range
    (an infinite first key) it is the number itself."""
    number = Decimal(text)
    double = float(text)
    if math.isinf(double):
        return ordered_bytes(number)
    return ordered_bytes(_EXACT.subtract(number, Decimal(repr(double))))


# --- dates -----------------------------------------------------------------------------------

# The ISO-8601 forms both backends parse alike (PostgreSQL accepts many more, Python fewer).
ISO_PATTERN = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
               r"([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
               r"(Z|[+-](0[0-9]|1[0-5])(:?[0-5][0-9])?)?)?$")
_ISO_RE = re.compile(ISO_PATTERN)


def parse_iso(text: Any) -> datetime | None:
    """An ISO-8601 date or date-time as an aware UTC datetime (no offset means UTC), or None
    when `text` is not one of the accepted forms or not a real date."""
    if not isinstance(text, str) or not _ISO_RE.match(text):
        return None
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):  # not a date, or outside the years 1-9999 in UTC
        return None


def from_unix(seconds: Any) -> datetime | None:
    """PostgreSQL's to_timestamp(seconds), or None for non-numbers and years outside 1-9999."""
    if not is_number(seconds):
        return None
    if not _MIN_SECONDS <= seconds <= _MAX_SECONDS:
        return None
    return _EPOCH + timedelta(microseconds=round(seconds * 1_000_000))


def date_part(part: str, moment: datetime | None) -> float | int | None:
    """PostgreSQL's date_part(part, moment AT TIME ZONE 'UTC') for the parts in
    storage.query.DATE_PARTS."""
    if moment is None:
        return None
    m = moment.astimezone(UTC)
    seconds = m.second + m.microsecond / 1_000_000
    iso = m.isocalendar()
    parts: dict[str, float | int] = {
        "year": m.year, "month": m.month, "day": m.day, "hour": m.hour, "minute": m.minute,
        "second": seconds, "milliseconds": m.second * 1000 + m.microsecond / 1000,
        "microseconds": m.second * 1_000_000 + m.microsecond,
        "dow": m.isoweekday() % 7, "isodow": m.isoweekday(), "doy": m.timetuple().tm_yday,
        "week": iso.week, "isoyear": iso.year, "quarter": (m.month - 1) // 3 + 1,
        "decade": m.year // 10, "century": (m.year + 99) // 100,
        "millennium": (m.year + 999) // 1000,
        "epoch": (m - _EPOCH) / timedelta(seconds=1),
    }
    return parts.get(part)


# --- full-text search (PostgreSQL's 'english' configuration) ---------------------------------

# PostgreSQL's english.stop (the Snowball English stop words), dropped from documents and
# queries alike.
STOP_WORDS = frozenset({
    "i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "your", "yours",
    "yourself", "yourselves", "he", "him", "his", "himself", "she", "her", "hers", "herself",
    "it", "its", "itself", "they", "them", "their", "theirs", "themselves", "what", "which",
    "who", "whom", "this", "that", "these", "those", "am", "is", "are", "was", "were", "be",
    "been", "being", "have", "has", "had", "having", "do", "does", "did", "doing", "a", "an",
    "the", "and", "but", "if", "or", "because", "as", "until", "while", "of", "at", "by", "for",
    "with", "about", "against", "between", "into", "through", "during", "before", "after",
    "above", "below", "to", "from", "up", "down", "in", "out", "on", "off", "over", "under",
    "again", "further", "then", "once", "here", "there", "when", "where", "why", "how", "all",
    "any", "both", "each", "few", "more", "most", "other", "some", "such", "no", "nor", "not",
    "only", "own", "same", "so", "than", "too", "very", "s", "t", "can", "will", "just", "don",
    "should", "now",
})

# The regular expressions of the tokenizer below. Each is linear where it is used: `_WORDS`
# fails at once where no word starts, and `_DOMAIN` is only tried right after an `@`.
# A part of a hyphenated word holds a letter: PostgreSQL reads `2017-04-20` as the number
# 2017 and the signed numbers -04 and -20, and `foo-bar-3` as foo-bar and 3.
_PART = r"\d*+[^\W\d_][^\W_]*+"  # possessive: no backtracking, linear in a run of them
_WORDS = re.compile(rf"(?P<float>[-+]?\d+\.\d+)|(?P<hword>{_PART}(?:-{_PART})+)"
                    r"|(?P<int>[-+]\d+)|(?P<word>[^\W_]+)")
_DOMAIN = re.compile(r"[^\W_]+(?:[.-][^\W_]+)*\.[^\W\d_]+")
_LOCAL = re.compile(r"[\w.+-]+")


def tokens(text: str) -> Iterator[tuple[str, str]]:
    """(kind, token) for each e-mail address ("email"), decimal number ("float"), hyphenated
    word ("hword"), signed integer ("int": `-04`, `+00`) and word ("word") of `text`, in
    order, as PostgreSQL's parser splits them.

    In linear time: the single regular expression it replaced (kept as the oracle in
    tests/unit/test_jsonsem.py) retried an e-mail's local part from every character of a run
    of `_`, `.` or `-`, quadratic in the run, so one record could stall every search. Here
    an e-mail is looked for only at each `@`, its local part read backwards from there."""
    i = 0
    backwards = text[::-1]  # where a local part is read, back from its @
    at = text.find("@")
    while at != -1:
        domain = _DOMAIN.match(text, at + 1)
        if domain and (local := _LOCAL.match(backwards, len(text) - at, len(text) - i)):
            start = at - len(local.group())
            yield from _words(text, i, start)
            yield "email", text[start:domain.end()]
            i = domain.end()
        at = text.find("@", max(at + 1, i))
    yield from _words(text, i, len(text))


def _words(text: str, start: int, end: int) -> Iterator[tuple[str, str]]:
    after_hword = -1  # where the last hyphenated word ended
    for match in _WORDS.finditer(text, start, end):
        kind, token = str(match.lastgroup), match.group()
        if match.start() == after_hword and token[0] == "-":
            token = token[1:]  # the hyphen ending a hyphenated word is no sign (foo-bar-3)
        if kind == "hword":
            after_hword = match.end()
        yield kind, token


_stemmer = snowballstemmer.stemmer("english")


def _word_lexeme(word: str) -> str | None:
    word = word.lower()
    if word in STOP_WORDS:
        return None
    if word.isalpha():
        return str(_stemmer.stemWord(word))
    return word  # numbers and words with digits are kept as they are


def lexemes(text: str) -> set[str]:
    """The lexemes PostgreSQL's to_tsvector('english', text) would produce, for ordinary
    text: words (stemmed, stop words dropped), numbers, e-mail addresses, and hyphenated
    words (the whole and each part). Hosts, URLs and paths are not recognised as one token."""
    found: set[str] = set()
    for kind, token in tokens(text):
        if kind in ("email", "float", "int"):
            found.add(token.lower())
        elif kind == "hword":
            whole = token.lower()
            found.add(str(_stemmer.stemWord(whole)) if whole.replace("-", "").isalpha()
                      else whole)
            found.update(x for x in (_word_lexeme(p) for p in token.split("-")) if x)
        else:
            lexeme = _word_lexeme(token)
            if lexeme:
                found.add(lexeme)
    return found


def strings(value: Any) -> list[str]:
    """The string values in a JSON value, in document order (what to_tsvector(jsonb) reads)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    return []


def matches(value: Any, query: set[str]) -> bool:
    """`to_tsvector('english', value) @@ plainto_tsquery('english', ...)`, given the query's
    lexemes: every one must occur in the value's strings. An empty query matches nothing."""
    if not query:
        return False
    found: set[str] = set()
    for text in strings(value):
        found |= lexemes(text)
    return query <= found
