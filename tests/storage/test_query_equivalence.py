"""SQLite and PostgreSQL answer endpoint queries alike: for random records and random queries
(filters of every operator and transformation, ordering, paging, several endpoints), both
return the same records in the same order, and so does a plain-Python reading of the
semantics in storage/query.py."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openhat.hats import service as hats
from openhat.records import service as records
from openhat.storage import jsonsem, open_store
from openhat.storage.base import Store
from openhat.storage.query import EndpointSelect, Filter, PageQuery
from openhat.storage.rows import NewElement
from openhat.wire import is_number, parse_json
from tests.conftest import postgres_schema
from tests.storage import writes

pytestmark = pytest.mark.postgres

WORDS = ["london", "cities", "city", "running", "runs", "notes", "the", "and", "walked"]
KEYS = ["a", "b", "s", "n", "0"]
DATES = ["2017-04-20T14:37:27+00:00", "2017-04-21T18:24:07Z", "2020-02-29", "2019-13-01",
         "2017-04-20 23:59", "2021-06-01T00:30:00+05:30", "not a date", "0001-01-01T00:00:00"]

# Numbers a double does not hold (read as Decimals, wire.parse_json): beyond 64 bits, long
# decimals, next to each other and next to doubles (0.1), and beyond a double's range.
TWO_70 = 2**70
EXACT = [Decimal(TWO_70), Decimal(TWO_70 + 1), Decimal(-TWO_70), Decimal(f"{TWO_70}.5"),
         Decimal("0.1000000000000000000000001"), Decimal("0.0999999999999999999999999"),
         Decimal("1e400"), Decimal("-1e400"), Decimal("1e-400"), Decimal("3." + "1" * 1000)]
exact_numbers = st.one_of(
    st.sampled_from(EXACT),
    st.integers(2**64, 2**80).map(Decimal),
    st.decimals(allow_nan=False, allow_infinity=False, places=30, min_value=-2,
                max_value=2),
).map(lambda d: parse_json(str(d)))  # as a body would bring it (a double where it holds)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3),
                    st.sampled_from([0.5, -1.5, 2.0, 1e3, 0.1]), exact_numbers,
                    st.sampled_from(["", "a", "B", "é", "z", "aa", "10", *WORDS, *DATES]),
                    st.sampled_from([1492699047, 1492799048, -1, 253402300800]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)), max_leaves=6)
# Every document has "s" (mostly a scalar), so ordering and filters often meet a value.
documents = st.fixed_dictionaries({"s": st.one_of(scalars, scalars, values)},
                                  optional={k: values for k in KEYS if k != "s"})
paths = st.one_of(st.just(("s",)), st.lists(st.sampled_from(KEYS), min_size=1,
                                            max_size=2).map(tuple))
bounds = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(
    ["", "a", "b", "z", "é", 0.5]), exact_numbers)


def leaves(document: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every (path, value) in a document, down to two keys deep."""
    found = [(path, document)] if path else []
    if len(path) < 2 and isinstance(document, dict):
        for key, value in document.items():
            found += leaves(value, (*path, key))
    if len(path) < 2 and isinstance(document, list):
        for index, value in enumerate(document):
            found += leaves(value, (*path, str(index)))
    return found


def near(draw: st.DrawFn, value: Any) -> Any:
    """A value that `value` likely contains: itself, one of its elements or entries."""
    if isinstance(value, list) and value and draw(st.integers(0, 2)):
        return draw(st.sampled_from(value))
    if isinstance(value, dict) and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value)))
        return {key: value[key]}
    return value if draw(st.booleans()) else draw(values)


