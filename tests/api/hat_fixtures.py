"""Helpers over the original's test data (spec 7.1, in tests/hat_fixtures.py) for the ported
RichData*/bundle/debit tests: saving the samples and reading combinators."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.hat_fixtures import B_UPDATED, FRAG, M1, M2, OBJECT, A, B, C

__all__ = [
    "B_UPDATED",
    "FRAG",
    "M1",
    "M2",
    "OBJECT",
    "A",
    "B",
    "C",
    "combinator",
    "new_field",
    "save",
    "save_linked_sample",
    "save_sample",
]

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
