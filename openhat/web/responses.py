"""JSON responses serialised with orjson (stored record JSON passes through as Fragments)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def message(text: str, status: int = 200) -> JsonResponse:
    """The original's SuccessResponse: `{"message": text}`."""
    return JsonResponse({"message": text}, status_code=status)
