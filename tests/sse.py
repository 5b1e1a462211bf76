"""A small server-sent events client for tests: reads a stream in a thread and hands out
its events (and comments) one by one."""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson


@dataclass
class SseEvent:
    event: str
    id: str | None
    data: Any  # decoded JSON (None without data)


END = SseEvent("(end of stream)", None, None)


class Stream:
    """GET `url` as a stream; `next()` gives its events in order (comments with event
    ':comment'), END once the server closed it. A raw socket, so that `close` really drops
    the connection at once (as a browser closing an EventSource does)."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(url)
        self._events: queue.Queue[SseEvent] = queue.Queue()
        self._sock = socket.create_connection((parts.hostname, parts.port), timeout=15)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        lines = [f"GET {target} HTTP/1.1", f"Host: {parts.netloc}", "Accept: text/event-stream",
                 *(f"{k}: {v}" for k, v in (headers or {}).items())]
        self._sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self._file = self._sock.makefile("rb")
        status_line = self._file.readline().decode()
        self.status = int(status_line.split()[1])
        response_headers: dict[str, str] = {}
        while (line := self._file.readline().decode().strip()):
            name, _, value = line.partition(":")
            response_headers[name.strip().lower()] = value.strip()
        self.headers = response_headers
        self.body = b""
        if self.status != 200:
            self.body = self._file.read(int(response_headers.get("content-length", "0")))
            self._events.put(END)
            return
        self._sock.settimeout(None)
        threading.Thread(target=self._read, daemon=True).start()

    def _chunks(self) -> Iterator[bytes]:
        while True:
            size = int(self._file.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                return
            yield self._file.read(size)
            self._file.readline()

    def _read(self) -> None:
        pending = b""
        fields: dict[str, str] = {}
        try:
            for chunk in self._chunks():
                pending += chunk
                while b"\n" in pending:
                    raw, _, pending = pending.partition(b"\n")
                    self._line(raw.decode(), fields)
        except (OSError, ValueError):
            pass
        finally:
            self._events.put(END)

    def _line(self, line: str, fields: dict[str, str]) -> None:
        if line.startswith(":"):
            self._events.put(SseEvent(":comment", None, line[1:].strip()))
        elif line == "":
            if "event" in fields or "data" in fields:
                data = fields.get("data")
                self._events.put(SseEvent(fields.get("event", "message"), fields.get("id"),
                                          None if data is None else orjson.loads(data)))
            fields.clear()
        else:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")

    def next(self, timeout: float = 10.0, comments: bool = False) -> SseEvent:
        """The next event (skipping comments unless asked for); raises queue.Empty."""
        while True:
            found = self._events.get(timeout=timeout)
            if comments or found.event != ":comment":
                return found

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
