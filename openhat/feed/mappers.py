"""The data feed's mappers: how records of a known endpoint become feed items (spec 5.2).

A mapper names the endpoints it reads, where each record keeps its date (an ISO-8601 string
or unix seconds), and how a record's data becomes an item's title, content and location.

Adding a mapper: write a `build` function taking the record's data and returning the item's
fields other than `source` and `date` (return None to leave a record out of the feed), then
add a `Mapper` to MAPPERS. The date path and kind let the store select the feed's time
window in SQL (`datetimeExtract`/`timestampExtract` to epoch); a record without a readable
date there is not in the feed. docs/feed.md walks through an example.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from openhat.wire import Json


@dataclass(frozen=True)
class Mapper:
    source: str  # the item's "source"
    endpoints: tuple[str, ...]
    date_path: tuple[str, ...]  # where the record's date is
    date_kind: Literal["iso", "unix"]
    build: Callable[[Any], Json | None]


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _geo(latitude: Any, longitude: Any) -> Json | None:
    numbers = (int, float)
    if isinstance(latitude, numbers) and isinstance(longitude, numbers) and \
            not isinstance(latitude, bool) and not isinstance(longitude, bool):
        return {"geo": {"longitude": longitude, "latitude": latitude}}
    try:
        return {"geo": {"longitude": float(longitude), "latitude": float(latitude)}}
    except (TypeError, ValueError):
        return None


# --- notes (rumpel/notable: the notables app's notes) -------------------------------------

def _note(data: Any) -> Json | None:
    note = _get(data, "data", "notablesv1")
    if not isinstance(note, dict):
        note = data if isinstance(data, dict) else {}
    message = note.get("message")
    if not isinstance(message, str):
        return None
    kind = note.get("kind") if isinstance(note.get("kind"), str) else "note"
    shared = note.get("shared") in (True, "true")
    shared_on = note.get("shared_on")
    item: Json = {"types": [kind, "note"] if kind != "note" else ["note"],
                  "title": {"text": "You shared" if shared else "You wrote",
                            "action": "shared" if shared else "private"},
                  "content": {"text": message}}
    if shared and isinstance(shared_on, str) and shared_on:
        item["title"]["subtitle"] = f"on {shared_on.replace(',', ', ')}"
    photo = _get(note, "photov1", "link")
    if isinstance(photo, str) and photo:
        item["content"]["media"] = [{"url": photo}]
    location = note.get("locationv1")
    if isinstance(location, dict):
        geo = _geo(location.get("latitude"), location.get("longitude"))
        if geo:
            item["location"] = geo
    return item


# --- locations ----------------------------------------------------------------------------

def _location(data: Any) -> Json | None:
    geo = _geo(_get(data, "latitude"), _get(data, "longitude"))
    if geo is None:
        return None
    return {"types": ["location"], "title": {"text": "You were here", "action": "location"},
            "location": geo}


# --- calendar events (Google Calendar's event resource) ------------------------------------

def _event(data: Any) -> Json | None:
    summary = _get(data, "summary")
    if not isinstance(summary, str):
        return None
    item: Json = {"types": ["event"], "title": {"text": summary, "action": "event"}}
    description = _get(data, "description")
    if isinstance(description, str) and description:
        item["content"] = {"text": description}
    place = _get(data, "location")
    if isinstance(place, str) and place:
        item["location"] = {"tags": [place]}
    return item


MAPPERS: tuple[Mapper, ...] = (
    Mapper("notables", ("rumpel/notable",), ("data", "notablesv1", "updated_time"), "iso",
           _note),
    Mapper("notables", ("rumpel/notablesv1",), ("updated_time",), "iso", _note),
    Mapper("location", ("rumpel/locations", "rumpel/locations/ios"), ("dateCreated",), "unix",
           _location),
    Mapper("google", ("calendar/google/events",), ("start", "dateTime"), "iso", _event),
)
