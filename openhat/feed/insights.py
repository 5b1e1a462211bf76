"""Feed mappers of insights: what the HAT's own functions (and the original's Drops) write
under `she/insights/...` and `drops/insights/...` (the original's InsightsMapper,
InsightSentimentMapper, InsightCommonLocationsMapper and the Drops mappers)."""

from __future__ import annotations

from typing import Any

import orjson

from openhat.clock import now_s
from openhat.feed.mappers import (
    Built,
    Mapper,
    Query,
    content,
    get,
    interval,
    item,
    moment_iso,
    text,
    title,
)
from openhat.storage import jsonsem

# What the activity counter counts, in the words and under the sources the original shows.
ACTIVITY_TEXT = {
    "twitter/tweets": ("twitter", "Tweets sent"),
    "facebook/feed": ("facebook", "Posts composed"),
    "notables/feed": ("notables", "Notes taken"),
    "spotify/feed": ("spotify", "Songs listened to"),
    "instagram/feed": ("instagram", "Photos uploaded"),
    "fitbit/weight": ("fitbit-weight", "Fitbit weight records"),
    "fitbit/sleep": ("fitbit-sleep", "Fitbit sleep records"),
    "fitbit/activity": ("fitbit-activity", "Fitbit activities logged"),
    "uber/rides": ("uber", "Trips taken"),
    "calendar/google/events": ("google", "Calendar events recorded"),
    "monzo/transactions": ("monzo", "Transactions performed"),
    "she/insights/emotions": ("sentiment", "Posts analysed for Sentiments"),
    "she/insights/emotions/positive": ("sentiment-positive", "Positive"),
    "she/insights/emotions/negative": ("sentiment-negative", "Negative"),
    "she/insights/emotions/neutral": ("sentiment-neutral", "Neutral"),
}


def activity_summary(data: Any) -> Built | None:
    """A weekly count of what was added (the activity counter's records)."""
    counters = get(data, "counters")
    if not isinstance(counters, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in counters.values()):
        return None
    if not any(counters.values()):
        return None
    since = jsonsem.parse_iso(get(data, "since"))
    until = jsonsem.parse_iso(get(data, "timestamp"))
    nested: dict[str, list[Any]] = {}
    for endpoint, count in counters.items():
        if endpoint in ACTIVITY_TEXT and count != 0:
            source, words = ACTIVITY_TEXT[endpoint]
            nested.setdefault(source, []).append({"content": words, "badge": str(count)})
    simplified = "\n".join(
        f"{source.capitalize()}:\n  " + "\n  ".join(f"{i['content']}: {i['badge']}"
                                                   for i in items) + "\n"
        for source, items in nested.items())
    if since is not None:
        when = interval(since, until)
    else:
        when = "" if until is None else "before " + until.strftime("%d %B %H:%M UTC")
    moment = until.timestamp() if until is not None else float(now_s())
    return item("she", moment, ["insight", "activity"],
                title("Your recent activity summary", when, "insight"),
                content(simplified, nested=nested))


SENTIMENT_SOURCES = {"twitter/tweets": "Twitter", "facebook/feed": "Facebook",
                     "notables/feed": "Notables"}


def sentiment(data: Any) -> Built | None:
    feeling, words, source = text(data, "sentiment"), text(data, "text"), text(data, "source")
    if feeling is None or words is None or source is None:
        return None
    name = SENTIMENT_SOURCES.get(source, source)
    return item("she", moment_iso(get(data, "timestamp")), ["insight", "sentiment", feeling,
                                                            name],
                title(f"{feeling} Message", f"on {name}", "sentiment"), content(words))


def _summary(source: str, heading: str, action: str, types: list[str]) -> Any:
    """The original's summary mappers: any record counting something, shown whole, dated
    now (as the original dates them)."""

    def build(data: Any) -> Built | None:
        total = get(data, "summary", "totalCount")
        if not isinstance(total, int) or isinstance(total, bool) or total <= 0:
            return None
        return item(source, float(now_s()), types, title(heading, action=action),
                    content(orjson.dumps(data).decode()))

    return build


MAPPERS = (
    Mapper("she/activity-records", (Query("she/insights/activity-records", ("timestamp",)),),
           activity_summary),
    Mapper("she/sentiments", (Query("she/insights/emotions", ("timestamp",)),), sentiment),
    Mapper("drops/twitter/word-cloud",
           (Query("drops/insights/twitter/word-cloud", ("timestamp",)),),
           _summary("drops", "Twitter Word Cloud", "twitter-word-cloud",
                    ["wordcloud", "twitter-word-cloud"])),
    Mapper("drops/sentiment-history",
           (Query("drops/insights/sentiment-history", ("timestamp",)),),
           _summary("drops", "Sentiment History", "sentiment-history",
                    ["sentiment-history", "sentiment-history"])),
    Mapper("she/common-locations", (Query("she/insights/common-locations", ("dateCreated",)),),
           _summary("she", "Common Locations", "common-locations",
                    ["common-locations", "common-locations"])),
)
