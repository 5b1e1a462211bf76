"""WAL checkpoints for the SQLite backend, run beside the writers instead of inside them.

SQLite's automatic checkpoint runs inside the COMMIT that crosses the threshold, so every
few batches one writer copied megabytes back into the database file (and synced it) while
holding the write lock that every other writer queues on: a fifth of the ingest time. Here
the writer connections never checkpoint; a thread per store copies the WAL with PASSIVE
checkpoints, which run alongside writers. A PASSIVE checkpoint cannot restart the WAL
while writers keep appending, so once the WAL passes `RESTART_FRAMES` the thread takes the
write lock for a RESTART checkpoint, which then has only the last few frames left to copy.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

log = logging.getLogger(__name__)

RESTART_FRAMES = 16_384  # 64 MiB of 4 KiB pages
_PAUSE_S = 0.1  # between checkpoints: pages rewritten by several batches are copied once


class Checkpointer:
    """Copies the WAL into the database after writes: `written()` after each commit."""

    def __init__(self, path: str, exclusive: Callable[[], AbstractContextManager[object]]):
        self._path = path
        self._exclusive = exclusive
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints",
                                        daemon=True)
        self._thread.start()

    def written(self) -> None:
        self._wake.set()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        # timeout=0: when another process is checkpointing, skip this round, don't wait.
        conn = sqlite3.connect(self._path, isolation_level=None, timeout=0)
        try:
            while True:
                self._wake.wait()
                if self._stop.is_set():
                    return
                self._wake.clear()
                try:
                    self.checkpoint(conn)
                except sqlite3.Error:  # the database is locked or went away: next round
                    log.warning("WAL checkpoint failed", exc_info=True)
                self._stop.wait(_PAUSE_S)
        finally:
            conn.close()

    def checkpoint(self, conn: sqlite3.Connection) -> None:
        _busy, frames, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if frames >= RESTART_FRAMES:
            with self._exclusive():
                conn.execute("PRAGMA wal_checkpoint(RESTART)")
