"""JSON responses serialised with orjson (stored record JSON passes through as Fragments;
exact numbers, Decimals, as written: wire.dumps)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from openhat.wire import dumps


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def message(text: str, status: int = 200) -> JsonResponse:
    """The original's SuccessResponse: `{"message": text}`."""
    return JsonResponse({"message": text}, status_code=status)
