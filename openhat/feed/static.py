"""Static data (`/she/static/{endpoint}`, the original's StaticDataGenerator): the newest
profile record of a plug, as `[{"name": <endpoint's last part>, "values": {...}}]`, without
the fields the original leaves out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openhat.storage.base import Store
from openhat.storage.query import EndpointSelect, PageQuery
from openhat.wire import Json, parse_json


@dataclass(frozen=True)
class StaticMapper:
    key: str
    queries: tuple[tuple[str, tuple[str, ...]], ...]  # (endpoint, order path): the newest
    values: Callable[[str, Any], dict[str, Any] | None]


def _without(*keys: str) -> Callable[[str, Any], dict[str, Any] | None]:
    def values(endpoint: str, data: Any) -> dict[str, Any] | None:
        if not isinstance(data, dict):
            return None
        return {k: v for k, v in data.items() if k not in keys}
    return values


def _facebook(endpoint: str, data: Any) -> dict[str, Any] | None:
    if not isinstance(data, dict):
        return None
    if "likes" in endpoint:
        liked = data.get("number_of_pages_liked")
        return None if liked is None else {"number_of_pages_liked": liked}
    place = data.get("location")
    if isinstance(place, dict) and isinstance(place.get("name"), str):
        data = {**data, "location": place["name"]}
    return {k: v for k, v in data.items() if k not in ("friends", "languages")}


def _twitter(endpoint: str, data: Any) -> dict[str, Any] | None:
    user = data.get("user") if isinstance(data, dict) else None
    return None if not isinstance(user, dict) else \
        {k: v for k, v in user.items() if k != "entities"}


def _spotify(endpoint: str, data: Any) -> dict[str, Any] | None:
    if not isinstance(data, dict):
        return None
    followers = data.get("followers")
    total = followers.get("total", 0) if isinstance(followers, dict) else 0
    return {k: v for k, v in {**data, "followers": total}.items()
            if k not in ("images", "external_urls")}


STATIC_MAPPERS: tuple[StaticMapper, ...] = (
    StaticMapper("facebook/profile", (("facebook/profile", ("hat_updated_time",)),
                                      ("facebook/likes/pages", ("created_time",))), _facebook),
    StaticMapper("twitter/profile", (("twitter/tweets", ("id",)),), _twitter),
    StaticMapper("spotify/profile", (("spotify/profile", ("dateCreated",)),), _spotify),
    StaticMapper("fitbit/profile", (("fitbit/profile", ("hat_updated_time",)),),
                 _without("features", "topBadges")),
    StaticMapper("instagram/profile", (("instagram/profile", ("ds_created_time",)),
                                       ("instagram/profile", ("hat_created_time",))),
                 _without("counts")),
    StaticMapper("uber/profile", (("uber/profile", ("dateCreated",)),), _without()),
)


def static_data(store: Store, hat_id: str, endpoint: str) -> list[Json]:
    """The first mapper whose key starts with `endpoint` (as the original picks it); [] when
    none does."""
    mapper = next((m for m in STATIC_MAPPERS if m.key.startswith(endpoint)), None)
    if mapper is None:
        return []
    out: list[Json] = []
    for source, order in mapper.queries:
        page = PageQuery((EndpointSelect(source, (), order),), ordered=True, descending=True,
                         skip=0, take=1)
        for record in store.records.page(hat_id, page):
            values = mapper.values(record.endpoint, parse_json(record.data))
            if values is not None:
                out.append({"name": record.endpoint.rsplit("/", 1)[-1], "values": values})
    return out
