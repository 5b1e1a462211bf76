"""Applications registered on a HAT: their status, set-up, disabling and grants (spec 5.4).

An application acts for the owner with an application token, and only while it is enabled
(set up and not disabled since): `grants` is asked on every request an application token
makes, so disabling an application stops its tokens at once. What a token may do is what the
application's manifest grants (`permissions.rolesGranted`), read at request time too.

Setting an application up is one unit of work: its data debit (created, given the consent
its manifest asks for, enabled), its status and those of its dependencies commit together
or not at all. The HatApplication JSON is built in wire.py from what `_load` read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from openhat.applications.manifests import APPLICATION_ID, Manifest, parse_manifest
from openhat.applications.wire import LoadedApplication, status_json
from openhat.clock import now_ms
from openhat.debits import legacy as legacy_debits
from openhat.errors import ApplicationConfigurationNotFound, ApplicationNotFound
from openhat.events import (
    ApplicationDisabled,
    ApplicationRegistered,
    ApplicationRemoved,
    ApplicationSetUp,
)
from openhat.identity.permissions import Role
from openhat.storage.base import Store, Tx
from openhat.storage.rows import Debit, StoredApplication
from openhat.wire import Json, dumps, parse_json


def register(store: Store, hat_id: str, body: Any) -> tuple[bool, Json]:
    """Register an application from its manifest, or replace the manifest of a registered
    one (its status is kept; new grants apply at once). Returns (whether it is new, its
    HatApplication). Raises BadRequest for an invalid manifest."""
    manifest = parse_manifest(body)
    with store.write(hat_id) as tx:
        created = tx.applications.save(hat_id, manifest.application_id,
                                       dumps(body).decode(), now_ms())
        tx.emit(ApplicationRegistered(hat_id, manifest.application_id, created))
    return created, status(store, hat_id, manifest.application_id)


def remove(store: Store, hat_id: str, application_id: str) -> None:
    """Forget an application (its tokens stop working). Raises ApplicationNotFound."""
    with store.write(hat_id) as tx:
        if not tx.applications.delete(hat_id, application_id):
            raise ApplicationNotFound(application_id)
        tx.webhooks.remove_application(hat_id, application_id)
        tx.emit(ApplicationRemoved(hat_id, application_id))


def _stored(source: Store | Tx, hat_id: str, application_id: str,
            missing_status: int = 404) -> tuple[StoredApplication, Manifest]:
    found = (source.applications.get(hat_id, application_id)
             if APPLICATION_ID.fullmatch(application_id) else None)
    if found is None:
        raise ApplicationNotFound(application_id, missing_status)
    return found, parse_manifest(parse_json(found.manifest))


def hmi(store: Store, hat_id: str, application_id: str) -> orjson.Fragment:
    """The manifest as registered (`/applications/{id}/hmi`). Raises 404."""
    found = (store.applications.get(hat_id, application_id)
             if APPLICATION_ID.fullmatch(application_id) else None)
    if found is None:
        raise ApplicationConfigurationNotFound(application_id)
    return orjson.Fragment(found.manifest)


def grants(store: Store, hat_id: str, application_id: str,
           registration: str) -> frozenset[Role] | None:
    """What an application token of this application may do, or None when the application
    is unknown, not enabled, or registered anew since the token was issued under
    `registration` (its tokens are then refused)."""
    found = store.applications.get(hat_id, application_id)
    if found is None or not found.enabled or found.registration != registration:
        return None
    return parse_manifest(parse_json(found.manifest)).roles


def enabled_roles(store: Store, hat_id: str, application_id: str) -> frozenset[Role] | None:
    """What the application may do now, or None when it is unknown or not enabled (its
    webhooks, which outlive any token, are delivered only while it is enabled)."""
    found = store.applications.get(hat_id, application_id)
    return parse_manifest(orjson.loads(found.manifest)).roles \
        if found is not None and found.enabled else None


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

    def enabled(dependency: str) -> bool:
        app = store.applications.get(hat_id, dependency)
        return app is not None and app.enabled

    loaded = _load(store, hat_id, found, parsed,
                   lambda key: store.debits.get(hat_id, key), enabled)
    return status_json(loaded, now_ms())


def statuses(store: Store, hat_id: str, only: frozenset[str] | None = None) -> list[Json]:
    """The HatApplication of every registered application (or of those in `only`): the
    applications and the debits are read once for all of them."""
    registered = store.applications.all(hat_id)
    enabled = {app.application_id for app in registered if app.enabled}
    debits: dict[str, Debit] | None = None

    def debit_of(key: str) -> Debit | None:
        nonlocal debits
        if debits is None:
            debits = {d.row.debit_key: d for d in store.debits.all(hat_id)}
        return debits.get(key)

    now = now_ms()
    return [status_json(_load(store, hat_id, found, parse_manifest(parse_json(found.manifest)),
                              debit_of, enabled.__contains__), now)
            for found in registered if only is None or found.application_id in only]


def _load(store: Store, hat_id: str, found: StoredApplication, parsed: Manifest,
          debit_of: Callable[[str], Debit | None],
          enabled: Callable[[str], bool]) -> LoadedApplication:
    """Read what the status of `found` needs, and only that (dependencies and freshness
    only count for an application that is set up and enabled)."""
    debit = None if parsed.debit_key is None or not found.enabled \
        else debit_of(parsed.debit_key)
    in_use = found.enabled and found.setup_version is not None
    newest = None
    if in_use and parsed.recent_data_endpoint is not None:
        newest = store.records.newest_time(hat_id, parsed.recent_data_endpoint)
    return LoadedApplication(found, parsed, debit,
                             in_use and all(enabled(d) for d in parsed.dependencies), newest)


# --- setup and disable ----------------------------------------------------------------------

def setup(store: Store, hat_id: str, application_id: str, user_id: str) -> Json:
    """Enable an application for the owner `user_id`: create (or update) and enable the data
    debit it requires, record the version set up, and set up its registered dependencies,
    all in one unit of work. Raises ApplicationNotFound (400, as the original) or
    DebitRequestMalformed (and then nothing changed)."""
    with store.write(hat_id) as tx:
        _setup(tx, hat_id, application_id, user_id, set())
    return status(store, hat_id, application_id)


def _setup(tx: Tx, hat_id: str, application_id: str, user_id: str, seen: set[str]) -> None:
    seen.add(application_id)
    _, parsed = _stored(tx, hat_id, application_id, missing_status=400)
    if parsed.debit_key is not None:
        _enable_debit(tx, hat_id, parsed, user_id)
    tx.applications.set_status(hat_id, application_id, True, parsed.version, now_ms())
    tx.emit(ApplicationSetUp(hat_id, application_id, parsed.version))
    for dependency in parsed.dependencies:
        found = tx.applications.get(hat_id, dependency)
        if dependency not in seen and found is not None and not found.enabled:
            _setup(tx, hat_id, dependency, user_id, seen)


def _enable_debit(tx: Tx, hat_id: str, parsed: Manifest, user_id: str) -> None:
    """Create the application's debit when missing, and enable the consent that reads what
    the manifest asks (a stored consent reading anything else is never enabled here)."""
    key = parsed.debit_key
    assert key is not None
    if tx.debits.get(hat_id, key) is None:
        legacy_debits.new_debit(tx, hat_id, key, parsed.data_required, user_id)
    legacy_debits.enable_request(tx, hat_id, key, parsed.data_required)


def disable(store: Store, hat_id: str, application_id: str) -> Json:
    """Disable an application: its tokens stop working and its data debit is disabled, in
    one unit of work. Raises ApplicationNotFound (400, as the original)."""
    with store.write(hat_id) as tx:
        found, parsed = _stored(tx, hat_id, application_id, missing_status=400)
        if parsed.debit_key is not None and tx.debits.get(hat_id, parsed.debit_key) is not None:
            legacy_debits.disable_all(tx, hat_id, parsed.debit_key)
        tx.applications.set_status(hat_id, application_id, False,
                                   found.setup_version or parsed.version, now_ms())
        tx.emit(ApplicationDisabled(hat_id, application_id))
    return status(store, hat_id, application_id)
