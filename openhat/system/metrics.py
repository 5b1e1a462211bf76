"""Prometheus metrics (`GET /metrics`): requests by route template and status, latency,
records and bytes written, batch sizes, and the store's gauges (connection pool, SQLite WAL).

No label names a HAT, a user or a record: the route label is the route's template
(`/api/v2.6/data/{namespace}/{endpoint:path}`), never the path asked for.

With `--workers` > 1 every worker process writes its samples to files in the directory
`PROMETHEUS_MULTIPROC_DIR` names (set by web/server.py before the workers start), and the
worker that answers a scrape sums them all; the store's gauges are read by that worker at
scrape time (pool figures are that worker's own).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from openhat.storage.base import Store

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUESTS = Counter("openhat_http_requests", "HTTP requests answered",
                   ["method", "route", "status"])
LATENCY = Histogram("openhat_http_request_duration_seconds",
                    "Time from a request's arrival to its answer's start", ["method", "route"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                             2.5, 5.0, 10.0, 30.0))
RECORDS = Counter("openhat_records_written", "Records stored (links included)")
RECORD_BYTES = Counter("openhat_record_bytes_written",
                       "Bytes of record data stored (canonical JSON)")
BATCH_SIZE = Histogram("openhat_write_batch_records", "Records stored per write",
                       buckets=(1, 2, 5, 10, 50, 100, 500, 1000, 5000, 10000, 50000))


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


def observe_write(records: int, data_bytes: int) -> None:
    """One write of `records` records holding `data_bytes` bytes of data."""
    RECORDS.inc(records)
    RECORD_BYTES.inc(data_bytes)
    BATCH_SIZE.observe(records)


class _Gauges(Collector):
    def __init__(self, gauges: Mapping[str, tuple[str, float]]) -> None:
        self.gauges = gauges

    def collect(self) -> Iterable[GaugeMetricFamily]:
        for name, (help_text, value) in self.gauges.items():
            yield GaugeMetricFamily(f"openhat_{name}", help_text, value=value)


def render(gauges: Mapping[str, tuple[str, float]]) -> bytes:
    """The exposition text: this process's (or, in multi-process mode, every worker's)
    counters and histograms, then `gauges` (name → (help, value)) read just now."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        counters = generate_latest(registry)
    else:
        counters = generate_latest(REGISTRY)
    extra = CollectorRegistry()
    extra.register(_Gauges(gauges))
    return counters + generate_latest(extra)


def scrape(store: Store) -> bytes:
    """The exposition text with the store's gauges read now."""
    return render(store.gauges())
