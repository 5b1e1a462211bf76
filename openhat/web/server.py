"""Running the app under uvicorn, with the limits uvicorn itself lacks.

uvicorn closes idle keep-alive connections, but a connection that never finishes its
request headers or body stays open for good: a few hundred such "slowloris" connections
hold every file descriptor. `ReadTimeoutProtocol` gives each request a deadline for its
headers and one for its body, and closes the connection when either passes.

Proxy headers (`X-Forwarded-For`, `X-Forwarded-Proto`) are honoured only from the addresses
named by `--forwarded-allow-ips` (default: none). uvicorn's own default trusts loopback,
which would let any local client choose the address the login limit is keyed on.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from openhat.config import SETTINGS, Settings
from openhat.system import metrics


class ReadTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline for reading each request.

    The deadlines are class attributes because uvicorn builds protocols from a class name
    (worker processes import it): `configure` sets them from the settings in each process.
    """

    header_timeout: float = 10.0  # seconds from a request's first byte to its last header
    body_timeout: float = 120.0  # seconds from the last header to the end of the body

    _read_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout)  # a client that connects and sends nothing

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._read_deadline is None:
            self._arm(self.header_timeout)

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()
        self._arm(self.body_timeout)

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._read_deadline = self.loop.call_later(seconds, self._read_timed_out)

    def _disarm(self) -> None:
        if self._read_deadline is not None:
            self._read_deadline.cancel()
            self._read_deadline = None

    def _read_timed_out(self) -> None:
        self._read_deadline = None
        if not self.transport.is_closing():
            self.logger.info("Closing a connection whose request did not arrive in time")
            self.transport.close()


def configure(settings: Settings) -> None:
    """Apply the read deadlines of `settings` in this process."""
    ReadTimeoutProtocol.header_timeout = float(settings.header_timeout)
    ReadTimeoutProtocol.body_timeout = float(settings.body_timeout)


# How long the supervisor waits for a worker's answer to its liveness ping before killing it
# (uvicorn's default, 5 s, kills workers that are merely busy starting on a loaded machine,
# and then again and again).
WORKER_HEALTHCHECK_S = 60


def run(settings: Settings) -> None:
    """Serve until stopped: in this process, or in `settings.workers` worker processes."""
    configure(settings)
    trusted = settings.forwarded_allow_ips.strip()
    options: dict[str, Any] = {
        "host": settings.host, "port": settings.port, "log_level": settings.log_level,
        "access_log": False, "http": ReadTimeoutProtocol,
        "proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or None,
    }
    if settings.workers <= 1:
        from openhat.web.app import create_app

        uvicorn.run(create_app(settings), **options)
        return
    # Each worker writes its metrics to files here; a scrape sums them (system/metrics.py).
    os.environ[metrics.MULTIPROC_ENV] = tempfile.mkdtemp(prefix="openhat-metrics-")
    for setting in SETTINGS:  # worker processes rebuild the settings from the environment
        os.environ[setting.env] = str(getattr(settings, setting.name))
    uvicorn.run("openhat.web.app:app_from_env", factory=True, workers=settings.workers,
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_S, **options)
