"""The request metrics middleware: each answer counted by its route's template and status."""

from __future__ import annotations

import time
from collections.abc import Iterable

from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openhat.system import metrics

UNMATCHED = "unmatched"  # no route: the path itself is never a label (it may name anything)


class RequestMetrics:
    """Times every HTTP request and counts its answer. The route label is the template of
    the route the router chose (it leaves the endpoint in the scope), so no label ever
    holds an id, a name or a HAT's domain."""

    def __init__(self, app: ASGIApp, routes: Iterable[BaseRoute]) -> None:
        self.app = app
        self.routes: dict[int, list[Route]] = {}
        for r in routes:
            if isinstance(r, Route):
                self.routes.setdefault(id(r.endpoint), []).append(r)

    def template(self, scope: Scope) -> str:
        """The chosen route's template; an endpoint several routes share (`/healthz` and
        `/api/v2.6/healthz`) is told apart by the path."""
        found = self.routes.get(id(scope.get("endpoint")), [])
        if len(found) > 1:
            found = [r for r in found if r.path_regex.match(scope["path"])] or found
        return found[0].path if found else UNMATCHED

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observing_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observing_send)
        finally:
            metrics.observe_request(scope["method"], self.template(scope), status,
                                    time.perf_counter() - started)
