"""Running `openhat serve` as a real process for tests that need one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, str]]:
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
        deadline = time.monotonic() + 30
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


