"""The public profile (`GET /api/v2.6/phata/profile`, no token): the data of the bundle
named `phata`.

The owner decides what is public by registering a bundle of that name. Until they do, the
original's default definition (hat/conf/phata.conf) answers: the notes the owner shared on
the profile (`shared` and `shared_on` containing `phata`), and the newest `rumpel/profile`
record reduced to its `shared` flag.
"""

from __future__ import annotations

from typing import Any

from openhat.errors import BundleNotFound
from openhat.queries import service as queries
from openhat.queries import stored
from openhat.queries.models import parse_bundle
from openhat.storage.base import Store

BUNDLE_ID = "phata"

DEFAULT_BUNDLE: dict[str, Any] = {
    "notables": {
        "endpoints": [{
            "endpoint": "rumpel/notablesv1",
            "filters": [
                {"field": "shared", "operator": {"operator": "contains", "value": True}},
                {"field": "shared_on", "operator": {"operator": "contains", "value": "phata"}},
            ],
            "mapping": {"kind": "kind", "shared": "shared", "message": "message",
                        "author": "authorv1", "location": "locationv1",
                        "shared_on": "shared_on", "created_time": "created_time",
                        "public_until": "public_until", "updated_time": "updated_time"},
        }],
        "orderBy": "updated_time",
        "ordering": "descending",
    },
    "profile": {
        "endpoints": [{"endpoint": "rumpel/profile", "mapping": {"shared": "shared"}}],
        "orderBy": "dateCreated",
        "ordering": "descending",
        "limit": 1,
    },
}
_DEFAULT = parse_bundle(DEFAULT_BUNDLE)


def profile(store: Store, hat_id: str) -> dict[str, Any]:
    """The `phata` bundle's data, or the default profile's when the owner has none."""
    try:
        bundle = stored.bundle(store, hat_id, BUNDLE_ID)
    except BundleNotFound:
        bundle = _DEFAULT
    return queries.bundle_data(store, hat_id, bundle)
