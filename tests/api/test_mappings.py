"""The mapping engine through combinators: the original's JsonDataTransformerSpec (7.4)."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.api.hat_fixtures import API, A, combinator, save

NEW_ARRAY = {"source": "object.objectFieldObjectArray[]",
             "mappings": {"mapTo": "subObjectName", "mapcopy": "subObjectName",
                          "anotherProperty": "subObjectName2"}}


def mapped(owner: TestClient, mapping: Any) -> Any:
    save(owner, [("test/x", A)])
    [record] = combinator(owner, [{"endpoint": "test/x", "mapping": mapping}])
    return record["data"]


def test_flat_remap_last_duplicate_key_wins(owner: TestClient) -> None:
    body = ('[{"endpoint": "test/x", "mapping": {"data.newField": "field",'
            ' "data.arrayField": "object.objectFieldArray",'
            ' "data.onemore": "object.objectFieldArray[1]", "data.newField": "anotherField"}}]')
    save(owner, [("test/x", A)])
    registered = owner.post(f"{API}/combinator/dup", content=body,
                            headers={"Content-Type": "application/json"})
    assert registered.status_code == 201
    [record] = owner.get(f"{API}/combinator/dup").json()
    assert record["data"] == {"data": {
        "newField": "anotherFieldValue", "onemore": "objectFieldArray2",
        "arrayField": ["objectFieldArray1", "objectFieldArray2", "objectFieldArray3"]}}


def test_array_remap(owner: TestClient) -> None:
    data = mapped(owner, {"newArray[]": NEW_ARRAY, "data.newField": "field",
                          "data.simpleArray": "object.objectFieldArray"})
    assert data["newArray"][0]["mapTo"] == "subObject1"
    assert data["newArray"][0]["mapcopy"] == "subObject1"
    assert data["newArray"][1]["anotherProperty"] == "subObject2-2"
    assert data["data"]["newField"] == "value"
    assert data["data"]["simpleArray"][2] == "objectFieldArray3"


def test_missing_fields_are_left_out(owner: TestClient) -> None:
    data = mapped(owner, {"data.newField": "field", "data.otherField": "missingField",
                          "data.onemore": "object.objectFieldArray[4]"})
    assert data == {"data": {"newField": "value"}}


def test_missing_arrays_are_left_out(owner: TestClient) -> None:
    data = mapped(owner, {"newArray[]": {**NEW_ARRAY, "source": "object.missingArray[]"},
                          "data.newField": "field"})
    assert data == {"data": {"newField": "value"}}


def test_single_object_mapping_and_deep_merge(owner: TestClient) -> None:
    data = mapped(owner, {"out.first": {"source": "object.objectFieldObjectArray[0]",
                                        "mappings": {"name": "subObjectName"}},
                          "out.date": "date", "out.first.again": "field"})
    assert data == {"out": {"first": {"name": "subObject1", "again": "value"},
                            "date": 1492699047}}


def test_ordering_by_a_mapped_field_with_an_index(owner: TestClient) -> None:
    save(owner, [("test/y", {"list": [{"v": 2}]}), ("test/y", {"list": [{"v": 1}]}),
                 ("test/y", {"list": []})])
    found = combinator(owner, [{"endpoint": "test/y", "mapping": {"v": "list[0].v"}}],
                       "?orderBy=v")
    assert [r["data"] for r in found] == [{"v": 1}, {"v": 2}, {}]
