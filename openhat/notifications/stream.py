"""Server-sent event streams of a HAT's changes (docs/events.md).

Each process has one `Hub`: it watches the change log of each store a stream reads (the
store's watcher: LISTEN/NOTIFY on PostgreSQL, polling on SQLite) and wakes the streams of
a HAT when its log grows, whichever process wrote. A stream reads the log after its cursor,
so it misses nothing and replays a resume; it never holds up a writer. Between the reads and
the socket sits a bounded buffer: a consumer that leaves it full for `stall_s` is dropped
with a final `overflow` event (it resumes with Last-Event-ID).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass

import orjson
from starlette.concurrency import run_in_threadpool

from openhat.errors import RateExceeded
from openhat.notifications.changes import Change, Reader, Selection, read_after
from openhat.storage.base import Store

Recheck = Callable[[], Awaitable[Reader | None]]  # the caller's Reader now, or None: refused


@dataclass(frozen=True)
class StreamLimits:
    heartbeat_s: float  # a comment this often, and the caller checked again
    buffer: int  # events waiting for a slow consumer
    stall_s: float  # how long the buffer may stay full before the consumer is dropped
    per_token: int  # open streams per token (in each process)


class Hub:
    """One process's streams: the store watchers, the waiting streams per HAT, the number
    of streams open per token."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stops: dict[int, Callable[[], None]] = {}
        self._waiting: dict[tuple[int, str], set[tuple[asyncio.AbstractEventLoop,
                                                       asyncio.Event]]] = {}
        self._open: dict[str, int] = {}

    def check(self, token_id: str, limit: int) -> None:
        """Raises RateExceeded (429) when the token holds `limit` streams already."""
        with self._lock:
            if self._open.get(token_id, 0) >= limit:
                raise RateExceeded(f"At most {limit} event streams per token")

    @contextlib.contextmanager
    def opened(self, token_id: str) -> Iterator[None]:
        """Count a stream of the token while it is open."""
        with self._lock:
            self._open[token_id] = self._open.get(token_id, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._open[token_id] -= 1
                if not self._open[token_id]:
                    del self._open[token_id]

    @contextlib.contextmanager
    def waiting(self, store: Store, hat_id: str) -> Iterator[asyncio.Event]:
        """An asyncio Event set whenever the HAT's change log grows, while the block runs."""
        woken = asyncio.Event()
        key = (id(store), hat_id)
        entry = (asyncio.get_running_loop(), woken)
        with self._lock:
            if id(store) not in self._stops:
                self._stops[id(store)] = store.watch(
                    lambda hat: self._changed(id(store), hat))
            self._waiting.setdefault(key, set()).add(entry)
        try:
            yield woken
        finally:
            with self._lock:
                self._waiting[key].discard(entry)

    def _changed(self, store_id: int, hat_id: str) -> None:
        with self._lock:
            waiting = list(self._waiting.get((store_id, hat_id), ()))
        for loop, woken in waiting:
            loop.call_soon_threadsafe(woken.set)

    def close(self) -> None:
        with self._lock:
            stops, self._stops = list(self._stops.values()), {}
        for stop in stops:
            stop()


def frame(change: Change) -> bytes:
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (
        change.event_id, change.kind.encode(), orjson.dumps(change.payload()))


def final(event: str, reason: str) -> bytes:
    """The last event of a stream (no id: a resume goes on from the last change seen)."""
    return b"event: %s\ndata: %s\n\n" % (event.encode(), orjson.dumps({"reason": reason}))


HEARTBEAT = b": heartbeat\n\n"


async def events(hub: Hub, store: Store, hat_id: str, found: Reader, wanted: Selection,
                 after: int, recheck: Recheck, limits: StreamLimits) -> AsyncIterator[bytes]:
    """The stream's bytes: a retry hint, then an event per change after `after` that the
    caller may read, heartbeats, and a final event when the caller may no longer read
    (`closed`) or does not keep up (`overflow`)."""
    buffer: asyncio.Queue[bytes | None] = asyncio.Queue(max(limits.buffer, 2))

    async def put(item: bytes) -> bool:
        try:
            await asyncio.wait_for(buffer.put(item), limits.stall_s)
            return True
        except TimeoutError:
            while not buffer.empty():
                buffer.get_nowait()
            buffer.put_nowait(final("overflow", "the consumer did not keep up"))
            buffer.put_nowait(None)
            return False

    async def produce() -> None:
        reader, cursor = found, after
        with hub.waiting(store, hat_id) as woken:
            while True:
                woken.clear()
                batch = await run_in_threadpool(read_after, store, hat_id, cursor, reader,
                                                wanted)
                for change in batch.changes:
                    if not await put(frame(change)):
                        return
                cursor = batch.cursor
                if batch.more:
                    continue
                if not batch.access_changed:
                    try:
                        await asyncio.wait_for(woken.wait(), limits.heartbeat_s)
                        continue
                    except TimeoutError:
                        if not await put(HEARTBEAT):
                            return
                checked = await recheck()
                if checked is None:
                    if await put(final("closed", "this token may no longer read")):
                        await buffer.put(None)
                    return
                reader = checked

    producer = asyncio.create_task(produce())
    try:
        yield b"retry: 2000\n\n"
        while True:
            item = await buffer.get()
            if item is None:
                break
            yield item
    finally:
        producer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await producer
