"""Watching the change log on SQLite: every process polls the HATs' counters.

SQLite has no way to wake another process, so a watcher thread reads `change_counters` (a
row per HAT, read from the WAL without blocking any writer) every `POLL_S` and reports each
HAT whose newest id grew. Measured in bench/events.py: a write is seen by a stream in
another worker within about one polling period.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from openhat.storage.sql.changes import Changes

log = logging.getLogger("openhat.storage")

POLL_S = 0.1


def watch(changes: Changes, changed: Callable[[str], None]) -> Callable[[], None]:
    """Poll `changes` in a thread until the returned function is called."""
    stop = threading.Event()

    def run() -> None:
        seen = changes.counters()
        while not stop.wait(POLL_S):
            try:
                now = changes.counters()
            except Exception:  # the database closing under us, or a transient error
                log.exception("polling the change log failed")
                continue
            for hat_id, last_id in now.items():
                if seen.get(hat_id, 0) < last_id:
                    changed(hat_id)
            seen = now

    thread = threading.Thread(target=run, name="openhat-changes-poll", daemon=True)
    thread.start()

    def stop_watching() -> None:
        stop.set()
        thread.join(2)

    return stop_watching
