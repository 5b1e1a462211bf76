"""Combinator and bundle routes (spec 3.11, 3.12): owner, or an app granted `owner`."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from openhat.errors import HandlerNotFound
from openhat.identity import permissions
from openhat.queries import profile
from openhat.queries import stored as bundles
from openhat.queries.models import parse_bundle, parse_endpoint_queries
from openhat.queries.service import DEFAULT_TAKE
from openhat.web.context import Call, Handler
from openhat.web.endpoints.data import int_param
from openhat.web.responses import JsonResponse, message

COMBINATOR_NAME = re.compile(r"[0-9a-z\-/]+")
BUNDLE_ID = re.compile(r"[0-9a-zA-Z\-]+")


def combinator_body(value: Any) -> Any:
    """Checked before authentication, as the original's body parser does (spec 1.3)."""
    parse_endpoint_queries(value)
    return value


def bundle_body(value: Any) -> Any:
    parse_bundle(value)
    return value


def can_query(p: permissions.Principal, request: Request) -> bool:
    return permissions.owner_only(p)


def _name(request: Request, key: str, pattern: re.Pattern[str]) -> str:
    """The path parameter, or the router's 404 when it does not have the original's form."""
    value = str(request.path_params[key])
    if not pattern.fullmatch(value):
        raise HandlerNotFound(request.method, request.url.path)
    return value


def _registering(what: str, key: str, pattern: re.Pattern[str],
                 operation: Callable[..., None]) -> Handler:
    """POST of a combinator or bundle: the name from the path, one domain call, 201."""

    def handler(call: Call) -> Response:
        name = _name(call.request, key, pattern)
        operation(call.store, call.hat.hat_id, name, call.body)
        return message(f"{what} {name} registered", 201)

    handler.__name__ = operation.__name__
    return handler


register_combinator = _registering("Combinator", "name", COMBINATOR_NAME,
                                   bundles.register_combinator)
register_bundle = _registering("Bundle", "bundle_id", BUNDLE_ID, bundles.register_bundle)


def get_combinator_data(call: Call) -> Response:
    name = _name(call.request, "name", COMBINATOR_NAME)
    params = call.request.query_params
    found = bundles.combinator_data(call.store, call.hat.hat_id, name,
                                    params.get("orderBy") or None,
                                    params.get("ordering") == "descending",
                                    int_param(call.request, "skip", 0),
                                    int_param(call.request, "take", DEFAULT_TAKE))
    return JsonResponse(found)


def _bundle_read(operation: Callable[..., Any]) -> Handler:
    """GET of a stored bundle: its id from the path, one domain call, the JSON found."""

    def handler(call: Call) -> Response:
        bundle_id = _name(call.request, "bundle_id", BUNDLE_ID)
        return JsonResponse(operation(call.store, call.hat.hat_id, bundle_id))

    handler.__name__ = operation.__name__
    return handler


get_bundle_data = _bundle_read(bundles.bundle_data)
get_bundle_structure = _bundle_read(bundles.bundle_structure)


def public_profile(call: Call) -> Response:
    """GET /phata/profile: public, no token (what the owner shares on the profile)."""
    return JsonResponse(profile.profile(call.store, call.hat.hat_id))