@st.composite
def filters(draw: st.DrawFn, known: list[tuple[tuple[str, ...], Any]]) -> Filter:
    path, value = draw(st.sampled_from(known)) if known and draw(st.integers(0, 3)) else \
        (draw(paths), draw(values))
    kind = draw(st.sampled_from(["contains", "contains", "contains", "in", "in", "between",
                                 "between", "find", "datetime", "timestamp", "text"]))
    if kind == "text":  # GET /data's ad-hoc filter
        strings = [text for text in jsonsem.strings(value)] + ["a", "z", "", *WORDS[:3]]
        return Filter(path, "textIn", value=tuple(draw(st.lists(st.sampled_from(strings),
                                                                 min_size=1, max_size=3))))
    if kind == "contains":
        return Filter(path, "contains", value=near(draw, value))
    if kind == "in":
        others = draw(st.lists(scalars, max_size=3))
        return Filter(path, "in", value=draw(st.sampled_from(
            [[value, *others], others, value, near(draw, value)])))
    if kind == "between":  # bounds are scalars (query_models refuses others)
        mine = st.just(value) if not isinstance(value, (list, dict)) else bounds
        return Filter(path, "between", lower=draw(st.one_of(bounds, mine)),
                      upper=draw(st.one_of(bounds, mine)))
    if kind == "find":
        words = [w for text in jsonsem.strings(value) for w in text.split()] or WORDS
        search = " ".join(draw(st.lists(st.sampled_from(words + WORDS), min_size=1,
                                        max_size=2)))
        return Filter(path, "find", draw(st.sampled_from(["identity", "searchable"])),
                      search=search)
    part = draw(st.sampled_from(["hour", "day", "dow", "year", "epoch", "week", "doy"]))
    transform = "datetimeExtract" if kind == "datetime" else "timestampExtract"
    if draw(st.booleans()):
        return Filter(path, "in", transform, part,  # type: ignore[arg-type]
                      value=draw(st.lists(st.integers(0, 24), max_size=3)))
    return Filter(path, "between", transform, part,  # type: ignore[arg-type]
                  lower=draw(st.integers(0, 30)), upper=draw(st.integers(0, 2100)))


@st.composite
def page_queries(draw: st.DrawFn, documents: list[Any]) -> PageQuery:
    known = [pair for document in documents for pair in leaves(document)]
    ordered = draw(st.booleans())
    selects = tuple(EndpointSelect(endpoint, tuple(draw(st.lists(filters(known),
                                                                 max_size=2))),
                                   draw(paths) if ordered else None)
                    for endpoint in draw(st.lists(st.sampled_from(["a", "b"]), min_size=1,
                                                  max_size=2)))
    return PageQuery(selects, ordered, draw(st.booleans()), draw(st.integers(0, 3)),
                     draw(st.one_of(st.none(), st.integers(0, 8))))


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[tuple[Store, str]]]:
    """One SQLite and one PostgreSQL store, each with a HAT, for the whole module."""
    sqlite = open_store(f"sqlite:///{tmp_path_factory.mktemp('eq') / 'hat.db'}")
    with postgres_schema() as url:
        postgres = open_store(url)
        try:
            pairs = []
            for store in (sqlite, postgres):
                store.migrate()
                pairs.append((store, hats.create_hat(store, "eq.example", "o", "pw").hat.hat_id))
            yield pairs
        finally:
            postgres.close()
            sqlite.close()


_rounds = itertools.count()


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.lists(st.tuples(st.sampled_from(["a", "b"]), documents), min_size=4,
                    max_size=16), draw=st.data())
def test_both_backends_and_the_reference_agree(stores: list[tuple[Store, str]],
                                               data: list[tuple[str, Any]],
                                               draw: st.DataObject) -> None:
    query = draw.draw(page_queries([document for _, document in data]))
    prefix = f"r{next(_rounds)}"  # fresh endpoints for every example
    query = PageQuery(tuple(EndpointSelect(f"{prefix}/{s.endpoint}", s.filters, s.order_path)
                            for s in query.selects), query.ordered, query.descending,
                      query.skip, query.take)
    elements = []
    seen = set()
    for endpoint, document in data:
        record = records.new_record(f"{prefix}/{endpoint}", document)
        if (record.endpoint, record.hash) not in seen:  # duplicates are refused
            seen.add((record.endpoint, record.hash))
            elements.append(NewElement(record))
    answers = []
    for store, hat_id in stores:
        writes.insert(store, hat_id, elements, 1)
        answers.append([(r.select_index, r.record_id, decoded(r.data))
                        for r in store.records.page(hat_id, query)])
    expected = reference(query, [(e.record.endpoint, e.record.record_id,
                                  decoded(e.record.data)) for e in elements])
    assert answers[0] == expected
    assert answers[1] == expected


