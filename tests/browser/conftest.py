"""A real Chromium (Debian's /usr/bin/chromium, driven by Playwright) against a real
`openhat serve`, and a stand-in third-party application site on another loopback port.

scripts/test installs chromium when it is missing; without it these tests skip locally and
fail in a strict run (scripts/test, or CI set), by the same rule as every other real part
(tests/realparts.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from tests import realparts
from tests.servers import serving

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PASSWORD = "a-long-browser-test-password"


def require_chromium() -> None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing = "the playwright package"
    else:
        missing = "" if CHROMIUM.exists() else str(CHROMIUM)
    if missing:
        realparts.missing(f"{missing} is not installed (scripts/test installs it)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class AppSite:
    """An application's own web site: answers every GET with a small page and remembers the
    URLs it was sent to (path and query), so a test sees exactly what reached it."""

    def __init__(self) -> None:
        seen: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append(self.path)
                body = b"<!doctype html><title>app</title><p>the application</p>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.seen = seen
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()


@pytest.fixture(scope="module")
def app_site() -> Iterator[AppSite]:
    site = AppSite()
    yield site
    site.server.shutdown()


@pytest.fixture(scope="module")
def hat_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A HAT served by `openhat serve` on SQLite; yields its base URL."""
    folder = tmp_path_factory.mktemp("hat")
    with serving(folder, "--database", f"sqlite:///{folder}/hat.db",
                 env={"OPENHAT_OWNER_PASSWORD": PASSWORD}) as (base, _):
        yield base


def owner_token(base: str) -> str:
    response = httpx.get(f"{base}/users/access_token",
                         headers={"username": "owner", "password": PASSWORD})
    assert response.status_code == 200, response.text
    return str(response.json()["accessToken"])
