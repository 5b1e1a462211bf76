"""One thread per process for the periodic work of the HAT server: writing the queued audit
entries, delivering webhooks, dropping what the retention settings no longer keep."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("openhat")

Job = tuple[float, Callable[[], object]]  # (every so many seconds, what to do)


class Background:
    def __init__(self, jobs: list[Job]) -> None:
        self._jobs = jobs
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="openhat-background",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop after the job running now (the caller then does any last work itself)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(30)

    def _run(self) -> None:
        due = [0.0] * len(self._jobs)
        while not self._stop.is_set():
            now = time.monotonic()
            for n, (every, job) in enumerate(self._jobs):
                if now >= due[n]:
                    due[n] = now + every
                    try:
                        job()
                    except Exception:
                        log.exception("background job %s failed", getattr(job, "__name__", job))
            self._stop.wait(max(0.05, min(due) - time.monotonic()))
