"""Expression indexes for sorted endpoint queries, made when an endpoint grows large.

Sorting a page by a field of `data` otherwise means reading every record of the endpoint
that passes the filters and keeping the best `skip + take`: fine for thousands of records,
seconds for a million. With an index on the sort expressions the store walks the records in
order and stops after `skip + take` matches.

The rule: when a sorted query reads an endpoint of which this HAT holds at least
`threshold` records (default 10,000) and no index exists for that endpoint, path and
direction, the store creates one in the background (the query that triggered it runs without
it). The index is partial (`WHERE endpoint = '...'`), leads with `hat_id`, and ends with
`seq` (the tie-break), so it serves every HAT's queries on that endpoint and costs writes to
no other endpoint. Its name is derived from endpoint, path and direction, so it is found
again after a restart. docs/queries.md has the details and the measurements.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable

from openhat.storage.query import PageQuery, Path

log = logging.getLogger("openhat.storage")

DEFAULT_THRESHOLD = 10_000
RECHECK_SECONDS = 300.0  # how long "too small" or "failed" is believed


def index_name(endpoint: str, path: Path, descending: bool) -> str:
    digest = hashlib.sha256(repr((endpoint, path, descending)).encode()).hexdigest()[:20]
    return f"records_order_{digest}"


class OrderIndexes:
    """Decides which order indexes to make; the backend says how (`exists`, `large`,
    `create`)."""

    def __init__(self, exists: Callable[[str], bool], large: Callable[[str, str, int], bool],
                 create: Callable[[str, str, Path, bool], None],
                 threshold: int = DEFAULT_THRESHOLD, background: bool = True) -> None:
        self.exists = exists
        self.large = large  # (hat_id, endpoint, threshold) -> holds at least that many
        self.create = create  # (name, endpoint, path, descending)
        self.threshold = threshold
        self.background = background
        self._known: set[str] = set()
        self._busy: set[str] = set()
        self._not_before: dict[str, float] = {}
        self._lock = threading.Lock()

    def consider(self, hat_id: str, query: PageQuery) -> None:
        """Start making the indexes this query would use, where the endpoint is large."""
        if not query.ordered:
            return
        for select in query.selects:
            if select.order_path is not None:
                self._consider(hat_id, select.endpoint, select.order_path, query.descending)

    def _consider(self, hat_id: str, endpoint: str, path: Path, descending: bool) -> None:
        name = index_name(endpoint, path, descending)
        now = time.monotonic()
        with self._lock:
            if name in self._known or name in self._busy or \
                    self._not_before.get(name, 0.0) > now:
                return
            self._busy.add(name)
        try:
            if self.exists(name):
                self._done(name, made=True)
                return
            if not self.large(hat_id, endpoint, self.threshold):
                self._done(name, made=False)
                return
        except Exception:
            self._done(name, made=False)
            raise
        if self.background:
            threading.Thread(target=self._make, args=(name, endpoint, path, descending),
                             name=f"openhat-index-{name}", daemon=True).start()
        else:
            self._make(name, endpoint, path, descending)

    def _make(self, name: str, endpoint: str, path: Path, descending: bool) -> None:
        started = time.monotonic()
        try:
            self.create(name, endpoint, path, descending)
            if not self.exists(name):  # e.g. the name is taken by another kind of object
                raise RuntimeError("the database made no usable index")
        except Exception:
            log.exception("could not create index %s on %s %s", name, endpoint, path)
            self._done(name, made=False)
            return
        log.info("created index %s for %s ordered by %s in %.1f s", name, endpoint,
                 ".".join(path), time.monotonic() - started)
        self._done(name, made=True)

    def _done(self, name: str, made: bool) -> None:
        with self._lock:
            self._busy.discard(name)
            if made:
                self._known.add(name)
            else:
                self._not_before[name] = time.monotonic() + RECHECK_SECONDS
