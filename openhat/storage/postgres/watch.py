"""Watching the change log on PostgreSQL: LISTEN on one connection per store.

Every unit of work that writes to a HAT's change log also runs `pg_notify(CHANNEL, hat_id)`
(the Dialect's `notify`); PostgreSQL delivers it to every listening connection when the
transaction commits, and never when it rolls back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg

log = logging.getLogger("openhat.storage")

CHANNEL = "openhat_changes"
_WAIT_S = 1.0  # how often the listener looks up to see whether it should stop
_RETRY_S = 1.0


def watch(url: str, changed: Callable[[str], None]) -> Callable[[], None]:
    """Listen in a thread until the returned function is called; reconnects after an
    error."""
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    while not stop.is_set():
                        for note in conn.notifies(timeout=_WAIT_S):
                            changed(note.payload)
            except psycopg.Error:
                log.exception("listening for changes failed; listening again")
                stop.wait(_RETRY_S)

    thread = threading.Thread(target=run, name="openhat-changes-listen", daemon=True)
    thread.start()

    def stop_watching() -> None:
        stop.set()
        thread.join(_WAIT_S + 1)

    return stop_watching
