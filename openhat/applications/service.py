"""Applications registered on a HAT: their status, set-up, disabling and grants (spec 5.4).

An application acts for the owner with an application token, and only while it is enabled
(set up and not disabled since): `grants` is asked on every request an application token
makes, so disabling an application stops its tokens at once. What a token may do is what the
application's manifest grants (`permissions.rolesGranted`), read at request time too.
"""

from __future__ import annotations

from typing import Any

import orjson

from openhat import wire
from openhat.applications.manifests import APPLICATION_ID, Manifest, is_newer, parse_manifest
from openhat.clock import now_ms
from openhat.debits import legacy as legacy_debits
from openhat.debits import service as debits
from openhat.errors import ApplicationConfigurationNotFound, ApplicationNotFound
from openhat.identity.permissions import Role
from openhat.storage.base import Store
from openhat.storage.rows import StoredApplication
from openhat.wire import Json


def register(store: Store, hat_id: str, body: Any) -> tuple[bool, Json]:
    """Register an application from its manifest, or replace the manifest of a registered
    one (its status is kept; new grants apply at once). Returns (whether it is new, its
    HatApplication). Raises BadRequest for an invalid manifest."""
    manifest = parse_manifest(body)
    created = store.save_application(hat_id, manifest.application_id,
                                     orjson.dumps(body).decode(), now_ms())
    return created, status(store, hat_id, manifest.application_id)


def remove(store: Store, hat_id: str, application_id: str) -> None:
    """Forget an application (its tokens stop working). Raises ApplicationNotFound."""
    if not store.delete_application(hat_id, application_id):
        raise ApplicationNotFound(application_id)


def _stored(store: Store, hat_id: str, application_id: str,
            missing_status: int = 404) -> tuple[StoredApplication, Manifest]:
    found = (store.application(hat_id, application_id)
             if APPLICATION_ID.fullmatch(application_id) else None)
    if found is None:
        raise ApplicationNotFound(application_id, missing_status)
    return found, parse_manifest(orjson.loads(found.manifest))


def hmi(store: Store, hat_id: str, application_id: str) -> orjson.Fragment:
    """The manifest as registered (`/applications/{id}/hmi`). Raises 404."""
    found = (store.application(hat_id, application_id)
             if APPLICATION_ID.fullmatch(application_id) else None)
    if found is None:
        raise ApplicationConfigurationNotFound(application_id)
    return orjson.Fragment(found.manifest)


def grants(store: Store, hat_id: str, application_id: str,
           registration: str) -> frozenset[Role] | None:
    """What an application token of this application may do, or None when the application
    is unknown, not enabled, or registered anew since the token was issued under
    `registration` (its tokens are then refused)."""
    found = store.application(hat_id, application_id)
    if found is None or not found.enabled or found.registration != registration:
        return None
    return parse_manifest(orjson.loads(found.manifest)).roles


REGISTRATION_CLAIM = "applicationRegistration"


def token_claims(store: Store, hat_id: str, application_id: str) -> dict[str, str]:
    """The custom claims of an application token (spec 2.2), and the registration it is
    issued under. Raises ApplicationNotFound (404)."""
    found, parsed = _stored(store, hat_id, application_id)
    return {"application": parsed.application_id, "applicationVersion": parsed.version,
            REGISTRATION_CLAIM: found.registration}


# --- status ---------------------------------------------------------------------------------

def status(store: Store, hat_id: str, application_id: str) -> Json:
    """The HatApplication of one application. Raises ApplicationNotFound (404)."""
    found, parsed = _stored(store, hat_id, application_id)
    return _status_json(store, hat_id, found, parsed)


def statuses(store: Store, hat_id: str, only: frozenset[str] | None = None) -> list[Json]:
    """The HatApplication of every registered application (or of those in `only`)."""
    return [_status_json(store, hat_id, found, parse_manifest(orjson.loads(found.manifest)))
            for found in store.registered_applications(hat_id)
            if only is None or found.application_id in only]


def _status_json(store: Store, hat_id: str, found: StoredApplication,
                 parsed: Manifest) -> Json:
    """`setup`: set up at some point; `enabled`: set up and not disabled since; `active`:
    enabled and its data debit (if it requires one) is active on the bundle it asks for.
    The original also calls an External app's status URL; openhat makes no outbound calls."""
    out: Json = {"application": orjson.Fragment(found.manifest),
                 "setup": found.setup_version is not None, "enabled": found.enabled,
                 "active": found.enabled and _debit_active(store, hat_id, parsed)}
    if found.enabled and found.setup_version is not None:
        out["needsUpdating"] = is_newer(parsed.compatibility, found.setup_version)
        if parsed.dependencies:
            out["dependenciesEnabled"] = all(_enabled(store, hat_id, dependency)
                                             for dependency in parsed.dependencies)
        if parsed.recent_data_endpoint is not None:
            newest = store.records.newest_time(hat_id, parsed.recent_data_endpoint)
            if newest is not None:
                out["mostRecentData"] = wire.joda_datetime(newest)
    return out


def _enabled(store: Store, hat_id: str, application_id: str) -> bool:
    found = store.application(hat_id, application_id)
    return found is not None and found.enabled


def _debit_active(store: Store, hat_id: str, parsed: Manifest) -> bool:
    if parsed.debit_key is None:
        return True
    debit = store.debit(hat_id, parsed.debit_key)
    active = None if debit is None else debits.active_permissions(debit, now_ms())
    return active is not None and active.bundle_id == parsed.data_required["bundle"]["name"]


# --- setup and disable ----------------------------------------------------------------------

def setup(store: Store, hat_id: str, application_id: str, user_id: str) -> Json:
    """Enable an application for the owner `user_id`: create (or update) and enable the data
    debit it requires, record the version set up, and set up its registered dependencies.
    Raises ApplicationNotFound (400, as the original) or DebitRequestMalformed."""
    _setup(store, hat_id, application_id, user_id, set())
    return status(store, hat_id, application_id)


def _setup(store: Store, hat_id: str, application_id: str, user_id: str,
           seen: set[str]) -> None:
    seen.add(application_id)
    _, parsed = _stored(store, hat_id, application_id, missing_status=400)
    if parsed.debit_key is not None:
        _enable_debit(store, hat_id, parsed, user_id)
    store.set_application_status(hat_id, application_id, True, parsed.version, now_ms())
    for dependency in parsed.dependencies:
        if dependency not in seen and store.application(hat_id, dependency) is not None \
                and not _enabled(store, hat_id, dependency):
            _setup(store, hat_id, dependency, user_id, seen)


def _enable_debit(store: Store, hat_id: str, parsed: Manifest, user_id: str) -> None:
    """Create the application's debit when missing, and enable the consent that reads what
    the manifest asks (a stored consent reading anything else is never enabled here)."""
    key = parsed.debit_key
    assert key is not None
    if store.debit(hat_id, key) is None:
        legacy_debits.store_new(store, hat_id, key, parsed.data_required, user_id)
    legacy_debits.enable_request(store, hat_id, key, parsed.data_required)


def disable(store: Store, hat_id: str, application_id: str) -> Json:
    """Disable an application: its tokens stop working and its data debit is disabled.
    Raises ApplicationNotFound (400, as the original)."""
    found, parsed = _stored(store, hat_id, application_id, missing_status=400)
    if parsed.debit_key is not None and store.debit(hat_id, parsed.debit_key) is not None:
        legacy_debits.disable(store, hat_id, parsed.debit_key)
    store.set_application_status(hat_id, application_id, False,
                                 found.setup_version or parsed.version, now_ms())
    return status(store, hat_id, application_id)
