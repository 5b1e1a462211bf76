"""The OpenAPI 3.1 document of the HAT API, built from `api_description` and served at
`/api/v2.6/openapi.json`.

A test checks that every route of `routes.py` is described and every description is
served; adding a route means adding its `Op` to `api_description.OPERATIONS`.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from openhat import __version__
from openhat.web.api_description import OPERATIONS, PATH_PARAMETERS, Op
from openhat.web.api_schemas import SCHEMAS, Schema, ref

PATH = "/api/v2.6/openapi.json"
TOKEN_HEADER = "X-Auth-Token"
ERROR_TITLES = {400: "Bad request (JSON validation errors in the framework shape)",
                401: "No valid token", 403: "The token's roles do not allow this",
                404: "Not found (also: unknown HAT, no such route)",
                409: "The first request with this Idempotency-Key is still running",
                413: "Body too large", 415: "Body is not JSON",
                416: "Range not satisfiable",
                422: "Idempotency-Key reused for a different request",
                410: "The event to resume after is no longer kept",
                429: "Too many login attempts (or event streams)",
                502: "The application's API (proxy) or the adjudicator (contracts) failed",
                504: "The application's API did not answer in time"}
DESCRIPTION = """\
openhat speaks the HAT API v2.6. Under `/api/v2` and `/api/v2.0` it serves what the original
serves there (docs/api.md): the data, query, feed, SHE function, profile and application
routes as here, and data debits in the legacy v2 model (listed here under
`/api/v2/data-debit`).
Authenticated calls send the token in the `X-Auth-Token` header (or query parameter) and get a
refreshed one back in the `X-Auth-Token` response header."""


def template_names(path: str) -> list[str]:
    return re.findall(r"{(\w+)}", path)


def _responses(op: Op) -> dict[str, Any]:
    success: dict[str, Any] = {"description": op.summary}
    if op.returns is not None:
        success["content"] = {op.media_type: {"schema": op.returns}}
    if op.auth:
        success["headers"] = {TOKEN_HEADER: {"description": "The caller's token, refreshed",
                                             "schema": {"type": "string"}}}
    out: dict[str, Any] = {str(status): success for status in (op.ok, *op.also_ok)}
    for status in op.error_statuses():
        out[str(status)] = {"description": ERROR_TITLES[status],
                            "content": {"application/json": {"schema": ref("Error")}}}
    return out


def _parameters(op: Op) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": PATH_PARAMETERS[name]}
        for name in template_names(op.path)]
    params += [{"name": p.name, "in": p.location, "required": p.required, "schema": p.schema,
                **({"description": p.description} if p.description else {})}
               for p in op.all_params]
    return params


def _operation(op: Op) -> dict[str, Any]:
    out: dict[str, Any] = {"summary": op.summary, "tags": [op.tag],
                           "operationId": op.operation_id(),
                           "responses": _responses(op)}
    if op.description:
        out["description"] = op.description
    params = _parameters(op)
    if params:
        out["parameters"] = params
    if op.body is not None:
        out["requestBody"] = {"required": True,
                              "content": {op.body_media_type: {"schema": op.body}}}
    out["security"] = [{"token": []}] if op.auth else []
    return out


@functools.cache
def document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    schemas: dict[str, Schema] = dict(SCHEMAS)
    return {
        "openapi": "3.1.0",
        "info": {"title": "openhat: HAT API v2.6", "version": __version__,
                 "description": DESCRIPTION},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"token": {"type": "apiKey", "in": "header",
                                          "name": TOKEN_HEADER}},
        },
    }


@functools.cache
def _document_bytes() -> bytes:
    return orjson.dumps(document())


async def openapi_json(request: Request) -> Response:
    """GET /api/v2.6/openapi.json (public: it describes the API, not any HAT)."""
    return Response(_document_bytes(), media_type="application/json")
