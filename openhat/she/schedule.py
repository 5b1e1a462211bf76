"""Running the due SHE functions every `--she-interval-seconds`, in a background thread of
each server process (a run claims its period inside its unit of work, so several processes
never run one function twice for the same period)."""

from __future__ import annotations

import logging
import threading

from openhat.she import service
from openhat.storage.base import Store

log = logging.getLogger("openhat.she")


class Schedule:
    def __init__(self, store: Store, interval_s: float) -> None:
        self.store = store
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="openhat-she", daemon=True)

    def start(self) -> None:
        if self.interval_s > 0:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                service.run_due(self.store)
            except Exception:  # the store closing, a database restart: try again later
                log.exception("SHE schedule run failed")
