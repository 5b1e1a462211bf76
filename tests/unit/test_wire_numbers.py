"""wire.parse_json and wire.dumps keep every number's value (issue 12), and which reading a
body gets (orjson's, or the exact one) never changes what is stored."""

from __future__ import annotations

import json
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