def decoded(text: str) -> Any:
    """Stored JSON with every number its exact value (PostgreSQL writes `1e400` out)."""
    def exact(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: exact(v) for k, v in value.items()}
        if isinstance(value, list):
            return [exact(v) for v in value]
        return jsonsem.exact(value) if is_number(value) else value
    return exact(parse_json(text))


# --- the semantics, read plainly ---------------------------------------------------------

_MISSING = object()


def at(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if isinstance(data, dict) and key in data:
            data = data[key]
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return _MISSING
    return data


def rank(value: Any) -> int:
    if value is None:
        return 1
    if isinstance(value, bool):
        return 4
    if isinstance(value, str):
        return 2
    if is_number(value):
        return 3
    return 5 if isinstance(value, list) else 6


def sort_value(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode()
    if rank(value) == 3:
        return jsonsem.exact(value)
    return value if rank(value) == 4 else 0


def compare_key(value: Any) -> tuple[int, Any]:
    return rank(value), sort_value(value)


def field(f: Filter, data: Any) -> Any:
    value = at(data, f.path)
    if value is _MISSING or f.transform in ("identity", "searchable"):
        return value
    moment = jsonsem.parse_iso(value) if f.transform == "datetimeExtract" else \
        jsonsem.from_unix(value)
    part = jsonsem.date_part(f.part or "", moment)
    return _MISSING if part is None else part


def text_in(f: Filter, data: Any) -> bool:
    """GET /data's filter: one key anywhere (a string, or a string element of an array, under
    it); a longer path exactly, every key an object key."""
    wanted = set(f.value)

    def holds(value: Any) -> bool:
        return isinstance(value, str) and value in wanted

    if len(f.path) > 1:
        for key in f.path:
            if not isinstance(data, dict) or key not in data:
                return False
            data = data[key]
        return holds(data)

    def walk(node: Any) -> bool:
        if isinstance(node, dict):
            under = node.get(f.path[0])
            if holds(under) or (isinstance(under, list) and any(map(holds, under))):
                return True
            return any(map(walk, node.values()))
        return isinstance(node, list) and any(map(walk, node))

    return walk(data)


def passes(f: Filter, data: Any) -> bool:
    if f.operator == "textIn":
        return text_in(f, data)
    value = field(f, data)
    if value is _MISSING:
        return False
    if f.operator == "contains":
        return jsonsem.contains(value, f.value)
    if f.operator == "in":
        return jsonsem.contains(f.value, value)
    if f.operator == "find":
        return jsonsem.matches(value, jsonsem.lexemes(f.search))
    return compare_key(f.lower) <= compare_key(value) <= compare_key(f.upper)


def reference(query: PageQuery, stored: list[tuple[str, str, Any]]) -> list[Any]:
    found = []
    for index, select in enumerate(query.selects):
        for seq, (endpoint, record_id, data) in enumerate(stored):
            if endpoint == select.endpoint and all(passes(f, data) for f in select.filters):
                found.append((index, seq, record_id, data))

    def key(item: tuple[int, int, str, Any]) -> Any:
        index, seq, _, data = item
        if not query.ordered:
            return (-seq if query.descending else seq, index)
        value = at(data, query.selects[index].order_path or ())
        if value is _MISSING:
            return (1, 0, 0, seq, index)
        r, v = rank(value), sort_value(value)
        if query.descending:
            return (0, -r, _Desc(v), seq, index)
        return (0, r, v, seq, index)

    found.sort(key=key)
    end = None if query.take is None else query.skip + query.take
    return [(i, rid, data) for i, _, rid, data in found[query.skip:end]]


class _Desc:
    """Reverses the order of a value inside a sort key."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Desc) -> bool:
        return bool(other.value < self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and bool(self.value == other.value)


def test_reference_sorts_like_the_docs_say(tmp_path: Path) -> None:
    stored = [("e", str(i), {"v": v}) for i, v in enumerate(["b", 2, None, "a", True, [1]])]
    stored.append(("e", "x", {}))
    query = PageQuery((EndpointSelect("e", (), ("v",)),), True, False, 0, None)
    assert [rid for _, rid, _ in reference(query, stored)] == ["2", "3", "0", "1", "4", "5",
                                                                "x"]


# --- odd cases, each run on both backends --------------------------------------------------

ARRAYS: list[Any] = [[3], [2, 3], [1, 2, 3], [10], [], ["a"], [[1]], [None], [True, 1]]


@pytest.mark.parametrize("descending", [False, True])
def test_arrays_tie_among_themselves(stores: list[tuple[Store, str]], descending: bool) -> None:
    """Arrays of every length and content keep insertion order, among mixed types."""
    prefix = f"arr{next(_rounds)}"
    datas = [{"s": v} for v in [*ARRAYS[:3], 2, "b", *ARRAYS[3:6], None, {"k": 1}, True,
                                *ARRAYS[6:]]] + [{"t": 1}]
    elements = [NewElement(records.new_record(f"{prefix}/e", d)) for d in datas]
    query = PageQuery((EndpointSelect(f"{prefix}/e", (), ("s",)),), True, descending, 0, None)
    expected = reference(query, [(e.record.endpoint, e.record.record_id,
                                  decoded(e.record.data)) for e in elements])
    arrays = [{"s": a} for a in ARRAYS]
    assert [data for _, _, data in expected if isinstance(data.get("s"), list)] == arrays
    for store, hat_id in stores:
        writes.insert(store, hat_id, elements, 1)
        found = [(r.select_index, r.record_id, decoded(r.data))
                 for r in store.records.page(hat_id, query)]
        assert found == expected, store.dialect

ODD_DATA = [{"s": ["x", 1, None]}, {"s": "x"}, {"s": 1.0}, {"s": {"k": [1, 2]}}, {"s": None},
            {"t": "missing s"}, {"s": [[1], {"k": 1}]}, {"s": "é"}, {"s": "Z"}, {"s": True},
            {"s": "2017-04-20T14:37:27+01:00"}, {"s": 1492699047}, {"s": "Cities of London"}]


@pytest.mark.parametrize("f", [
    Filter(("s",), "contains", value="x"),  # a string, or an array holding it
    Filter(("s",), "contains", value=1),  # 1 equals 1.0; an array holding 1
    Filter(("s",), "contains", value=None),  # null, or an array holding null
    Filter(("s",), "contains", value={"k": 1}),  # nested: [1, 2] does not contain 1 there
    Filter(("s",), "contains", value={"k": [1]}),
    Filter(("s",), "contains", value=[[1]]),  # array in array
    Filter(("s",), "contains", value=[]),
    Filter(("s",), "in", value=["x", 1, None]),
    Filter(("s",), "in", value=[["x", 1, None, 2]]),
    Filter(("s",), "in", value="x"),
    Filter(("s", "0"), "contains", value="x"),  # a digit key indexes the array
    Filter(("s",), "between", lower="a", upper="z"),  # byte order: "Z" < "a" < "é"
    Filter(("s",), "between", lower=None, upper=1),
    Filter(("s",), "between", lower=False, upper=True),
    Filter(("s",), "between", lower="a", upper=1),  # strings < numbers: both ranks
    Filter(("s",), "between", "datetimeExtract", "hour", lower=13, upper=13),  # UTC hour
    Filter(("s",), "in", "timestampExtract", "year", value=[2017]),
    Filter(("s",), "find", search="city london"),
    Filter(("s",), "find", search="the"),
    Filter(("s",), "textIn", value=("x",)),  # GET /data's filter: the key anywhere
    Filter(("s", "k"), "textIn", value=("x",)),
], ids=repr)
def test_odd_cases(stores: list[tuple[Store, str]], f: Filter) -> None:
    prefix = f"odd{next(_rounds)}"
    elements = [NewElement(records.new_record(f"{prefix}/e", d)) for d in ODD_DATA]
    query = PageQuery((EndpointSelect(f"{prefix}/e", (f,), ("s",)),), True, False, 0, None)
    expected = reference(query, [(e.record.endpoint, e.record.record_id,
                                  decoded(e.record.data)) for e in elements])
    for store, hat_id in stores:
        writes.insert(store, hat_id, elements, 1)
        found = [(r.select_index, r.record_id, decoded(r.data))
                 for r in store.records.page(hat_id, query)]
        assert found == expected, store.dialect
