"""The built-in SHE functions: each one's FunctionConfiguration (the original's JSON
shape, status aside) and what it does when it runs.

The original runs its functions as AWS Lambdas; openhat runs them in-process. The first is
the original's activity counter, `data-feed-counter`: how many records of each feed source
were added in the period, written to `she/insights/activity-records`, which the feed's
`she/activity-records` mapper shows as "Your recent activity summary".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openhat.clock import DAY_S
from openhat.feed import service as feed
from openhat.storage.base import Store, Tx
from openhat.wire import Json, joda_datetime


@dataclass(frozen=True)
class Function:
    function_id: str
    configuration: Json  # the FunctionConfiguration without `status`
    period_s: int | None  # a periodic function's period; None: runs only when triggered
    output_endpoint: str  # where its records go (namespace/endpoint)
    run: Callable[[Store | Tx, str, int, int], Json]  # (store, hat, since s, now s) → data


# The feed sources the counter counts (the original's bundle of `data-feed-counter`).
COUNTED = ("facebook/feed", "twitter/tweets", "fitbit/sleep", "fitbit/activity",
           "fitbit/weight", "calendar/google/events", "notables/feed", "spotify/feed",
           "monzo/transactions", "instagram/feed", "uber/rides")


def _count(store: Store | Tx, hat_id: str, since: int, now: int) -> Json:
    mappers = {m.key: m for m in feed.DATA_MAPPERS}
    counters = {key: sum(feed.count(store, hat_id, query, since, now)
                         for query in mappers[key].queries[:1])
                for key in COUNTED}
    return {"timestamp": joda_datetime(now * 1000), "since": joda_datetime(since * 1000),
            "counters": counters}


def _bundle() -> Json:
    """The counter's data bundle, as the original names its properties and orders them."""
    mappers = {m.key: m for m in feed.DATA_MAPPERS}
    return {"name": "data-feed-counter", "bundle": {
        key: {"endpoints": [{"endpoint": mappers[key].queries[0].endpoint}],
              "orderBy": ".".join(mappers[key].queries[0].date_path),
              "ordering": "descending"} for key in COUNTED}}


def _drawable() -> Json:
    return {"normal": ""}


ACTIVITY_COUNTER = Function(
    "data-feed-counter",
    {
        "id": "data-feed-counter",
        "info": {
            "version": "1.0.0",
            "versionReleaseDate": "2018-05-01T12:00:00.000Z",
            "name": "Weekly Summary",
            "headline": "A summary of your week's digital activities",
            "description": {"text": "Counts what was added to your HAT each week, by source,"
                                    " and shows it in your feed."},
            "termsUrl": "https://hubofallthings.com",
            "supportContact": "",
            "graphics": {"banner": _drawable(), "logo": _drawable(), "screenshots": []},
            "dataPreviewEndpoint": "she/feed/she/activity-records",
        },
        "developer": {"id": "openhat", "name": "openhat", "url": "", "country": ""},
        "trigger": {"triggerType": "periodic", "period": "P7D"},
        "dataBundle": _bundle(),
    },
    7 * DAY_S,
    "she/insights/activity-records",
    _count,
)

FUNCTIONS: dict[str, Function] = {f.function_id: f for f in (ACTIVITY_COUNTER,)}


def configuration(function: Function, enabled: bool, last_ms: int | None,
                  started_ms: int | None) -> Json:
    """The FunctionConfiguration JSON; a built-in function is always available."""
    status: dict[str, Any] = {"available": True, "enabled": enabled}
    if last_ms is not None:
        status["lastExecution"] = joda_datetime(last_ms)
    if started_ms is not None:
        status["executionStarted"] = joda_datetime(started_ms)
    return {**function.configuration, "status": status}
