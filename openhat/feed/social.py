"""Feed mappers of social networks and photos: Facebook posts, tweets, Instagram media, and
the notes of the HAT's own notes app (the original's FacebookFeedMapper, TwitterFeedMapper,
InstagramMediaMapper, NotablesFeedMapper)."""

from __future__ import annotations

from typing import Any

from openhat.feed.mappers import (
    Built,
    Mapper,
    Query,
    address,
    content,
    geo,
    get,
    item,
    location,
    media,
    moment_iso,
    moment_unix,
    number,
    text,
    title,
)


def facebook_post(data: Any) -> Built | None:
    kind = text(data, "type")
    body = text(data, "message") or text(data, "story") or text(data, "description")
    if kind is None or body is None:
        return None
    heading = (title("You posted a photo", action="photo") if kind == "photo"
               else title("You shared a story") if kind == "link" else title("You posted"))
    link = text(data, "link") or ""
    place = get(data, "place", "location")
    return item("facebook", moment_iso(get(data, "created_time")), ["post", kind], heading,
                content(f"{body}\n\n{link}".strip(),
                        [media(text(data, "picture"), text(data, "full_picture"))]),
                location(geo(get(place, "longitude"), get(place, "latitude")),
                         address(get(place, "country"), get(place, "city"),
                                 get(data, "place", "name"), get(place, "street"),
                                 get(place, "zip"))))


def tweet(data: Any) -> Built | None:
    if get(data, "retweeted") is True:
        heading = title("You retweeted", action="repeat")
    elif get(data, "in_reply_to_user_id") is not None:
        heading = title(f"You replied to @{text(data, 'in_reply_to_screen_name')}")
    else:
        heading = title("You tweeted")
    coordinates = get(data, "coordinates", "coordinates")
    place = get(data, "place")
    return item("twitter", moment_iso(get(data, "lastUpdated")), ["post"], heading,
                content(text(data, "text")),
                location(geo(get(coordinates, 0), get(coordinates, 1)),
                         address(get(place, "country"), get(place, "name"))
                         if isinstance(place, dict) else None))


def instagram_media(data: Any) -> Built | None:
    """Both generations of the Instagram plug: API v1 (`created_time`, `images`) and v2
    (`ds_api_version`, `ds_created_time`, `media_url`)."""
    if text(data, "ds_api_version") is not None:
        kind = text(data, "media_type")
        if kind is None:
            return None
        url = text(data, "media_url")
        pictures = [media(url, url)] if kind == "IMAGE" else None
        return item("instagram", moment_unix(get(data, "ds_created_time")), [], title(
            "You posted", action=kind.lower()), content(text(data, "caption"), pictures))
    kind = text(data, "type")
    tags = get(data, "tags")
    if kind is None or not isinstance(tags, list):
        return None
    if kind == "image":
        pictures = [media(text(data, "images", "thumbnail", "url"),
                          text(data, "images", "standard_resolution", "url"))]
    elif kind == "carousel":
        pictures = [media(text(m, "images", "thumbnail", "url"),
                          text(m, "images", "standard_resolution", "url"))
                    for m in get(data, "carousel_media") or [] if isinstance(m, dict)]
    else:
        pictures = None
    place = get(data, "location")
    return item("instagram", moment_unix(get(data, "created_time")),
                [t for t in tags if isinstance(t, str)], title("You posted", action=kind),
                content(text(data, "caption", "text"), pictures),
                location(geo(get(place, "longitude"), get(place, "latitude")),
                         address(name=get(place, "street_address"))))


def note(data: Any) -> Built | None:
    message = text(data, "message")
    tags = get(data, "shared_on")
    if message is None or not isinstance(tags, list) or \
            not isinstance(get(data, "currently_shared"), bool):
        return None
    photo = text(data, "photov1", "link")
    place = get(data, "locationv1")
    return item("notables", moment_iso(get(data, "created_time")),
                [t for t in tags if isinstance(t, str)],
                title("You posted", action="public" if data["currently_shared"] else "private"),
                content(message, [media(photo, photo)] if photo else None),
                location(geo(number(place, "longitude"), number(place, "latitude"))))


MAPPERS = (
    Mapper("facebook/feed", (Query("facebook/feed", ("created_time",)),), facebook_post),
    Mapper("twitter/tweets", (Query("twitter/tweets", ("lastUpdated",)),), tweet),
    Mapper("notables/feed", (Query("rumpel/notablesv1", ("created_time",)),), note),
    Mapper("instagram/feed", (Query("instagram/feed", ("ds_created_time",), "unix-text"),
                              Query("instagram/feed", ("created_time",), "unix-text")),
           instagram_media, dedupe="id"),
)
