"""openhat/mappings.py: compiling and applying mappings (spec 3.13)."""

from __future__ import annotations

from typing import Any

import pytest

from openhat.queries.mappings import MappingError, compile_mapping, parse_path

DATA: dict[str, Any] = {"a": {"b": [10, {"c": "deep"}]}, "list": [{"n": 1}, {"n": 2}, "odd"],
                        "nothing": None}


@pytest.mark.parametrize(("mapping", "expected"), [
    ({"x": "a.b[0]"}, {"x": 10}),
    ({"x.y": "a.b[1].c", "x.z": "nothing"}, {"x": {"y": "deep", "z": None}}),  # null is kept
    ({"x": "a.b[5]", "y": "missing.path"}, {}),  # missing sources are left out
    ({"x[]": {"source": "list[]", "mappings": {"v": "n"}}}, {"x": [{"v": 1}, {"v": 2}, {}]}),
    ({"x": {"source": "a.b[1]", "mappings": {"v": "c"}}}, {"x": {"v": "deep"}}),
    ({"x[]": {"source": "a", "mappings": {"v": "n"}}}, {}),  # not an array: left out
    ({"x": "a.b", "x.more": "nothing"}, {"x": {"more": None}}),  # later entries win
    ({"a b-c": "a.b[0]"}, {"a b-c": 10}),  # any key characters
    ({"x": "a.b[]"}, {"x": [10, {"c": "deep"}]}),  # `[]` on a plain path: the whole value
])
def test_apply(mapping: dict[str, Any], expected: Any) -> None:
    assert compile_mapping(mapping).apply(DATA) == expected


@pytest.mark.parametrize(("mapping", "problem"), [
    ({"x": True}, "invalid mapping for 'x'"),
    ({}, "at least one field"),
    ([], "JSON object"),
    ({"x": "a..b"}, "segment ''"),
    ({"x[0]": "a"}, "invalid destination"),
    ({"x[].y": "a"}, "invalid destination"),
    ({"x": {"source": "a"}}, "string source and a mappings object"),
    ({"x": {"source": "a", "mappings": {"y": 1}}}, "in the mappings of 'x'"),
])
def test_invalid_mappings(mapping: Any, problem: str) -> None:
    with pytest.raises(MappingError, match=problem.replace("[", r"\[")):
        compile_mapping(mapping)


def test_source_of_names_the_sort_path() -> None:
    mapping = compile_mapping({"data.newField": "education[0].type", "plain": "x"})
    assert mapping.source_of("data.newField") == ("education", "0", "type")
    assert mapping.source_of("plain") == ("x",)
    assert mapping.source_of("other") is None
    assert parse_path("a[2].b[]")[0].index == 2
