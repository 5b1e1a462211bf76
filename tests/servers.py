"""Running `openhat serve` as a real process for tests that need one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx2 as httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(cwd: Path, *args: str, env: dict[str, str] | None = None,
            start_s: float = 30) -> Iterator[tuple[str, str]]:
    """Run `openhat serve` until healthy; yields (base URL, what it printed before serving)."""
    port = free_port()
    log = cwd / f"serve-{port}.log"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPENHAT_")}
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "openhat", "serve", "--port", str(port), *args],
            cwd=cwd, env={**clean, **(env or {})}, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_s
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError(log.read_text())
        yield base, log.read_text()
    finally:
        process.terminate()
        process.wait(10)




@dataclass
class Seen:
    """A request the local upstream received."""

    method: str
    path: str  # with the query string
    headers: dict[str, str]
    body: bytes


Answer = tuple[int, dict[str, str], bytes]  # status, headers, body


@contextmanager
def upstream(answer: Callable[[Seen], Answer]) -> Iterator[tuple[str, list[Seen]]]:
    """A real HTTP server on a loopback port, answering every request with `answer(seen)`;
    yields its base URL and the requests it saw, in order."""
    seen: list[Seen] = []

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            request = Seen(self.command, self.path, {k.lower(): v for k, v in
                                                     self.headers.items()},
                           self.rfile.read(length) if length else b"")
            seen.append(request)
            status, headers, body = answer(request)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _any

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
