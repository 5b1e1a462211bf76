"""Housekeeping operations: the version, front-end action reports, the database update and
the original's legacy migration, the Apple app-site association."""

from __future__ import annotations

import logging
from typing import Any

import orjson

from openhat import __version__
from openhat.errors import BadRequest, NotFound
from openhat.storage.base import Store
from openhat.wire import Errors, error, is_object, raise_if

log = logging.getLogger("openhat.frontend")

HAT_VERSION = "v2.8.18"  # the original server release whose API openhat answers (spec 0)
HAT_API_VERSION = "v2.6"


def version() -> dict[str, str]:
    """The original's `{"Version": ...}` names the HAT release whose API is implemented;
    openhat's own version stands beside it."""
    return {"Version": HAT_VERSION, "api": HAT_API_VERSION, "openhat": __version__}


def parse_log_request(body: Any) -> dict[str, str | None]:
    """The original's LogRequest: `actionCode` (required), `message`, `logGroup`. Raises
    BadRequest with the original's JsError paths."""
    errors: Errors = {}
    fields: dict[str, str | None] = {}
    if is_object(body, "obj", errors):
        for name, required in (("actionCode", True), ("message", False), ("logGroup", False)):
            value = body.get(name)
            if isinstance(value, str) or (value is None and not required):
                fields[name] = value
            else:
                error(errors, f"obj.{name}", "error.path.missing" if value is None
                      else "error.expected.jsstring")
    raise_if(errors)
    return fields


def log_frontend_action(domain: str, request: dict[str, str | None],
                        claims: dict[str, Any]) -> str:
    """Log a front end's report of what its user did; the answer's message."""
    app = claims.get("application")
    log.info("frontend action %s on %s%s: %s [%s]", request["actionCode"], domain,
             f" via {app}@{claims.get('applicationVersion')}" if app else "",
             request.get("message") or "", request.get("logGroup") or "")
    return f"{request['actionCode']} logged"


def update(store: Store) -> list[str]:
    """Apply pending migrations to the database (the original's `/system/update`)."""
    return store.migrate()


LEGACY_PARAMETERS = ("fromSource", "fromTableName", "toNamespace", "toEndpoint")


def legacy_migration(params: dict[str, str]) -> str:
    """The original's `/migrate` copies its v1 tables (`data_table`, `data_value`) into
    rich-data endpoints. openhat has never had v1 tables, so there is never anything to copy:
    the answer is the original's for a HAT without v1 data. 400 for a missing parameter, as
    the original's router answers."""
    for name in LEGACY_PARAMETERS:
        if not params.get(name):
            raise BadRequest(f"Missing parameter: {name}")
    return "Migrated 0 records"


def apple_app_site_association(configured: str) -> bytes:
    """The configured association document (checked to be a JSON object); 404 when none is
    configured."""
    if not configured.strip():
        raise NotFound("No apple-app-site-association is configured")
    try:
        document = orjson.loads(configured)
    except orjson.JSONDecodeError:
        document = None
    if not isinstance(document, dict):
        raise NotFound("The configured apple-app-site-association is not a JSON object")
    return orjson.dumps(document)
