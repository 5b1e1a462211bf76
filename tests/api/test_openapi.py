"""The published OpenAPI document: served, valid, and describing exactly the routes served."""

from __future__ import annotations

import re

import schemathesis
from starlette.routing import Route
from starlette.testclient import TestClient

from openhat.web.openapi import PATH, document
from openhat.web.routes import routes


def described() -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, operations in document()["paths"].items()
            for method in operations}


def served() -> set[tuple[str, str]]:
    """Every route but the /api/v2 and /api/v2.0 aliases of v2.6 routes (the legacy v2 data
    debit routes differ, so they are described)."""
    found = set()
    for route in routes():
        if not isinstance(route, Route):
            continue
        path = re.sub(r"{(\w+):\w+}", r"{\1}", route.path)
        if path.startswith("/api/v2.0/") or (path.startswith("/api/v2/")
                                             and not path.startswith("/api/v2/data-debit")):
            continue
        found |= {(method, path) for method in (route.methods or set()) - {"HEAD"}}
    return found


def test_every_route_is_described_and_every_description_served() -> None:
    assert served() - described() == set(), "routes missing from api_description.py"
    assert described() - served() == set(), "described routes that are not served"


def test_document_is_served_without_a_token(client: TestClient) -> None:
    response = client.get(PATH)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == document()


def test_document_is_valid_openapi() -> None:
    schema = schemathesis.openapi.from_dict(document())
    operations = list(schema.get_all_operations())
    assert len(operations) == len(described())
    for result in operations:
        result.ok()  # raises when an operation cannot be read


def test_operation_ids_are_unique() -> None:
    ids = [op["operationId"] for ops in document()["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
