"""The data feed (`/she/feed`, spec 5.2): the owner's recent life from the endpoints that
have a mapper, newest first, with the original's semantics.

- `/she/feed` is every data mapper and every insight mapper; `/she/feed/{prefix}` the data
  mappers whose key starts with `prefix` (`facebook`, `fitbit/sleep`, `notables/feed`),
  or, for a prefix starting with `she`, the insight mappers whose key does.
- Items without a location get one from the phone's locations (`rumpel/locations/ios`):
  between the two locations around the item's date, or the nearest one, when one of them is
  within 7 hours (the original's geotagging).

Each query's records in the time window are selected in SQL (their date converted to epoch
seconds and compared there), newest first and at most FEED_LIMIT per query, so a large
endpoint is never read whole.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from typing import Any

from openhat.clock import DAY_S, now_s
from openhat.feed import insights, living, social
from openhat.feed.mappers import Built, Mapper, Query, geo, moment_iso, moment_unix
from openhat.storage.base import Store, Tx
from openhat.storage.query import EndpointSelect, Filter, PageQuery
from openhat.wire import Json, joda_datetime, parse_json

FEED_LIMIT = 1000  # records per query
DEFAULT_BEFORE = 180 * DAY_S  # the window's default: 180 days back ...
DEFAULT_AFTER = 30 * DAY_S  # ... to 30 days ahead
GEOTAG_WITHIN_S = 7 * 3600
LOCATIONS = Query("rumpel/locations/ios", ("dateCreated",), "unix")

DATA_MAPPERS: tuple[Mapper, ...] = (*social.MAPPERS, *living.MAPPERS)
INSIGHT_MAPPERS: tuple[Mapper, ...] = insights.MAPPERS


def window(since: int | None, until: int | None) -> tuple[int, int]:
    now = now_s()
    return (now - DEFAULT_BEFORE if since is None else since,
            now + DEFAULT_AFTER if until is None else until)


def feed(store: Store, hat_id: str, since: int | None, until: int | None,
         prefix: str | None = None) -> list[Json]:
    """Feed items from `since` to `until` (unix seconds, inclusive), newest first."""
    start, end = window(since, until)
    if prefix is None:
        data, extra = DATA_MAPPERS, INSIGHT_MAPPERS
    elif prefix.startswith("she"):
        data, extra = (), tuple(m for m in INSIGHT_MAPPERS if m.key.startswith(prefix))
    else:
        data, extra = tuple(m for m in DATA_MAPPERS if m.key.startswith(prefix)), ()
    built = [b for m in data for b in _built(store, hat_id, m, start, end)]
    if built:
        built = _geotagged(built, _locations(store, hat_id, start, end))
    built += [b for m in extra for b in _built(store, hat_id, m, start, end)]
    built.sort(key=lambda b: -b.moment)
    return [{**b.item, "date": {"iso": joda_datetime(int(b.moment * 1000)),
                                "unix": int(b.moment)}} for b in built]


def records(store: Store | Tx, hat_id: str, query: Query, start: int, end: int,
            take: int | None = FEED_LIMIT) -> Iterator[tuple[float, Any]]:
    """(date, data) of the query's records dated from `start` to `end`, newest first (at
    most `take` of them; None: all)."""
    select = EndpointSelect(query.endpoint, _in_window(query, start, end), query.date_path)
    page = PageQuery((select,), ordered=True, descending=True, skip=0, take=take)
    for record in store.records.page(hat_id, page):
        data = parse_json(record.data)
        value: Any = data
        for key in query.date_path:
            value = value.get(key) if isinstance(value, dict) else None
        moment = moment_iso(value) if query.date_kind == "iso" else moment_unix(value)
        if moment is not None and start <= moment <= end:
            yield moment, data


def count(store: Store | Tx, hat_id: str, query: Query, start: int, end: int) -> int:
    """How many of the query's records are dated from `start` to `end`."""
    return sum(1 for _ in records(store, hat_id, query, start, end, take=None))


def _in_window(query: Query, start: int, end: int) -> tuple[Filter, ...]:
    """The SQL filter of the window; none for dates kept as text of digits (no transform
    reads them), which are checked on reading."""
    if query.date_kind == "unix-text":
        return ()
    transform = "datetimeExtract" if query.date_kind == "iso" else "timestampExtract"
    return (Filter(query.date_path, "between", transform, "epoch",  # type: ignore[arg-type]
                   lower=start, upper=end),)


def _built(store: Store, hat_id: str, mapper: Mapper, start: int, end: int) -> list[Built]:
    out = []
    for query in mapper.queries:
        found = [data for _, data in records(store, hat_id, query, start, end)]
        if mapper.dedupe is not None:
            found = _deduplicated(found, mapper.dedupe)
        out += [b for b in map(mapper.build, found) if b is not None]
    return out


def _deduplicated(found: list[Any], field: str) -> list[Any]:
    """Of consecutive records equal in `field`, the last (as the original's sliding
    window keeps them)."""
    def key(data: Any) -> Any:
        return data.get(field) if isinstance(data, dict) else None

    return [data for data, following in zip(found, [*found[1:], None][:len(found)], strict=True)
            if following is None or key(data) is None or key(data) != key(following)]


def _locations(store: Store, hat_id: str, start: int, end: int) -> list[tuple[float, Json]]:
    """The phone's locations around the window, oldest first."""
    found = []
    for moment, data in records(store, hat_id, LOCATIONS, start - GEOTAG_WITHIN_S,
                                end + GEOTAG_WITHIN_S):
        place = geo(data.get("longitude"), data.get("latitude"))
        if place is not None:
            found.append((moment, place))
    found.reverse()
    return found


def _geotagged(built: Sequence[Built], places: list[tuple[float, Json]]) -> list[Built]:
    if not places:
        return list(built)
    moments = [m for m, _ in places]
    out = []
    for b in built:
        if "location" in b.item:
            out.append(b)
            continue
        place = _place_at(b.moment, moments, places)
        out.append(b if place is None else Built(b.moment, {**b.item,
                                                            "location": {"geo": place}}))
    return out


def _place_at(moment: float, moments: list[float],
              places: list[tuple[float, Json]]) -> Json | None:
    i = bisect.bisect_left(moments, moment)
    before = places[i - 1] if i > 0 else None
    after = places[i] if i < len(places) else None
    near = [p for p in (before, after) if p is not None and abs(p[0] - moment) < GEOTAG_WITHIN_S]
    if not near:
        return None
    if before is None or after is None or after[0] == before[0]:
        return min(near, key=lambda p: abs(p[0] - moment))[1]
    ratio = (moment - before[0]) / (after[0] - before[0])
    return {key: before[1][key] * (1 - ratio) + after[1][key] * ratio
            for key in ("longitude", "latitude")}
