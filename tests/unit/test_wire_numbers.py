"""wire.parse_json and wire.dumps keep every number's value (issue 12), and which reading a
body gets (orjson's, or the exact one) never changes what is stored."""

from __future__ import annotations

import json
import unicodedata
from decimal import Decimal
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openhat import wire
from openhat.errors import BadRequest
from openhat.wire import dumps, parse_json

# Forces the exact reading: an integer past 64 bits.
EXACT_PATH = "123456789012345678901234567890"

NUMBERS = st.one_of(
    st.integers().map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.builds(lambda m, e: f"{m}e{e}", st.integers(-999, 999), st.integers(-400, 400)),
    st.sampled_from(["-0", "-0.0", "1.0", "1E+2", "0.1", "18446744073709551615",
                     "-9223372036854775808", "18446744073709551616", "5e-324", "1e-400"]),
)


def decimal_values(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)


@given(numbers=st.lists(NUMBERS, min_size=1, max_size=6))
def test_every_number_keeps_its_value(numbers: list[str]) -> None:
    text = "[" + ", ".join(numbers) + "]"
    written = dumps(parse_json(text))
    assert decimal_values(written) == decimal_values(text)


@given(numbers=st.lists(NUMBERS, min_size=1, max_size=6))
def test_either_reading_stores_the_same_text(numbers: list[str]) -> None:
    """The duplicate rule hashes the stored text: a number must be written the same whether
    its body took orjson's reading or the exact one."""
    text = "[" + ", ".join(numbers) + "]"
    alone = dumps(parse_json(text))
    beside = dumps(parse_json(f"[{text}, {EXACT_PATH}]"))
    assert beside == b"[" + alone + b"," + EXACT_PATH.encode() + b"]"


@pytest.mark.parametrize("number", [
    "123456789012345678901234567890",  # orjson: a rounded double
    "0.30000000000000000000000000001",  # orjson: 0.3
    "1e-400",  # orjson: 0.0
    "1e400",  # orjson: refused as infinite
    "-98765432109876543210987654321",
])
def test_what_orjson_rounds_is_read_exactly(number: str) -> None:
    value = parse_json(number)
    assert isinstance(value, Decimal) and value == Decimal(number)
    assert dumps(value) == str(Decimal(number)).encode()


@pytest.mark.parametrize(("number", "kind"), [
    ("12", int), ("18446744073709551615", int), ("0.5", float), ("1e300", float),
    ("51.50735090000001", float),  # 16 digits, and a double holds them: orjson's type
])
def test_what_a_double_holds_keeps_orjsons_type(number: str, kind: type) -> None:
    assert type(parse_json(number)) is kind
    assert type(parse_json(f"[{number}, {EXACT_PATH}]")[0]) is kind


@pytest.mark.parametrize("body", ["1e131072", "1e-16384", "[1, 0e-16384]", "NaN",
                                  '[1e400, "\\udc00"]', "[1e400"])
def test_refused(body: str) -> None:
    with pytest.raises(BadRequest):
        parse_json(body)


@pytest.mark.parametrize("text", ["1E+400", "-0", "0E-20", "-1.5E-7", "123.4500"])
def test_a_decimal_is_written_as_a_json_number(text: str) -> None:
    assert decimal_values(dumps([Decimal(text)])) == [Decimal(text)]


# Text around numbers: strings full of digits, exponent-like hex (as in UUIDs), spaces.
_STRINGS = st.text(alphabet="0123456789.eE-+:,[ abcdef", max_size=40)
_VALUES = st.recursive(
    st.one_of(NUMBERS, _STRINGS.map(lambda s: json.dumps(s))),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda items: "[" + " ,\n".join(items) + "]"),
        st.dictionaries(_STRINGS, inner, max_size=4).map(
            lambda d: "{" + ", ".join(f"{json.dumps(k)}:\t{v}" for k, v in d.items()) + "}")),
    max_leaves=12)


@given(text=_VALUES)
def test_when_the_scan_finds_nothing_orjson_reads_every_number_exactly(text: str) -> None:
    """The scan only ever lets orjson's reading through when it is exact: its false alarms
    cost time, a miss would store a changed number."""
    if wire._may_lose(text):
        return
    try:
        read = orjson.loads(text)
    except orjson.JSONDecodeError:
        return  # beyond a double's range: parse_json reads it exactly
    assert decimal_values(orjson.dumps(read)) == decimal_values(text)


@pytest.mark.parametrize(("text", "found"), [
    ('{"id":"01a23aa9-1f6e-7091-bff6-7acc0c0a4598"}', False),  # "6e-709": hex, in a string
    ('["1234567890123456789", "2017-04-10T14:19:59"]', False),  # long digits in a string
    ("[1e-100]", True), ('{"a": -1.5E-0100}', True),
    ("[1, \n -12345678901234567]", True), ("12345678901234567", True),
    ('{"a":0.30000000000000000000000000001}', True),
    ('{"a":"x:1234567890123456"}', True),  # looks like a number: a harmless false alarm
])
def test_the_scan_counts_only_where_a_number_can_begin(text: str, found: bool) -> None:
    assert wire._may_lose(text) is found


def java_parse(text: str, low: int, high: int) -> int | None:
    """Java's Long.parseLong, written from its documentation: an optional ASCII sign, then
    one or more characters that Character.digit reads as decimal digits (Unicode's decimal
    digits, category Nd), nothing else; None where it throws or the value is outside."""
    body = text[1:] if text[:1] in ("+", "-") else text
    if not body or any(unicodedata.category(c) != "Nd" for c in body):
        return None
    value = 0
    for c in body:
        value = value * 10 + unicodedata.decimal(c)
    value = -value if text.startswith("-") else value
    return value if low <= value <= high else None


# Other scripts' decimal digits (Arabic-Indic 0 and 3, Persian 5, Devanagari 7, Thai 3), and
# digits that are not decimal ones (superscripts, a fraction).
DIGITISH = st.sampled_from("0123456789\u0660\u0663\u06f5\u096d\u0e53²³¹½ _-+\n\t.e")


@given(st.text(DIGITISH, max_size=12) | st.text(max_size=6)
       | st.integers().map(str) | st.integers(0, 40).map(lambda n: "9" * n))
def test_whole_numbers_are_read_as_java_reads_them(text: str) -> None:
    for low, high in ((0, wire.MAX_INT), (-(2**63), 2**63 - 1)):
        assert wire.whole_number(text, low, high) == java_parse(text, low, high), text


def test_whole_numbers_past_the_digits_int_reads_are_none() -> None:
    assert wire.whole_number("9" * 5000, 0, 2**63 - 1) is None
    assert wire.whole_number("²", 0, 9) is None  # str.isdigit() says yes, int() refuses
