"""Data debits (spec 5.1): an owner's consent for a party to read one bundle, for a while.

A debit keeps every consent it was given as a permissions row: creating it stores the first
(not yet accepted), each update adds one, enabling accepts the newest, disabling cancels
them all (at once, or at the end of the current period). The party that created it holds
the role `datadebit:<key>` and reads the bundle's data through `values`, which answers only
while a permissions row is active, and only with what the bundle selects.

A consent is immutable: an update may name a bundle already stored only when it is the
debit's own and unchanged (storage refuses the rest), and keys `app-<id>` are left to
application setup (applications/service.py).

Each change is one unit of work (`store.write(hat_id)`) that also reads back the debit it
answers with; the activity rules are in rules.py, the wire models in wire.py.
"""

from __future__ import annotations

from dataclasses import replace

from openhat.clock import now_ms
from openhat.debits import rules
from openhat.debits import wire as debit_wire
from openhat.debits.wire import SetupRequest
from openhat.errors import DebitNotEnabled, DebitNotFound, DebitRequestMalformed
from openhat.events import DebitCreated, DebitDisabled, DebitEnabled, DebitUpdated
from openhat.queries import service as queries
from openhat.queries.models import PropertyQuery, parse_bundle
from openhat.storage.base import Store, Tx
from openhat.storage.rows import (
    BundleExists,
    Debit,
    DebitExists,
    DebitMissing,
    DebitPermissions,
    DebitRow,
)
from openhat.wire import Json, parse_json

Source = Store | Tx  # where a read goes: the store, or the open unit of work
BUNDLE_TAKEN = "Data Debit request malformed: Data bundle with such ID already exists"


def _permissions(req: SetupRequest, now: int) -> DebitPermissions:
    return DebitPermissions(0, now, req.purpose, req.start, req.period,
                            req.cancel_at_period_end, None, req.terms_url, req.bundle[0],
                            req.conditions[0] if req.conditions else None, False)


def create(store: Store, hat_id: str, key: str, req: SetupRequest, user_id: str) -> Json:
    """Store a new debit and give its creator the role `datadebit:<key>`, in one unit of
    work. Raises DebitRequestMalformed for a taken key or bundle name, or a reserved key."""
    rules.refuse_reserved(key)
    now = now_ms()
    row = DebitRow(key, now, req.client, False, user_id)
    with store.write(hat_id) as tx:
        try:
            tx.debits.create(hat_id, row, _permissions(req, now),
                             debit_wire.bundles_of(req.bundle, req.conditions))
        except DebitExists:
            raise DebitRequestMalformed("Data Debit request malformed: Data Debit with such"
                                        " ID already exists") from None
        except BundleExists:
            raise DebitRequestMalformed(BUNDLE_TAKEN) from None
        tx.users.grant_role(hat_id, user_id, f"datadebit:{key}")
        tx.emit(DebitCreated(hat_id, key, user_id))
        debit, bundles = loaded(tx, hat_id, key)
    return debit_wire.debit_json(debit, bundles, now_ms())


def update(store: Store, hat_id: str, key: str, req: SetupRequest) -> Json:
    """A new consent for an existing debit (not accepted until enabled)."""
    with store.write(hat_id) as tx:
        try:
            tx.debits.add_permissions(hat_id, key, _permissions(req, now_ms()),
                                      debit_wire.bundles_of(req.bundle, req.conditions),
                                      only_new_bundles=False)
        except DebitMissing:
            raise DebitRequestMalformed("Data Debit request malformed: Data Debit being"
                                        " updated does not exist") from None
        except BundleExists:
            raise DebitRequestMalformed(BUNDLE_TAKEN) from None
        tx.emit(DebitUpdated(hat_id, key))
        debit, bundles = loaded(tx, hat_id, key)
    return debit_wire.debit_json(debit, bundles, now_ms())


def get(source: Source, hat_id: str, key: str) -> Debit:
    """Raises DebitNotFound (404)."""
    debit = source.debits.get(hat_id, key)
    if debit is None:
        raise DebitNotFound(f"Data Debit {key} not found")
    return debit


def loaded(source: Source, hat_id: str, key: str) -> tuple[Debit, dict[str, str]]:
    """The debit and the JSON text of the bundles its consents name (two reads and one).
    Raises DebitNotFound (404)."""
    debit = get(source, hat_id, key)
    return debit, source.bundles.get_many(hat_id, rules.bundle_ids([debit]))


