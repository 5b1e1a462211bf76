"""Starlette's router with an index: a request is matched only against the routes that can
match its path, in the table's order.

Starlette tries every route in turn, and with about 600 (every API route under three version
prefixes) a request to a data route tried around 50 patterns: a fifth of a small request's
time. A route whose path starts with three literal segments (`/api/v2.6/data/{namespace}`)
can only match paths that start with them, so it is filed under them; any other route is
tried for every path. The routes tried for a path are its bucket's and those, merged in the
table's order, so the route chosen (the first full match, else the first partial one for a
405) is the one Starlette would choose. A path no route matches goes to Starlette's own walk
(its trailing-slash redirects and 404).
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import Receive, Scope, Send

DEPTH = 3  # literal segments a route is filed under


def _key(path: str) -> tuple[str, ...]:
    return tuple(path.split("/")[1:DEPTH + 1])


def _literal_key(route: BaseRoute) -> tuple[str, ...] | None:
    """The segments a route is filed under, or None: tried for every path."""
    if not isinstance(route, Route):
        return None
    literal = route.path.split("{", 1)[0]
    if "{" not in route.path:
        return _key(literal)
    segments = literal.split("/")[1:-1]  # whole segments before the first parameter
    return tuple(segments[:DEPTH]) if len(segments) >= DEPTH else None


class IndexedRouter(Router):
    """A Router whose HTTP requests try only the routes filed under their path."""

    def __init__(self, routes: Sequence[BaseRoute], **kwargs: object) -> None:
        super().__init__(routes=list(routes), **kwargs)  # type: ignore[arg-type]
        keys = [_literal_key(route) for route in self.routes]
        general = [i for i, key in enumerate(keys) if key is None]
        filed: dict[tuple[str, ...], list[int]] = {}
        for i, key in enumerate(keys):
            if key is not None:
                filed.setdefault(key, []).append(i)
        self._general = [self.routes[i] for i in general]
        self._buckets = {key: [self.routes[i] for i in sorted(found + general)]
                         for key, found in filed.items()}

    def chosen(self, scope: Scope) -> tuple[BaseRoute, Scope] | None:
        """The route for an HTTP request and its child scope (the first full match, else
        the first partial one), or None."""
        candidates = self._buckets.get(_key(get_route_path(scope)), self._general)
        partial: tuple[BaseRoute, Scope] | None = None
        for route in candidates:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                return route, child_scope
            if match is Match.PARTIAL and partial is None:
                partial = route, child_scope
        return partial

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.chosen(scope) if scope["type"] == "http" else None
        if found is None:  # not HTTP, or no route: redirects, then the 404
            await super().app(scope, receive, send)
            return
        scope.setdefault("router", self)
        route, child_scope = found
        scope["route"] = route
        scope.update(child_scope)
        await route.handle(scope, receive, send)
