"""Answering endpoint queries: one sorted page across endpoints, mapped, with links.

The store filters, sorts and pages in SQL (one page is all that is ever read); this module
plans the query, then maps the page's records and attaches their links. The semantics of
filters and ordering are those of `storage.query`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from openhat.queries.models import EndpointQuery, PropertyQuery
from openhat.storage.base import Store
from openhat.storage.query import EndpointSelect, LinkedRecord, PageQuery
from openhat.wire import Json, parse_json

DEFAULT_TAKE = 1000  # combinators, like GET /data (spec 3.11); bundles have no default


def page(store: Store, hat_id: str, queries: Sequence[EndpointQuery], order_by: str | None,
         descending: bool, skip: int, take: int | None) -> list[Json]:
    """The records of `queries` (their union), sorted by the output field `order_by` (or by
    insertion), then `skip`/`take`; each mapped by its query's mapping, with its links."""
    if not queries:
        return []
    selects = tuple(
        EndpointSelect(q.endpoint, q.filters,
                       q.order_path(order_by) if order_by is not None else None)
        for q in queries)
    found = store.records.page(hat_id, PageQuery(selects, order_by is not None, descending,
                                               skip, take))
    links = _links(store, hat_id, queries, [(r.select_index, r.record_id) for r in found])
    out = []
    for record in found:
        query = queries[record.select_index]
        item: Json = {"endpoint": record.endpoint, "recordId": record.record_id,
                      "data": _mapped(query, record.data)}
        linked = links.get((record.select_index, record.record_id))
        if linked:
            item["links"] = linked
        out.append(item)
    return out


def property_data(store: Store, hat_id: str, prop: PropertyQuery) -> list[Json]:
    """One bundle property: its own orderBy, ordering and limit (no limit by default)."""
    return page(store, hat_id, prop.endpoints, prop.order_by, prop.descending, 0, prop.limit)


def bundle_data(store: Store, hat_id: str, bundle: dict[str, PropertyQuery]) -> dict[str, Any]:
    return {name: property_data(store, hat_id, prop) for name, prop in bundle.items()}


def _mapped(query: EndpointQuery, data: str) -> Any:
    """Stored JSON text passes through untouched unless a mapping reshapes it."""
    if query.mapping is None:
        return orjson.Fragment(data)
    return query.mapping.apply(parse_json(data))


def _links(store: Store, hat_id: str, queries: Sequence[EndpointQuery],
           found: list[tuple[int, str]]) -> dict[tuple[int, str], list[Json]]:
    """For each page record whose query asks for links: the linked records of each link
    query, in link-query order."""
    out: dict[tuple[int, str], list[Json]] = {}
    for index, query in enumerate(queries):
        if not query.links:
            continue
        ids = list(dict.fromkeys(rid for i, rid in found if i == index))
        if not ids:
            continue
        for link in query.links:
            select = EndpointSelect(link.endpoint, link.filters)
            for record in store.records.links(hat_id, ids, select):
                out.setdefault((index, record.main_id), []).append(_link_json(link, record))
    return out


def _link_json(link: EndpointQuery, record: LinkedRecord) -> Json:
    return {"endpoint": record.endpoint, "recordId": record.record_id,
            "data": _mapped(link, record.data)}
