"""The owner's web app: `index.html` at `/` and its ES modules and styles under `/static/`.

Plain files shipped inside the package (no build step). Only `/` and `/static/...` belong to
the app; every other path, and in particular every unknown path under the API's prefixes,
keeps the API's JSON 404. The app's pages get a Content-Security-Policy that lets them load
their own scripts and styles and call the HAT's API, and nothing else: no inline script or
style, no other origin, no framing.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
ASSETS = "/static"



def app_csp(blob_origin: str | None = None) -> bytes:
    """The app's policy. Images and calls go to the HAT itself, and to `blob_origin`, the
    origin of the blob store's signed URLs when it is not the HAT (S3): the Files page shows
    previews from them and uploads to them."""
    sources = "'self'" if blob_origin is None else f"'self' {blob_origin}"
    return (f"default-src 'none'; script-src 'self'; style-src 'self'; img-src {sources}; "
            f"connect-src {sources}; form-action 'self'; base-uri 'none'; "
            f"frame-ancestors 'none'").encode()


def is_app_path(path: str) -> bool:
    """Whether `path` is one of the web app's own (its page or an asset)."""
    return path == "/" or path.startswith(ASSETS + "/")


async def index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")


def webapp_routes() -> list[BaseRoute]:
    """The web app's routes (outside the API's route table and its OpenAPI description)."""
    return [Route("/", index, methods=["GET"]),
            Mount(ASSETS, StaticFiles(directory=STATIC, follow_symlink=False))]
