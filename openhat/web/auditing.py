"""What the access audit log calls each HAT route's request (docs/audit.md)."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.requests import Request

from openhat.audit.service import RequestAudit

# Routes whose action is not their method's (module.handler of web/endpoints).
ACTIONS = {
    "auth.access_token": "login", "applications.setup": "setup",
    "applications.disable": "disable", "debits.disable": "disable",
    "debits.legacy_disable": "disable", "debits.enable": "enable",
    "debits.legacy_enable": "enable", "applications.access_token": "token",
    "owner.change_password": "update",
}
# Routes that touch no HAT data: not audited.
UNAUDITED = {"auth.validate_token", "auth.public_key", "applications.hmi"}
_VERSION = re.compile(r"^/api/v2(\.[0-9]+)?/")
METHOD_ACTIONS = {"GET": "read", "POST": "create", "PUT": "update", "DELETE": "delete"}


def handler_name(handler: Callable[..., object]) -> str:
    return f"{handler.__module__.rpartition('.')[2]}.{handler.__name__}"


def request_audit(request: Request, name: str) -> RequestAudit | None:
    """The audit of a request to the route handled by `name`, or None when not audited."""
    if name in UNAUDITED:
        return None
    scope = request.scope  # read as it is: Request.url and .client build objects
    path = _VERSION.sub("", scope["path"])
    params = scope.get("path_params", {})
    endpoint = f"{params['namespace']}/{params['endpoint']}" \
        if "namespace" in params and "endpoint" in params else None
    method = scope["method"]
    action = ACTIONS.get(name) or METHOD_ACTIONS.get(method, method.lower())
    client = scope.get("client")
    return RequestAudit(action, path.strip("/"), endpoint, client[0] if client else None)
