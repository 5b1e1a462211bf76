"""Applications on the wire: the HatApplication status, from rows already loaded.

The domain (applications/service.py) loads what a status is made of (the stored application,
its manifest, its data debit, whether its dependencies are enabled, the newest record time
of its freshness endpoint) into a `LoadedApplication`; serialising it makes no query.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from openhat import wire
from openhat.applications.manifests import Manifest, is_newer
from openhat.debits.rules import active_permissions
from openhat.storage.rows import Debit, StoredApplication
from openhat.wire import Json


@dataclass(frozen=True)
class LoadedApplication:
    """Everything the HatApplication of one application is made of."""

    found: StoredApplication
    manifest: Manifest
    debit: Debit | None  # its data debit, when the manifest requires one and it exists
    dependencies_enabled: bool  # every dependency registered and enabled
    newest_data: int | None  # unix ms: newest record of status.recentDataCheckEndpoint


def debit_active(manifest: Manifest, debit: Debit | None, now: int) -> bool:
    """Whether the application's data debit (if it requires one) is active on the bundle its
    manifest asks for."""
    if manifest.debit_key is None:
        return True
    active = None if debit is None else active_permissions(debit, now)
    return active is not None and active.bundle_id == manifest.data_required["bundle"]["name"]


def status_json(app: LoadedApplication, now: int) -> Json:
    """`setup`: set up at some point; `enabled`: set up and not disabled since; `active`:
    enabled and its data debit (if it requires one) is active on the bundle it asks for.
    The original also calls an External app's status URL; openhat makes no outbound calls."""
    found, parsed = app.found, app.manifest
    out: Json = {"application": orjson.Fragment(found.manifest),
                 "setup": found.setup_version is not None, "enabled": found.enabled,
                 "active": found.enabled and debit_active(parsed, app.debit, now)}
    if found.enabled and found.setup_version is not None:
        out["needsUpdating"] = is_newer(parsed.compatibility, found.setup_version)
        if parsed.dependencies:
            out["dependenciesEnabled"] = app.dependencies_enabled
        if app.newest_data is not None:
            out["mostRecentData"] = wire.joda_datetime(app.newest_data)
    return out
