"""The data feed (`/she/feed`, spec 5.2): the owner's recent life, from the endpoints that
have a mapper (feed_mappers), newest first.

Each endpoint's records in the time window are selected in SQL (their date converted to
epoch seconds and compared there), newest first and at most FEED_LIMIT per endpoint, so a
large endpoint is never read whole.
"""

from __future__ import annotations

from typing import Any

import orjson

from openhat.clock import DAY_S, now_s
from openhat.feed.mappers import MAPPERS, Mapper
from openhat.storage import jsonsem
from openhat.storage.base import Store
from openhat.storage.query import EndpointSelect, Filter, PageQuery
from openhat.wire import Json, joda_datetime

FEED_LIMIT = 1000  # items per endpoint
DEFAULT_BEFORE = 180 * DAY_S  # the window's default: 180 days back ...
DEFAULT_AFTER = 30 * DAY_S  # ... to 30 days ahead


def window(since: int | None, until: int | None) -> tuple[int, int]:
    now = now_s()
    return (now - DEFAULT_BEFORE if since is None else since,
            now + DEFAULT_AFTER if until is None else until)


def feed(store: Store, hat_id: str, since: int | None, until: int | None,
         prefix: str | None = None) -> list[Json]:
    """Feed items from `since` to `until` (unix seconds, inclusive), newest first; with
    `prefix`, only from endpoints under it (`rumpel` or `rumpel/notable`)."""
    start, end = window(since, until)
    items: list[tuple[float, Json]] = []
    for mapper in MAPPERS:
        for endpoint in mapper.endpoints:
            if prefix is None or endpoint == prefix or endpoint.startswith(prefix + "/"):
                items += _items(store, hat_id, mapper, endpoint, start, end)
    items.sort(key=lambda pair: -pair[0])
    return [item for _, item in items]


def _items(store: Store, hat_id: str, mapper: Mapper, endpoint: str, start: int,
           end: int) -> list[tuple[float, Json]]:
    transform = "datetimeExtract" if mapper.date_kind == "iso" else "timestampExtract"
    in_window = Filter(mapper.date_path, "between", transform, "epoch",  # type: ignore[arg-type]
                       lower=start, upper=end)
    query = PageQuery((EndpointSelect(endpoint, (in_window,), mapper.date_path),),
                      ordered=True, descending=True, skip=0, take=FEED_LIMIT)
    out = []
    for record in store.records.page(hat_id, query):
        data = orjson.loads(record.data)
        moment = _date(data, mapper)
        built = mapper.build(data)
        if moment is None or built is None:
            continue
        item: Json = {"source": mapper.source,
                      "date": {"iso": joda_datetime(int(moment * 1000)), "unix": int(moment)},
                      **built}
        out.append((moment, item))
    return out


def _date(data: Any, mapper: Mapper) -> float | None:
    value: Any = data
    for key in mapper.date_path:
        value = value.get(key) if isinstance(value, dict) else None
    moment = jsonsem.parse_iso(value) if mapper.date_kind == "iso" else \
        jsonsem.from_unix(value)
    return None if moment is None else moment.timestamp()
