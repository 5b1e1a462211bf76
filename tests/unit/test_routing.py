"""The indexed router (web/routing.py) chooses, for any request, the route Starlette's own
walk through the whole table chooses."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Scope

from openhat.web import webapp
from openhat.web.routes import routes
from openhat.web.routing import IndexedRouter

TABLE = [*routes(), *webapp.webapp_routes()]
ROUTER = IndexedRouter(TABLE)
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


def starlettes_choice(scope: Scope) -> BaseRoute | None:
    """What starlette.routing.Router.app picks: the first full match, else the first
    partial one."""
    partial = None
    for route in TABLE:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route
        if match is Match.PARTIAL and partial is None:
            partial = route
    return partial


def _scope(method: str, path: str) -> Scope:
    return {"type": "http", "method": method, "path": path, "root_path": "",
            "query_string": b"", "headers": []}


def _examples() -> list[str]:
    """Every route's path with its parameters filled in, plus near misses."""
    paths = []
    for route in TABLE:
        if isinstance(route, Route):
            filled = re.sub(r"\{[^}]+\}", "x1", route.path)
            paths += [filled, filled + "/", filled + "/more", filled.rstrip("x1")]
    return paths


SEGMENTS = sorted({part for path in _examples() for part in path.split("/")})


def test_every_route_and_near_miss_gets_starlettes_route() -> None:
    for path in _examples():
        for method in METHODS:
            scope = _scope(method, path)
            found = ROUTER.chosen(scope)
            assert (found[0] if found else None) is starlettes_choice(scope), (method, path)


@given(st.lists(st.sampled_from(SEGMENTS) | st.text(max_size=4), min_size=0, max_size=6),
       st.sampled_from(METHODS))
def test_any_path_gets_starlettes_route(parts: list[str], method: str) -> None:
    scope = _scope(method, "/" + "/".join(parts))
    found = ROUTER.chosen(scope)
    assert (found[0] if found else None) is starlettes_choice(scope)
