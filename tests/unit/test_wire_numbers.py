"""wire.parse_json and wire.dumps keep every number's value (issue 12), and which reading a
body gets (orjson's, or the exact one) never changes what is stored."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openhat.errors import BadRequest
from openhat.wire import dumps, parse_json

# Forces the exact reading: 16 digits in a row, even inside a string.
EXACT_PATH = '"0000000000000000"'

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
