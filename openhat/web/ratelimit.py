"""Login throttling: a token bucket per client IP (spec 6.2: 10 at once, one more every 2 s).

Buckets live in process memory: a restart forgets them and each worker process keeps its
own (docs/security.md says so). Idle full buckets are dropped so memory stays bounded.
"""

from __future__ import annotations

import threading
import time


class TokenBuckets:
    def __init__(self, capacity: int = 10, refill_seconds: float = 2.0,
                 max_keys: int = 100_000) -> None:
        self.capacity = capacity
        self.refill_seconds = refill_seconds
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, updated)
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> bool:
        """Spend one token of `key`'s bucket; False when it is empty."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, updated = self._buckets.get(key, (float(self.capacity), now))
            tokens = min(self.capacity, tokens + (now - updated) / self.refill_seconds)
            allowed = tokens >= 1
            self._buckets[key] = (tokens - 1 if allowed else tokens, now)
            if len(self._buckets) > self.max_keys:
                self._forget_full(now)
            return allowed

    def _forget_full(self, now: float) -> None:
        full_after = self.capacity * self.refill_seconds
        for key, (_, updated) in list(self._buckets.items()):
            if now - updated >= full_after:
                del self._buckets[key]
