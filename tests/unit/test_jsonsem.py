"""storage/jsonsem.py: the Python stand-ins for jsonb containment, date parts and English
text search, held against PostgreSQL itself."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openhat.storage import jsonsem
from tests.conftest import POSTGRES_URL, require_postgres
from tests.profiles import examples


@pytest.mark.parametrize(("a", "b", "expected"), [
    ([1, 2], 1, True),  # a top-level array contains one of its elements
    ({"a": [1, 2]}, {"a": 1}, False),  # ... but not below the top
    ({"a": [1, 2]}, {"a": [1]}, True),
    (1, [1], False),  # a scalar does not contain an array
    (1, 1.0, True),  # numbers compare as numbers
    (True, 1, False),  # booleans are not numbers
    ([[1, 2], 3], [[1]], True),
    ([1, [2, 3]], [2], False),
    ({"a": 1, "b": 2}, {}, True),
    ("x", "x", True),
    (None, None, True),
])
def test_contains(a: Any, b: Any, expected: bool) -> None:
    assert jsonsem.contains(a, b) is expected


@pytest.mark.parametrize(("text", "hour"), [
    ("2017-04-20T14:37:27+00:00", 14),
    ("2017-04-20T14:37:27+01:00", 13),  # parts are taken in UTC
    ("2017-04-20T14:37:27Z", 14),
    ("2017-04-20 14:37", 14),  # no offset: UTC
    ("2017-04-20", 0),
    ("2017-02-30", None),  # not a real date
    ("2017-04-10T14:19:59:+01:00", None),  # the seed's malformed time
    ("20170420T143727Z", None),  # basic format: not accepted
    ("0001-01-01T00:00:00+01:00", None),  # before the year 1 in UTC
])
def test_iso_dates(text: str, hour: int | None) -> None:
    assert jsonsem.date_part("hour", jsonsem.parse_iso(text)) == hour


@pytest.mark.parametrize(("text", "expected"), [
    ("Running notes", {"run", "note"}),
    ("The cities of London, UK", {"citi", "london", "uk"}),  # stop words dropped
    ("email@example.com and foo-bar", {"email@example.com", "foo-bar", "foo", "bar"}),
    ("abc123 3.14 42", {"abc123", "3.14", "42"}),
])
def test_lexemes(text: str, expected: set[str]) -> None:
    assert jsonsem.lexemes(text) == expected



# The regular expression the tokenizer replaced: quadratic in runs of `_`, `.` or `-`, so
# only the oracle for short strings.
PART = r"[^\W_]*[^\W\d_][^\W_]*"  # a hyphenated word's part holds a letter
OLD_TOKEN = re.compile(r"(?P<email>[\w.+-]+@[^\W_]+(?:[.-][^\W_]+)*\.[^\W\d_]+)"
                       r"|(?P<float>[-+]?\d+\.\d+)"
                       rf"|(?P<hword>{PART}(?:-{PART})+)"
                       r"|(?P<int>[-+]\d+)"
                       r"|(?P<word>[^\W_]+)")
# Characters that start, join or end tokens, including digits that are not ASCII (² is a
# digit but not a decimal, ٣ is a decimal).
TOKEN_TEXT = st.text(st.sampled_from("aZé1٣²_.-+@ x"), max_size=40) | \
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=int(os.environ.get("TOKEN_EXAMPLES", "2000")), deadline=None)
@given(text=TOKEN_TEXT)
def test_tokens_are_the_old_regular_expressions(text: str) -> None:
    expected, hword_end = [], -1
    for m in OLD_TOKEN.finditer(text):
        # the hyphen right after a hyphenated word is no sign (PostgreSQL: foo-bar-3)
        sign_dropped = m.start() == hword_end and m.group()[0] == "-"
        expected.append((m.lastgroup, m.group()[1:] if sign_dropped else m.group()))
        hword_end = m.end() if m.lastgroup == "hword" else -1
    assert list(jsonsem.tokens(text)) == expected


# Each text at 2**20 characters against itself at 1/16 of that size: a linear tokenizer
# takes about 16 times as long, a quadratic one 256 times. A ratio, not a time limit, so a
# busy machine slows both sides alike (the best of a few runs leaves out the moments when
# other processes had the core).
LINEAR_TEXTS: list[Callable[[int], str]] = [
    *(lambda n, u=unit: u * (n // len(u)) for unit in
      ("_", ".", "-", "a_", "a.", "a-", "1.", "a@", "1", "1a", "a1", "1-", "-1", "a-1", "a1-",
       "1a-")),  # the parts of hyphenated words, too
    lambda n: "_" * (n // 2) + "@" + "a." * (n // 4),  # a local part, no domain
    lambda n: "1" * n + "-a",
]


def _best_cpu_seconds(text: str, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()  # CPU time: other processes count less than in wall time
        list(jsonsem.tokens(text))
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize("text", LINEAR_TEXTS)
def test_tokens_take_linear_time(text: Callable[[int], str]) -> None:
    small = _best_cpu_seconds(text(2**16), 5)
    large = _best_cpu_seconds(text(2**20), 2)
    assert large < 64 * max(small, 0.001), (small, large)  # linear: ~16, quadratic: ~256


# --- against PostgreSQL ------------------------------------------------------------------

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.sampled_from([0.5, 1.0]),
                    st.sampled_from(["", "a", "b", "1"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "b"]), inner,
                                                 max_size=2)), max_leaves=5)


@pytest.fixture(scope="module")
def pg() -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    require_postgres()
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        yield conn


@pytest.mark.postgres
@settings(max_examples=examples(300), deadline=None)
@given(a=values, b=values)
def test_contains_is_jsonb_containment(pg: psycopg.Connection[tuple[Any, ...]], a: Any,
                                       b: Any) -> None:
    row = pg.execute("SELECT %s::jsonb @> %s::jsonb",
                     (orjson.dumps(a).decode(), orjson.dumps(b).decode())).fetchone()
    assert row is not None
    assert jsonsem.contains(a, b) is row[0]


@pytest.mark.postgres
@pytest.mark.parametrize("part", ["year", "month", "day", "hour", "minute", "second", "dow",
                                  "isodow", "doy", "week", "isoyear", "quarter", "decade",
                                  "century", "millennium", "epoch", "milliseconds",
                                  "microseconds"])
def test_date_parts_are_postgresql_date_parts(pg: psycopg.Connection[tuple[Any, ...]],
                                              part: str) -> None:
    for text in ("2017-04-20T14:37:27.25+00:00", "2021-01-03T23:59:59-05:00", "2000-02-29"):
        moment = jsonsem.parse_iso(text)
        row = pg.execute("SELECT date_part(%s, %s::timestamptz AT TIME ZONE 'UTC')",
                         (part, text)).fetchone()
        assert row is not None
        assert jsonsem.date_part(part, moment) == pytest.approx(row[0]), (part, text)


@pytest.mark.postgres
@pytest.mark.parametrize("text", [
    "Running notes about the cities of London, UK", "email@example.com wrote foo-bar 42",
    "Showcasing the new HAT APIs", "agreed values generously", "café déjà vu", "3.14 abc123",
    "2017-04-20T14:37:27+00:00", "foo-bar-3-baz", "a-5b", "version-2.0", "x+1 1-2-3",
    "foo-bar--3 a-b-c-5-d foo-bar-3.5", "café-5 5b-5 a1-2",
])
def test_lexemes_are_postgresql_english_lexemes(pg: psycopg.Connection[tuple[Any, ...]],
                                                text: str) -> None:
    row = pg.execute("SELECT tsvector_to_array(to_tsvector('english', %s))", (text,)).fetchone()
    assert row is not None
    assert jsonsem.lexemes(text) == set(row[0])


@pytest.mark.postgres
@settings(max_examples=examples(300), deadline=None)
@given(text=st.text(st.sampled_from("ab1-+ T:2é"), max_size=16))
def test_words_numbers_and_signs_split_as_postgresql_splits_them(
        pg: psycopg.Connection[tuple[Any, ...]], text: str) -> None:
    """Letters, digits, hyphens, signs and colons (dates and times among them) give
    PostgreSQL's lexemes. (Dots, slashes and underscores also make host names and paths
    there, which SQLite reads as words: docs/queries.md.)"""
    row = pg.execute("SELECT tsvector_to_array(to_tsvector('english', %s))", (text,)).fetchone()
    assert row is not None
    assert jsonsem.lexemes(text) == set(row[0])
