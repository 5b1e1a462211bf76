"""The original's test data (spec 7.1), shared by the ported RichData*/bundle/debit tests."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

OBJECT: dict[str, Any] = {
    "objectField": "objectFieldValue",
    "objectFieldArray": ["objectFieldArray1", "objectFieldArray2", "objectFieldArray3"],
    "objectFieldObjectArray": [
        {"subObjectName": "subObject1", "subObjectName2": "subObject1-2"},
        {"subObjectName": "subObject2", "subObjectName2": "subObject2-2"},
    ],
}
A: dict[str, Any] = {
    "field": "value", "date": 1492699047, "date_iso": "2017-04-20T14:37:27+00:00",
    "anotherField": "anotherFieldValue", "object": OBJECT,
}
B: dict[str, Any] = {
    "field": "value2", "date": 1492799048, "date_iso": "2017-04-21T18:24:07+00:00",
    "anotherField": "anotherFieldDifferentValue", "object": OBJECT,
}
B_UPDATED: dict[str, Any] = {
    "field": "value2", "date": 1492799048, "date_iso": "2017-04-21T18:24:07+00:00",
    "anotherField": "aaa", "differentField": "new",
}
C: dict[str, Any] = {
    "birthday": "01/01/1970", "age_range": {"min": 18},
    "education": [
        {"school": {"id": "12345678910", "name": "school name"}, "type": "High School",
         "year": {"id": "12345678910", "name": "1972"}, "id": "12345678910"},
        {"concentration": [{"id": "12345678910", "name": "Computer science"}],
         "school": {"id": "12345678910", "name": "university name"}, "type": "Graduate School",
         "year": {"id": "12345678910", "name": "1973"}, "id": "12345678910"},
    ],
    "email": "email@example.com", "hometown": {"id": "12345678910", "name": "london, uk"},
    "locale": "en_GB", "id": "12345678910",
}
FRAG: dict[str, Any] = {"objectField": "objectFieldValue",
                        "objectFieldObjectArray": OBJECT["objectFieldObjectArray"]}
M1 = {"data.newField": "anotherField", "data.arrayField": "object.objectFieldArray",
      "data.onemore": "object.education[1]"}
M2 = {"data.newField": "hometown.name", "data.arrayField": "education",
      "data.onemore": "education[0].type"}

API = "/api/v2.6"


def save(client: TestClient, items: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Store (endpoint, data) pairs with one batch; returns the stored records in order."""
    response = client.post(f"{API}/data-batch",
                           json=[{"endpoint": e, "data": d} for e, d in items])
    assert response.status_code == 201, response.text
    return list(response.json())


def save_sample(client: TestClient) -> list[dict[str, Any]]:
    """sampleData: A and B to test/test, C to test/complex."""
    return save(client, [("test/test", A), ("test/test", B), ("test/complex", C)])


def save_linked_sample(client: TestClient) -> dict[str, Any]:
    """linkedSampleData: A in test/test linked to B (test/testlinked) and C (test/complex)."""
    response = client.post(f"{API}/data-batch", json=[
        {"endpoint": "test/test", "data": A,
         "links": [{"endpoint": "test/testlinked", "data": B},
                   {"endpoint": "test/complex", "data": C}]}])
    assert response.status_code == 201, response.text
    return dict(response.json()[0])


def combinator(client: TestClient, queries: list[dict[str, Any]], params: str = "",
               name: str = "testc") -> Any:
    """Register `queries` as a combinator and read it; returns the records."""
    registered = client.post(f"{API}/combinator/{name}", json=queries)
    assert registered.status_code == 201, registered.text
    response = client.get(f"{API}/combinator/{name}{params}")
    assert response.status_code == 200, response.text
    return response.json()


def new_field(records: list[dict[str, Any]]) -> list[Any]:
    return [r["data"]["data"]["newField"] for r in records]
