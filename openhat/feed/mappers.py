"""The data feed's mappers: how records of a plug's endpoint become feed items (spec 5.2).

Each mapper has the original's key (`facebook/feed`, `notables/feed`, `she/activity-records`:
what `/she/feed/{prefix}` matches), the queries it reads (an endpoint, where each record
keeps its date and in which form), and a `build` that turns a record's data into an item
(or None: the record is left out, as the original drops what it cannot read). The helpers
below build the original's DataFeedItem JSON: `{"source", "date", "types", "title"?,
"content"?, "location"?}`.

Adding a mapper: write `build(data) -> Built | None` in the module of its kind (social.py,
living.py, insights.py) and add a `Mapper` to that module's MAPPERS. docs/feed.md walks
through an example.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from openhat.storage import jsonsem
from openhat.wire import Json, is_number, whole_number

DateKind = Literal["iso", "unix", "unix-text"]  # ISO-8601 text, unix seconds, as text


@dataclass(frozen=True)
class Query:
    endpoint: str
    date_path: tuple[str, ...]  # the record's date: the time window and the order
    date_kind: DateKind = "iso"


@dataclass(frozen=True)
class Built:
    """An item without its date, and the moment (unix seconds) it is dated at."""

    moment: float
    item: Json


@dataclass(frozen=True)
class Mapper:
    key: str
    queries: tuple[Query, ...]
    build: Callable[[Any], Built | None]
    dedupe: str | None = None  # a field: a record equal in it to the one before is skipped


def get(data: Any, *path: str | int) -> Any:
    for key in path:
        if isinstance(key, int):
            data = data[key] if isinstance(data, list) and -len(data) <= key < len(data) \
                else None
        elif isinstance(data, dict):
            data = data.get(key)
        else:
            return None
    return data


def text(data: Any, *path: str | int) -> str | None:
    value = get(data, *path)
    return value if isinstance(value, str) else None


def number(data: Any, *path: str | int) -> float | Decimal | None:
    """The number at `path` as read (a long decimal stays a Decimal), or None."""
    value = get(data, *path)
    return value if is_number(value) else None


def integer(data: Any, *path: str | int) -> int | None:
    value = number(data, *path)
    return int(value) if value is not None and float(value).is_integer() else None


def moment_iso(value: Any) -> float | None:
    found = jsonsem.parse_iso(value)
    return None if found is None else found.timestamp()


def moment_unix(value: Any) -> float | None:
    if isinstance(value, str):  # a string of whole seconds counts as the number
        value = whole_number(value.strip(), -(2**63), 2**63 - 1)
    found = jsonsem.from_unix(value)
    return None if found is None else found.timestamp()


def geo(longitude: Any, latitude: Any) -> Json | None:
    if not (is_number(longitude) and is_number(latitude)):  # kept as written, however long
        return None
    return {"longitude": longitude, "latitude": latitude}


def address(country: Any = None, city: Any = None, name: Any = None, street: Any = None,
            zip_code: Any = None) -> Json | None:
    """The original's LocationAddress; None when it holds nothing."""
    fields = {"country": country, "city": city, "name": name, "street": street,
              "zip": zip_code}
    found = {k: v for k, v in fields.items() if isinstance(v, str)}
    return found or None


def location(geo_value: Json | None = None, address_value: Json | None = None,
             tags: list[str] | None = None) -> Json | None:
    out = {k: v for k, v in (("geo", geo_value), ("address", address_value), ("tags", tags))
           if v}
    return out or None


def title(text_value: str, subtitle: str | None = None, action: str | None = None) -> Json:
    out: Json = {"text": text_value}
    if subtitle is not None:
        out["subtitle"] = subtitle
    if action is not None:
        out["action"] = action
    return out


def content(text_value: str | None = None, media: list[Json] | None = None,
            nested: dict[str, list[Json]] | None = None) -> Json | None:
    out: Json = {}
    if text_value is not None:
        out["text"] = text_value
    if media is not None:
        out["media"] = media
    if nested is not None:
        out["nestedStructure"] = nested
    return out or None


def media(thumbnail: str | None, url: str | None) -> Json:
    return {k: v for k, v in (("thumbnail", thumbnail), ("url", url)) if v is not None}


def item(source: str, moment: float | None, types: list[str], title_value: Json | None,
         content_value: Json | None = None, location_value: Json | None = None) -> Built | None:
    """A feed item dated at `moment` (None: the record has no readable date, so no item)."""
    if moment is None:
        return None
    out: Json = {"source": source, "types": types}
    for key, value in (("title", title_value), ("content", content_value),
                       ("location", location_value)):
        if value is not None:
            out[key] = value
    return Built(moment, out)


def interval(start: datetime, end: datetime | None) -> str:
    """The original's eventTimeIntervalString: `12 December 18:30 - 22:30 America/New_York`
    (a day's events without times: `12 December`)."""
    midnight = start.hour == start.minute == start.second == 0
    first = start.strftime("%d %B") if midnight else start.strftime("%d %B %H:%M")
    if end is None:
        return first
    end = end.astimezone(start.tzinfo)
    next_day = start.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    zone = getattr(start.tzinfo, "key", None) or "UTC"  # Joda's `ZZZ`: the zone's id
    if end > next_day:
        rest = ("- " + (end - timedelta(minutes=1)).strftime("%d %B") if end.hour == 0
                else end.strftime(f"- %d %B %H:%M {zone}"))
    elif end.hour == 0:
        rest = ""
    else:
        rest = end.strftime(f"- %H:%M {zone}")
    return f"{first} {rest}"
