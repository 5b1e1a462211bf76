"""The original HAT test suite's fixtures (spec 7.1), rebuilt from their description."""

from __future__ import annotations

from typing import Any

OBJECT: dict[str, Any] = {
    "objectField": "objectFieldValue",
    "objectFieldArray": ["objectFieldArray1", "objectFieldArray2", "objectFieldArray3"],
    "objectFieldObjectArray": [
        {"subObjectName": "subObject1", "subObjectName2": "subObject1-2"},
        {"subObjectName": "subObject2", "subObjectName2": "subObject2-2"},
    ],
}

# "simpleJson"
A: dict[str, Any] = {
    "field": "value",
    "date": 1492699047,
    "date_iso": "2017-04-20T14:37:27+00:00",
    "anotherField": "anotherFieldValue",
    "object": OBJECT,
}

# "simpleJson2"
B: dict[str, Any] = {
    "field": "value2",
    "date": 1492799048,  # the service spec's value (the controller spec has ...047)
    "date_iso": "2017-04-21T18:24:07+00:00",
    "anotherField": "anotherFieldDifferentValue",
    "object": OBJECT,
}

# "simpleJson2Updated"
B_UPDATED: dict[str, Any] = {
    "field": "value2",
    "date": 1492799048,
    "date_iso": "2017-04-21T18:24:07+00:00",
    "anotherField": "aaa",
    "differentField": "new",
}

# "complexJson" (Facebook-profile-like)
C: dict[str, Any] = {
    "birthday": "01/01/1970",
    "age_range": {"min": 18},
    "education": [
        {"school": {"id": "12345678910", "name": "school name"}, "type": "High School",
         "year": {"id": "12345678910", "name": "1972"}, "id": "12345678910"},
        {"concentration": [{"id": "12345678910", "name": "Computer science"}],
         "school": {"id": "12345678910", "name": "university name"}, "type": "Graduate School",
         "year": {"id": "12345678910", "name": "1973"}, "id": "12345678910"},
    ],
    "email": "email@example.com",
    "hometown": {"id": "12345678910", "name": "london, uk"},
    "locale": "en_GB",
    "id": "12345678910",
}

FRAG: dict[str, Any] = {
    "objectField": "objectFieldValue",
    "objectFieldObjectArray": OBJECT["objectFieldObjectArray"],
}

# "simpleTransformation" and "complexTransformation"
M1: dict[str, str] = {"data.newField": "anotherField", "data.arrayField": "object.objectFieldArray",
                      "data.onemore": "object.education[1]"}
M2: dict[str, str] = {"data.newField": "hometown.name", "data.arrayField": "education",
                      "data.onemore": "education[0].type"}

SAMPLE_DATA: list[dict[str, Any]] = [
    {"endpoint": "test/test", "data": A},
    {"endpoint": "test/test", "data": B},
    {"endpoint": "test/complex", "data": C},
]

LINKED_SAMPLE_DATA: list[dict[str, Any]] = [
    {"endpoint": "test/test", "data": A,
     "links": [{"endpoint": "test/testlinked", "data": B},
               {"endpoint": "test/complex", "data": C}]},
]
