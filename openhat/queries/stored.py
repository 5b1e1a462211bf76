"""Combinators and bundles: named, stored endpoint queries (spec 3.11, 3.12).

A combinator is a list of endpoint queries read with paging parameters; a bundle is a set of
named properties, each a list of endpoint queries with its own order and limit. Both are
checked when registered (so a bad one is refused with a 400 then) and stored as the JSON
that was sent; registering the same name again replaces it, unless a data debit holds it
(a consent keeps reading what was consented to).
"""

from __future__ import annotations

from typing import Any

import orjson

from openhat.clock import now_ms
from openhat.errors import BundleNotFound, CombinatorNotFound, QueryMalformed
from openhat.events import BundleSaved, CombinatorSaved
from openhat.queries import service as queries
from openhat.queries.models import (
    EndpointQuery,
    PropertyQuery,
    parse_bundle,
    parse_endpoint_queries,
)
from openhat.storage.base import Store
from openhat.storage.rows import BundleOwned
from openhat.wire import Json, dumps, parse_json


def register_combinator(store: Store, hat_id: str, name: str, body: Any) -> None:
    """Check and store a combinator. Raises BadRequest / QueryMalformed."""
    parse_endpoint_queries(body)
    with store.write(hat_id) as tx:
        tx.bundles.save_combinator(hat_id, name, dumps(body).decode(), now_ms())
        tx.emit(CombinatorSaved(hat_id, name))


def combinator(store: Store, hat_id: str, name: str) -> list[EndpointQuery]:
    """A stored combinator's queries. Raises CombinatorNotFound."""
    text = store.bundles.combinator(hat_id, name)
    if text is None:
        raise CombinatorNotFound(name)
    return parse_endpoint_queries(parse_json(text))


def combinator_data(store: Store, hat_id: str, name: str, order_by: str | None,
                    descending: bool, skip: int, take: int) -> list[Json]:
    return queries.page(store, hat_id, combinator(store, hat_id, name), order_by, descending,
                        skip, take)


def register_bundle(store: Store, hat_id: str, bundle_id: str, body: Any) -> None:
    """Check and store a bundle. Raises BadRequest / QueryMalformed (also when a data debit
    holds a bundle of that name with another definition)."""
    parse_bundle(body)
    with store.write(hat_id) as tx:
        try:
            tx.bundles.save(hat_id, bundle_id, dumps(body).decode(), now_ms())
        except BundleOwned as exc:
            raise QueryMalformed(f"Data bundle {bundle_id} belongs to data debit"
                                 f" {exc.debit_key}") from None
        tx.emit(BundleSaved(hat_id, bundle_id))


def bundle_text(store: Store, hat_id: str, bundle_id: str) -> str:
    """The stored bundle's JSON. Raises BundleNotFound."""
    text = store.bundles.get(hat_id, bundle_id)
    if text is None:
        raise BundleNotFound(bundle_id)
    return text


def bundle(store: Store, hat_id: str, bundle_id: str) -> dict[str, PropertyQuery]:
    return parse_bundle(parse_json(bundle_text(store, hat_id, bundle_id)))


def bundle_data(store: Store, hat_id: str, bundle_id: str) -> dict[str, Any]:
    """GET /data-bundle/{id}: every property's records."""
    return queries.bundle_data(store, hat_id, bundle(store, hat_id, bundle_id))


def bundle_structure(store: Store, hat_id: str, bundle_id: str) -> Json:
    """GET /data-bundle/{id}/structure: the EndpointDataBundle as registered."""
    return {"name": bundle_id,
            "bundle": orjson.Fragment(bundle_text(store, hat_id, bundle_id))}
