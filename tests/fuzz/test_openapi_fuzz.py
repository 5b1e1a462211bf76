"""Schemathesis against the published OpenAPI document: every operation, on both backends,
with generated valid and invalid requests, as the owner. No response may be a 5xx or break
what the document says (status, content type, headers, body schema).

CI runs a few generated examples per operation. A long run, outside CI:
`OPENHAT_FUZZ_EXAMPLES=500 .venv/bin/python -m pytest -n 2 tests/fuzz`; it also runs
schemathesis's coverage phase (boundary values and each way to break each parameter and body
field, a hundred or so requests per operation).
"""

from __future__ import annotations

import copy
import os
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from openhat.web.openapi import document
from tests.fuzz import counting

LONG_RUN = "OPENHAT_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("OPENHAT_FUZZ_EXAMPLES", "10"))
MODES = ["positive", "negative"]
PHASES = ([Phase.explicit] if LONG_RUN else []) + [Phase.reuse, Phase.generate, Phase.shrink]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]

REQUEST_SUFFIX = "_request"
SIZE_BOUND = 3


def bounded_requests(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with request schemas bounded in size, for generating requests.

    Unbounded nested arrays and maps (bundles of queries of filters, recursive links) make
    Hypothesis draw huge values, overrun and retry: 10 debit requests took 12 s to generate,
    0.4 s bounded. Requests get bounded copies of the components (`X_request`); responses
    are still checked against the published schemas."""
    doc = copy.deepcopy(doc)
    components = doc["components"]["schemas"]
    for name in list(components):
        components[name + REQUEST_SUFFIX] = _bounded(copy.deepcopy(components[name]))
    for operations in doc["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                _bounded(parameter["schema"])
            body = operation.get("requestBody")
            if body is not None:
                for content in body["content"].values():
                    _bounded(content["schema"])
    return doc


def _bounded(node: Any) -> Any:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str) and not node["$ref"].endswith(REQUEST_SUFFIX):
            node["$ref"] += REQUEST_SUFFIX
        if node.get("type") == "array":
            node.setdefault("maxItems", SIZE_BOUND)
        if isinstance(node.get("additionalProperties"), dict):
            node.setdefault("maxProperties", SIZE_BOUND)
        for value in node.values():
            _bounded(value)
    elif isinstance(node, list):
        for value in node:
            _bounded(value)
    return node


# An event stream never ends on its own: tests/api/test_events.py covers it over HTTP.
schema = schemathesis.openapi.from_dict(bounded_requests(document())).exclude(
    path="/api/v2.6/events")
schema.config.generation.update(modes=MODES, max_examples=EXAMPLES)


def send(client: TestClient, case: schemathesis.Case, token: str) -> Any:
    """Send the generated request through the app's own test client (the right Host)."""
    kwargs = case.as_transport_kwargs(base_url=str(client.base_url).rstrip("/"),
                                      headers={"X-Auth-Token": token})
    method, url = kwargs.pop("method"), kwargs.pop("url")
    if "data" in kwargs:
        kwargs["content"] = kwargs.pop("data")
    kwargs.pop("auth", None)
    if not kwargs.get("cookies"):
        kwargs.pop("cookies", None)
    counting.count()
    return client.request(method, url, **kwargs)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
          phases=PHASES)
def test_every_operation(case: schemathesis.Case, client: TestClient, owner_token: str) -> None:
    response = send(client, case, owner_token)
    case.validate_response(response, checks=CHECKS)
