"""Feed mappers of everyday life: fitness (Fitbit), music (Spotify), money (Monzo), travel
(Uber) and the calendar (Google Calendar), as the original's FitbitMappers, SpotifyFeedMapper,
MonzoTransactionMapper, UberRidesMapper and GoogleCalendarMapper build them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from openhat.feed.mappers import (
    Built,
    Mapper,
    Query,
    address,
    content,
    geo,
    get,
    integer,
    interval,
    item,
    location,
    media,
    moment_iso,
    moment_unix,
    number,
    text,
    title,
)
from openhat.storage import jsonsem

FITNESS = "fitbit"


def _lines(*parts: str | None, sep: str = "\n") -> str:
    return sep.join(p for p in parts if p is not None)


def _num(value: float | Decimal | None) -> str | None:
    return None if value is None else f"{float(value)}"


def fitbit_sleep(data: Any) -> Built | None:
    in_bed = integer(data, "timeInBed")
    asleep = integer(data, "minutesAsleep")
    awake = integer(data, "minutesAwake")
    efficiency = integer(data, "efficiency")
    summary = _lines(
        None if in_bed is None else
        f"You spent {in_bed // 60} hours and {in_bed % 60} minutes in bed.",
        None if asleep is None else
        f"You slept for {asleep // 60} hours and {asleep % 60} minutes"
        + ("" if awake is None else f" and were awake for {awake} minutes") + ".",
        None if efficiency is None else
        f"Your sleep efficiency score tonight was {efficiency}.", sep=" ")
    return item(FITNESS, moment_iso(get(data, "endTime")), ["fitness", "sleep"],
                title("You woke up!", action="sleep"), content(summary))


def fitbit_weight(data: Any) -> Built | None:
    day, time = text(data, "date"), text(data, "time")
    summary = _lines(*(None if number(data, k) is None else f"- {label}: {_num(number(data, k))}"
                       for k, label in (("weight", "Weight"), ("fat", "Body Fat"),
                                        ("bmi", "BMI"))))
    return item(FITNESS, moment_iso(f"{day}T{time}" if day and time else None),
                ["fitness", "weight"],
                title("You added a new weight measurement", action="weight"), content(summary))


def fitbit_activity(data: Any) -> Built | None:
    duration = integer(data, "duration")
    heart = integer(data, "averageHeartRate")
    calories = integer(data, "calories")
    name = text(data, "activityName")
    summary = _lines(
        None if name is None else f"- Activity: {name}",
        None if duration is None else f"- Duration: {duration // 1000 // 60} minutes",
        None if heart is None else f"- Average heart rate: {heart}",
        None if calories is None else f"- Calories burned: {calories}")
    return item(FITNESS, moment_iso(get(data, "originalStartTime")), ["fitness", "activity"],
                title("You logged Fitbit activity", action="fitness"), content(summary))


def fitbit_day_summary(data: Any) -> Built | None:
    steps = integer(data, "steps")
    moment = moment_iso(get(data, "dateCreated"))
    if not steps or steps <= 0 or moment is None:
        return None
    if moment % 86400 == 0:  # a day's summary, dated at its last second (as the original)
        moment += 86399
    return item(FITNESS, moment, ["fitness", "activity"],
                title(f"You walked {steps} steps", action="fitness"))


def spotify_play(data: Any) -> Built | None:
    duration = integer(data, "track", "duration_ms")
    name = text(data, "track", "name")
    album = text(data, "track", "album", "name")
    artists = get(data, "track", "artists")
    if duration is None or name is None or album is None or not isinstance(artists, list):
        return None
    seconds = duration // 1000
    cover = text(data, "track", "album", "images", 0, "url")
    names = ", ".join(a["name"] for a in artists if isinstance(get(a, "name"), str))
    return item("spotify", moment_iso(get(data, "played_at")), [],
                title("You listened", action=f"{seconds // 60:02d}:{seconds % 60:02d}"),
                content(f"{name},\n{names},\n{album}", [media(cover, cover)]))


CURRENCIES = {"EUR": "\u20ac", "GBP": "\u00a3", "USD": "$", "JPY": "\u00a5", "THB": "\u0e3f"}


def monzo_transaction(data: Any) -> Built | None:
    amount_minor = integer(data, "local_amount")
    code = text(data, "local_currency")
    category = text(data, "category")
    if amount_minor is None or code is None or category is None:
        return None
    amount = amount_minor / 100.0
    currency = CURRENCIES.get(code, code)
    p2p = text(data, "metadata", "p2p_transfer_id")
    if get(data, "is_load") is True and not p2p:
        heading = title("You topped up", f"{currency}{amount}", "money")
    elif p2p:
        heading = (title("You paid a friend", f"{currency}{-amount}", "money")
                   if get(data, "originator") is True else
                   title("You received money from a friend", f"{currency}{amount}", "money"))
    elif text(data, "metadata", "is_reversal") == "true":
        heading = title("Your payment was refunded", f"{currency}{amount}", "money")
    elif amount > 0:
        heading = title("You received", f"{currency}{amount}", "money")
    else:
        heading = title("You spent", f"{currency}{-amount}", "money")
    where = get(data, "merchant", "address")
    summary = "\n\n".join([
        text(data, "counterparty", "name") or text(data, "merchant", "name") or "",
        text(data, "notes") or "", text(data, "description") or "",
        text(where, "short_formatted") or ""]).replace("\n\n\n", "").strip()
    return item("monzo", moment_iso(get(data, "created")), ["transaction", category], heading,
                content(summary or None),
                location(geo(get(where, "longitude"), get(where, "latitude")),
                         address(get(where, "country"), get(where, "city"),
                                 get(data, "merchant", "name"), get(where, "address"),
                                 get(where, "postcode"))))


def _tenths(value: float | Decimal) -> float:
    """Rounded half up to one decimal, as the original's BigDecimal HALF_UP."""
    return float(Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def uber_ride(data: Any) -> Built | None:
    start = integer(data, "start_time")
    if start is None:
        return None
    seconds = (integer(data, "end_time") or 0) - start
    distance = number(data, "distance") or 0.0
    city = text(data, "start_city", "display_name") or "Unknown City"
    when = datetime.fromtimestamp(start, UTC).strftime("%d/%m/%Y")
    place = geo(number(data, "start_city", "longitude") or 0.0,
                number(data, "start_city", "latitude") or 0.0)
    return item("uber", moment_unix(start), [], title(f"Your trip on {when}"),
                content(f"{city},\n{_tenths(distance)} miles,\n"
                        f"{seconds // 3600 % 24:02d} h {seconds // 60 % 60:02d} min"),
                location(place))


_TAGS = (re.compile(r"<br/?>"), "\n"), (re.compile("&nbsp;"), " "), \
    (re.compile(r"<a [^>]*>([^<]*)</a>"), r"\1")


def _calendar_moment(data: Any, edge: str) -> datetime | None:
    found = jsonsem.parse_iso(get(data, edge, "dateTime") or get(data, edge, "date"))
    zone = text(data, edge, "timeZone")
    if found is not None and zone:
        try:
            return found.astimezone(ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return found


def calendar_event(data: Any) -> Built | None:
    summary = text(data, "summary")
    start = _calendar_moment(data, "start")
    if summary is None or start is None:
        return None
    description = text(data, "description")
    if description is not None:
        for pattern, replacement in _TAGS:
            description = pattern.sub(replacement, description)
    return item("google", start.timestamp(), ["event"],
                title(summary, interval(start, _calendar_moment(data, "end")), "event"),
                content(description), location(address_value=address(
                    name=text(data, "location"))))


MAPPERS = (
    Mapper("fitbit/sleep", (Query("fitbit/sleep", ("endTime",)),), fitbit_sleep),
    Mapper("fitbit/weight", (Query("fitbit/weight", ("date",)),), fitbit_weight),
    Mapper("fitbit/activity", (Query("fitbit/activity", ("originalStartTime",)),),
           fitbit_activity),
    Mapper("fitbit/activity/day/summary",
           (Query("fitbit/activity/day/summary", ("dateCreated",)),), fitbit_day_summary),
    Mapper("calendar/google/events", (Query("calendar/google/events", ("start", "dateTime")),
                                      Query("calendar/google/events", ("start", "date"))),
           calendar_event, dedupe="id"),
    Mapper("spotify/feed", (Query("spotify/feed", ("played_at",)),), spotify_play),
    Mapper("monzo/transactions", (Query("monzo/transactions", ("created",)),),
           monzo_transaction),
    Mapper("uber/rides", (Query("uber/rides", ("start_time",), "unix"),), uber_ride,
           dedupe="request_id"),
)