def get_json(store: Store, hat_id: str, key: str) -> Json:
    """The DataDebit `key`. Raises DebitNotFound (404)."""
    debit, bundles = loaded(store, hat_id, key)
    return debit_wire.debit_json(debit, bundles, now_ms())


def list_json(store: Store, hat_id: str) -> list[Json]:
    """Every DataDebit of the HAT, by key: the debits and all their bundles in three reads."""
    found = store.debits.all(hat_id)
    bundles = store.bundles.get_many(hat_id, rules.bundle_ids(found))
    now = now_ms()
    return [debit_wire.debit_json(debit, bundles, now) for debit in found]


def _existing(tx: Tx, hat_id: str, key: str) -> Debit:
    """For enable/disable, which answer 400 with message "Not Found" (as the original)."""
    debit = tx.debits.get(hat_id, key)
    if debit is None:
        raise DebitNotFound("Data Debit with this ID does not exist", status=400)
    return debit


def enable(store: Store, hat_id: str, key: str) -> Json:
    """Accept the newest consent (and only it), lifting any cancellation of it."""
    with store.write(hat_id) as tx:
        debit = _existing(tx, hat_id, key)
        newest = debit.permissions[-1].permissions_id
        tx.debits.set_permissions(hat_id, key, [
            replace(p, accepted=p.permissions_id == newest,
                    canceled_at=None if p.permissions_id == newest else p.canceled_at)
            for p in debit.permissions])
        tx.emit(DebitEnabled(hat_id, key))
        debit, bundles = loaded(tx, hat_id, key)
    return debit_wire.debit_json(debit, bundles, now_ms())


def disable(store: Store, hat_id: str, key: str, at_period_end: bool) -> Json:
    """Cancel every consent, now or at the end of the running period."""
    with store.write(hat_id) as tx:
        debit = _existing(tx, hat_id, key)
        now = now_ms()
        tx.debits.set_permissions(hat_id, key, [
            replace(p, canceled_at=now, cancel_at_period_end=at_period_end)
            for p in debit.permissions])
        tx.emit(DebitDisabled(hat_id, key))
        debit, bundles = loaded(tx, hat_id, key)
    return debit_wire.debit_json(debit, bundles, now_ms())


def values(store: Store, hat_id: str, key: str) -> Json:
    """The active consent's bundle data; with conditions, only when every condition property
    finds a record (else `"bundle": {}`). Raises DebitNotFound, or 400 when not active."""
    active = rules.active_permissions(get(store, hat_id, key), now_ms())
    if active is None:
        raise DebitNotEnabled(f"Data Debit {key} not enabled")
    return bundle_values(store, hat_id, active)


def bundle_values(store: Store, hat_id: str, active: DebitPermissions) -> Json:
    """The data of an active consent's bundle, when its conditions hold (see `values`)."""
    names = [active.bundle_id] + ([] if active.conditions_id is None else [active.conditions_id])
    texts = store.bundles.get_many(hat_id, names)
    out: Json = {}
    if active.conditions_id is not None:
        conditions = {name: bool(queries.property_data(store, hat_id, _first(prop)))
                      for name, prop in _parsed(texts, active.conditions_id).items()}
        out["conditions"] = conditions
        if not all(conditions.values()):
            out["bundle"] = {}
            return out
    out["bundle"] = queries.bundle_data(store, hat_id, _parsed(texts, active.bundle_id))
    return out


def _first(prop: PropertyQuery) -> PropertyQuery:
    """A condition only asks whether a record exists: one is enough."""
    return replace(prop, limit=1)


def _parsed(texts: dict[str, str], bundle_id: str) -> dict[str, PropertyQuery]:
    text = texts.get(bundle_id)
    return parse_bundle(parse_json(text)) if text is not None else {}


def readable_endpoints(store: Store, hat_id: str, key: str) -> frozenset[str]:
    """The endpoints the holder of debit `key` may read now: those its active consent's
    bundle selects (links included); none while no consent is active or the debit is
    unknown (change notifications, docs/events.md)."""
    debit = store.debits.get(hat_id, key)
    active = None if debit is None else rules.active_permissions(debit, now_ms())
    if active is None:
        return frozenset()
    bundle = _parsed(store.bundles.get_many(hat_id, [active.bundle_id]), active.bundle_id)
    found: set[str] = set()
    queue = [query for prop in bundle.values() for query in prop.endpoints]
    while queue:
        query = queue.pop()
        found.add(query.endpoint)
        queue.extend(query.links)
    return frozenset(found)
