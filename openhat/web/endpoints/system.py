"""Health and version (spec 5.5)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from openhat import __version__
from openhat.web.responses import JsonResponse


async def healthz(request: Request) -> Response:
    """GET /healthz: 200 once the app is serving (its store is open and migrated)."""
    return JsonResponse({"Status": "OK"})


async def version(request: Request) -> Response:
    return JsonResponse({"Version": __version__})
