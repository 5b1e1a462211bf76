"""The v2 data debit model (`/api/v2/data-debit`, spec 5.1 "legacy"): DataDebitRequest in,
RichDataDebit out.

Legacy debits live in the same tables as v2.6 ones: a legacy bundle (start date, end date,
rolling, enabled) is a permissions row whose period runs from start to end, cancelled at the
period's end unless rolling, accepted while enabled. So both APIs see every debit, and the
rules of activity are the same code (rules.py).

Operations taking a `Tx` are the steps application setup runs inside its own unit of work;
the others are whole operations, each one unit of work.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from openhat.clock import now_ms
from openhat.debits import rules
from openhat.debits import service as debits
from openhat.debits import wire as debit_wire
from openhat.errors import DebitNotEnabled, DebitRequestMalformed
from openhat.events import DebitCreated, DebitDisabled, DebitEnabled, DebitUpdated
from openhat.storage.base import Store, Tx
from openhat.storage.rows import (
    LEGACY_CLIENT,
    BundleExists,
    Debit,
    DebitExists,
    DebitMissing,
    DebitPermissions,
    DebitRow,
    User,
)
from openhat.wire import Json

_BUNDLE_TAKEN = "Data bundle with such ID already exists"


def create(store: Store, hat_id: str, key: str, body: Any, user_id: str) -> Json:
    """POST /api/v2/data-debit/{key}. Raises DebitRequestMalformed (a reserved key too)."""
    rules.refuse_reserved(key)
    with store.write(hat_id) as tx:
        new_debit(tx, hat_id, key, body, user_id)
        found = _loaded(tx, hat_id, key)
    return debit_wire.rich_json(*found)


def new_debit(tx: Tx, hat_id: str, key: str, body: Any, user_id: str) -> None:
    """Store a new debit of any key (application setup makes `app-<id>` ones) and give
    `user_id` the role `datadebit:<key>`. Raises DebitRequestMalformed."""
    permissions = debit_wire.parse_legacy(body, now_ms())
    row = DebitRow(key, permissions.created_at, LEGACY_CLIENT, True, user_id)
    try:
        tx.debits.create(hat_id, row, permissions, debit_wire.legacy_bundles(body))
    except DebitExists:
        raise DebitRequestMalformed(f"Data Debit {key} already exists") from None
    except BundleExists:
        raise DebitRequestMalformed(_BUNDLE_TAKEN) from None
    tx.users.grant_role(hat_id, user_id, f"datadebit:{key}")
    tx.emit(DebitCreated(hat_id, key, user_id))


def update(store: Store, hat_id: str, key: str, body: Any) -> Json:
    """A new bundle for the debit; its id must be new (the original inserts it)."""
    with store.write(hat_id) as tx:
        _add_consent(tx, hat_id, key, body)
        found = _loaded(tx, hat_id, key)
    return debit_wire.rich_json(*found)


def _add_consent(tx: Tx, hat_id: str, key: str, body: Any) -> None:
    try:
        tx.debits.add_permissions(hat_id, key, debit_wire.parse_legacy(body, now_ms()),
                                  debit_wire.legacy_bundles(body), only_new_bundles=True)
    except DebitMissing:
        raise DebitRequestMalformed(f"Data Debit {key} does not exist") from None
    except BundleExists:
        raise DebitRequestMalformed(_BUNDLE_TAKEN) from None
    tx.emit(DebitUpdated(hat_id, key))


def enable(store: Store, hat_id: str, key: str, bundle_id: str | None) -> Json:
    """Enable the newest bundle, or the one named."""
    with store.write(hat_id) as tx:
        debit = debits.get(tx, hat_id, key)
        chosen = [p for p in debit.permissions if bundle_id in (None, p.bundle_id)]
        if not chosen:
            raise DebitRequestMalformed(f"Data Debit {key} has no bundle {bundle_id}")
        _accept(tx, hat_id, key, chosen[-1])
        found = _loaded(tx, hat_id, key)
    return debit_wire.rich_json(*found)


def _accept(tx: Tx, hat_id: str, key: str, p: DebitPermissions) -> None:
    tx.debits.set_permissions(hat_id, key, [replace(p, accepted=True, canceled_at=None)])
    tx.emit(DebitEnabled(hat_id, key))


def enable_request(tx: Tx, hat_id: str, key: str, body: Any) -> None:
    """Enable the newest consent of the debit that reads exactly what the DataDebitRequest
    `body` asks (bundle and conditions, by name and definition), adding one when there is
    none, so application setup never enables a consent that reads more than its manifest
    asks. Raises DebitRequestMalformed when one of the names is taken by another bundle."""
    wanted = debit_wire.legacy_bundles(body)
    matching = _reading(tx, hat_id, debits.get(tx, hat_id, key), wanted)
    if not matching:
        _add_consent(tx, hat_id, key, body)
        matching = _reading(tx, hat_id, debits.get(tx, hat_id, key), wanted)
    _accept(tx, hat_id, key, matching[-1])


def _reading(tx: Tx, hat_id: str, debit: Debit,
             wanted: list[tuple[str, str]]) -> list[DebitPermissions]:
    """The consents of `debit` whose bundles are `wanted` (id, JSON), oldest first."""
    names = [name for name, _ in wanted]
    if tx.bundles.unchanged(hat_id, wanted) != set(names):
        return []
    return [p for p in debit.permissions
            if [p.bundle_id] + ([p.conditions_id] if p.conditions_id is not None else [])
            == names]


def disable(store: Store, hat_id: str, key: str) -> Json:
    with store.write(hat_id) as tx:
        disable_all(tx, hat_id, key)
        found = _loaded(tx, hat_id, key)
    return debit_wire.rich_json(*found)


def disable_all(tx: Tx, hat_id: str, key: str) -> None:
    """Disable every bundle of the debit. Raises DebitNotFound (404)."""
    debit = debits.get(tx, hat_id, key)
    tx.debits.set_permissions(hat_id, key, [replace(p, accepted=False)
                                            for p in debit.permissions])
    tx.emit(DebitDisabled(hat_id, key))


def values(store: Store, hat_id: str, key: str) -> Json:
    active = rules.active_permissions(debits.get(store, hat_id, key), now_ms())
    if active is None:
        raise DebitNotEnabled(f"Data Debit {key} not enabled")
    return debits.bundle_values(store, hat_id, active)


def get_json(store: Store, hat_id: str, key: str) -> Json:
    """The RichDataDebit `key`. Raises DebitNotFound (404)."""
    return debit_wire.rich_json(*_loaded(store, hat_id, key))


def list_json(store: Store, hat_id: str) -> list[Json]:
    """Every RichDataDebit of the HAT, by key: the debits, all their bundles in one read,
    and each client user once."""
    found = store.debits.all(hat_id)
    bundles = store.bundles.get_many(hat_id, rules.bundle_ids(found))
    clients = _clients(store, hat_id, found)
    return [debit_wire.rich_json(debit, bundles, clients.get(debit.row.client_user_id or ""))
            for debit in found]


def _loaded(source: debits.Source, hat_id: str, key: str
            ) -> tuple[Debit, dict[str, str], User | None]:
    """What a RichDataDebit is made of: the debit, its bundles, its client user."""
    debit, bundles = debits.loaded(source, hat_id, key)
    return debit, bundles, _clients(source, hat_id, [debit]).get(debit.row.client_user_id or "")


def _clients(source: debits.Source, hat_id: str, found: list[Debit]) -> dict[str, User]:
    """The users who asked for the debits, by id (those still there)."""
    ids = {d.row.client_user_id for d in found if d.row.client_user_id}
    users = {user_id: source.users.by_id(hat_id, user_id) for user_id in sorted(ids)
             if user_id is not None}
    return {user_id: user for user_id, user in users.items() if user is not None}
