"""The ad-hoc GET filter (spec 3.2), applied before paging (decisions doc #9)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

API = "/api/v2.6"
RECORDS: list[dict[str, Any]] = [
    {"kind": "note", "meta": {"kind": "deep"}},  # 0
    {"kind": "photo", "tags": ["note", "holiday"]},  # 1: array element
    {"nested": {"list": [{"kind": "note"}]}},  # 2: inside an array of objects
    {"kind": 5},  # 3: not a string
    {"kind": ["x", 7, "y"]},  # 4: mixed array
    {"meta": {"kind": "note", "author": {"name": "ann"}}},  # 5
    {"kind": "note"},  # 6
]


@pytest.fixture
def stored(owner: TestClient) -> TestClient:
    response = owner.post(f"{API}/data/test/filter", json=RECORDS)
    assert response.status_code == 201
    return owner


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [RECORDS.index(r["data"]) for r in response.json()]


@pytest.mark.parametrize("params,expected", [
    ({"kind": "note"}, [0, 2, 5, 6]),  # the key at any depth, string values
    ({"tags": "holiday"}, [1]),  # a string element of an array under the key
    ({"kind": "y"}, [4]),  # non-string elements of the array are skipped, not an error
    ({"kind": "5"}, []),  # a number is not the string "5"
    ({"meta.kind": "note"}, [5]),  # a dotted key is an exact path
    ({"meta.author.name": "ann"}, [5]),
    ({"meta.kind": "nothing"}, []),
    ({"missing.path": "note"}, []),
])
def test_filter(stored: TestClient, params: dict[str, str], expected: list[int]) -> None:
    assert ids(stored.get(f"{API}/data/test/filter", params=params)) == expected


def test_repeated_values_are_alternatives(stored: TestClient) -> None:
    response = stored.get(f"{API}/data/test/filter",
                          params=[("kind", "photo"), ("kind", "deep")])
    assert ids(response) == [0, 1]


def test_only_the_first_filter_key_counts(stored: TestClient) -> None:
    response = stored.get(f"{API}/data/test/filter", params=[("tags", "holiday"),
                                                             ("kind", "note")])
    assert ids(response) == [1]


def test_filter_runs_before_paging(stored: TestClient) -> None:
    response = stored.get(f"{API}/data/test/filter", params={"kind": "note", "skip": 1,
                                                             "take": 2})
    assert ids(response) == [2, 5]  # full pages of matching records


def test_filter_with_ordering(stored: TestClient) -> None:
    response = stored.get(f"{API}/data/test/filter", params={"kind": "note",
                                                             "ordering": "descending"})
    assert ids(response) == [6, 5, 2, 0]


def test_special_characters_in_keys_and_values(owner: TestClient) -> None:
    data = [{"we'ird \"key\"": "va'lue%_"}, {"other": "va'lue%_"}]
    owner.post(f"{API}/data/test/special", json=data)
    response = owner.get(f"{API}/data/test/special", params={"we'ird \"key\"": "va'lue%_"})
    assert [r["data"] for r in response.json()] == [data[0]]
    assert owner.get(f"{API}/data/test/special", params={"other": "va%"}).json() == []
