"""Data debits (spec 5.1): an owner's consent for a party to read one bundle, for a while.

A debit keeps every consent it was given as a permissions row: creating it stores the first
(not yet accepted), each update adds one, enabling accepts the newest, disabling cancels
them all (at once, or at the end of the current period). The party that created it holds
the role `datadebit:<key>` and reads the bundle's data through `values`, which answers only
while a permissions row is active, and only with what the bundle selects.

A consent is immutable: an update may name a bundle already stored only when it is the
debit's own and unchanged (storage refuses the rest), and keys `app-<id>` are left to
application setup (applications.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import orjson

from openhat import wire
from openhat.clock import now_ms
from openhat.errors import BadRequest, DebitNotEnabled, DebitNotFound, DebitRequestMalformed
from openhat.queries import service as queries
from openhat.queries.models import PropertyQuery, parse_bundle, parse_data_bundle
from openhat.storage.base import Store
from openhat.storage.rows import (
    BundleExists,
    Debit,
    DebitExists,
    DebitMissing,
    DebitPermissions,
    DebitRow,
)
from openhat.wire import Errors, Json, error, raise_if

# --- activity ------------------------------------------------------------------------------

def permissions_end(p: DebitPermissions) -> int | None:
    """When a consent ends: at cancellation, at the end of the period running when it was
    cancelled (cancelAtPeriodEnd), after one period (not cancelled, cancelAtPeriodEnd), or
    never (MODELS `DataDebitPermissions.end`)."""
    if p.canceled_at is not None and not p.cancel_at_period_end:
        return p.canceled_at
    if p.canceled_at is not None:
        periods = max(0, math.ceil((p.canceled_at - p.start) / p.period))
        return p.start + periods * p.period
    return p.start + p.period if p.cancel_at_period_end else None


def is_active(p: DebitPermissions, now: int) -> bool:
    end = permissions_end(p)
    return p.accepted and p.start <= now and (end is None or end > now)


def active_permissions(debit: Debit, now: int) -> DebitPermissions | None:
    """The newest active consent."""
    active = [p for p in debit.permissions if is_active(p, now)]
    return active[-1] if active else None


# --- requests ------------------------------------------------------------------------------

@dataclass(frozen=True)
class SetupRequest:
    """A DataDebitSetupRequest (v2.6 create and update)."""

    purpose: str
    start: int
    period: int
    cancel_at_period_end: bool
    client_name: str
    client_url: str
    client_logo_url: str
    client_callback_url: str | None
    application_id: str | None
    description: str | None
    terms_url: str
    bundle: tuple[str, Any]
    conditions: tuple[str, Any] | None


_STRINGS = ("purpose", "requestClientName", "requestClientUrl", "requestClientLogoUrl",
            "termsUrl")
_OPTIONAL = ("requestClientCallbackUrl", "requestApplicationId", "requestDescription")


def parse_setup(body: Any) -> SetupRequest:
    """Raises BadRequest with JsError-shaped messages, as the original's body parser."""
    errors: Errors = {}
    if not isinstance(body, dict):
        error(errors, "obj", "error.expected.jsobject")
        raise_if(errors)
    for key in _STRINGS:
        _need(body, key, str, "error.expected.jsstring", errors)
    for key in _OPTIONAL:
        if body.get(key) is not None and not isinstance(body[key], str):
            error(errors, f"obj.{key}", "error.expected.jsstring")
    _need(body, "cancelAtPeriodEnd", bool, "error.expected.jsboolean", errors)
    start = _need_parsed(body, "start", wire.parse_time, "error.expected.date.isoformat", errors)
    period = _need_parsed(body, "period", wire.parse_period, "error.expected.duration", errors)
    if period is not None and period <= 0:
        error(errors, "obj.period", "error.min")
    elif start is not None and period is not None:
        wire.check_range(start, period, "obj.start", "obj.period", errors)
    bundle = None
    if "bundle" not in body:
        error(errors, "obj.bundle", "error.path.missing")
    else:
        bundle = parse_data_bundle(body["bundle"], "obj.bundle", errors)
    conditions = None
    if body.get("conditions") is not None:
        conditions = parse_data_bundle(body["conditions"], "obj.conditions", errors)
    raise_if(errors)
    assert bundle is not None and start is not None and period is not None
    return SetupRequest(body["purpose"], start, period, body["cancelAtPeriodEnd"],
                        body["requestClientName"], body["requestClientUrl"],
                        body["requestClientLogoUrl"], body.get("requestClientCallbackUrl"),
                        body.get("requestApplicationId"), body.get("requestDescription"),
                        body["termsUrl"], bundle, conditions)


def _need(body: dict[str, Any], key: str, kind: type, msg: str, errors: Errors) -> None:
    if key not in body:
        error(errors, f"obj.{key}", "error.path.missing")
    elif not isinstance(body[key], kind):
        error(errors, f"obj.{key}", msg)


def _need_parsed(body: dict[str, Any], key: str, parse: Any, msg: str,
                 errors: Errors) -> Any:
    if key not in body:
        error(errors, f"obj.{key}", "error.path.missing")
        return None
    value = parse(body[key])
    if value is None:
        error(errors, f"obj.{key}", msg)
    return value


def bundles_of(bundle: tuple[str, Any],
               conditions: tuple[str, Any] | None) -> list[tuple[str, str]]:
    found = [(bundle[0], orjson.dumps(bundle[1]).decode())]
    if conditions is not None:
        found.append((conditions[0], orjson.dumps(conditions[1]).decode()))
    return found


# --- operations ----------------------------------------------------------------------------

APPLICATION_KEY_PREFIX = "app-"


def refuse_reserved(key: str) -> None:
    """Raises DebitRequestMalformed for a key of the form `app-<id>`: only application setup
    creates those, else a debit made in advance would be enabled by that application's setup."""
    if key.startswith(APPLICATION_KEY_PREFIX):
        raise DebitRequestMalformed(f"Data Debit request malformed: Data Debit keys starting"
                                    f" with {APPLICATION_KEY_PREFIX} are reserved for"
                                    " application setup")


def _permissions(req: SetupRequest, now: int) -> DebitPermissions:
    return DebitPermissions(0, now, req.purpose, req.start, req.period,
                            req.cancel_at_period_end, None, req.terms_url, req.bundle[0],
                            req.conditions[0] if req.conditions else None, False)


def create(store: Store, hat_id: str, key: str, req: SetupRequest, user_id: str) -> Json:
    """Store a new debit and give its creator the role `datadebit:<key>`. Raises
    DebitRequestMalformed for a taken key or bundle name, or a reserved key."""
    refuse_reserved(key)
    now = now_ms()
    row = DebitRow(key, now, req.client_name, req.client_url, req.client_logo_url,
                   req.client_callback_url, req.application_id, req.description, False, user_id)
    try:
        store.create_debit(hat_id, row, _permissions(req, now),
                           bundles_of(req.bundle, req.conditions))
    except DebitExists:
        raise DebitRequestMalformed("Data Debit request malformed: Data Debit with such ID"
                                    " already exists") from None
    except BundleExists:
        raise DebitRequestMalformed("Data Debit request malformed: Data bundle with such ID"
                                    " already exists") from None
    with store.write(hat_id) as tx:
        tx.users.grant_role(hat_id, user_id, f"datadebit:{key}")
    return debit_json(store, hat_id, get(store, hat_id, key))


def update(store: Store, hat_id: str, key: str, req: SetupRequest) -> Json:
    """A new consent for an existing debit (not accepted until enabled)."""
    try:
        store.add_debit_permissions(hat_id, key, _permissions(req, now_ms()),
                                    bundles_of(req.bundle, req.conditions),
                                    only_new_bundles=False)
    except DebitMissing:
        raise DebitRequestMalformed("Data Debit request malformed: Data Debit being updated"
                                    " does not exist") from None
    except BundleExists:
        raise DebitRequestMalformed("Data Debit request malformed: Data bundle with such ID"
                                    " already exists") from None
    return debit_json(store, hat_id, get(store, hat_id, key))


def get(store: Store, hat_id: str, key: str) -> Debit:
    """Raises DebitNotFound (404)."""
    debit = store.debit(hat_id, key)
    if debit is None:
        raise DebitNotFound(f"Data Debit {key} not found")
    return debit


def _existing(store: Store, hat_id: str, key: str) -> Debit:
    """For enable/disable, which answer 400 with message "Not Found" (as the original)."""
    debit = store.debit(hat_id, key)
    if debit is None:
        raise DebitNotFound("Data Debit with this ID does not exist", status=400)
    return debit


def enable(store: Store, hat_id: str, key: str) -> Json:
    """Accept the newest consent (and only it), lifting any cancellation of it."""
    debit = _existing(store, hat_id, key)
    newest = debit.permissions[-1].permissions_id
    store.set_debit_permissions(hat_id, key, [
        replace(p, accepted=p.permissions_id == newest,
                canceled_at=None if p.permissions_id == newest else p.canceled_at)
        for p in debit.permissions])
    return debit_json(store, hat_id, get(store, hat_id, key))


def disable(store: Store, hat_id: str, key: str, at_period_end: bool) -> Json:
    debit = _existing(store, hat_id, key)
    now = now_ms()
    store.set_debit_permissions(hat_id, key, [
        replace(p, canceled_at=now, cancel_at_period_end=at_period_end)
        for p in debit.permissions])
    return debit_json(store, hat_id, get(store, hat_id, key))


def values(store: Store, hat_id: str, key: str) -> Json:
    """The active consent's bundle data; with conditions, only when every condition property
    finds a record (else `"bundle": {}`). Raises DebitNotFound, or 400 when not active."""
    debit = get(store, hat_id, key)
    active = active_permissions(debit, now_ms())
    if active is None:
        raise DebitNotEnabled(f"Data Debit {key} not enabled")
    return bundle_values(store, hat_id, active.bundle_id, active.conditions_id)


def bundle_values(store: Store, hat_id: str, bundle_id: str,
                  conditions_id: str | None) -> Json:
    out: Json = {}
    if conditions_id is not None:
        conditions = {name: bool(queries.property_data(store, hat_id, _first(prop)))
                      for name, prop in _stored_bundle(store, hat_id, conditions_id).items()}
        out["conditions"] = conditions
        if not all(conditions.values()):
            out["bundle"] = {}
            return out
    out["bundle"] = queries.bundle_data(store, hat_id, _stored_bundle(store, hat_id, bundle_id))
    return out


def _first(prop: PropertyQuery) -> PropertyQuery:
    """A condition only asks whether a record exists: one is enough."""
    return replace(prop, limit=1)


def _stored_bundle(store: Store, hat_id: str, bundle_id: str) -> dict[str, PropertyQuery]:
    text = store.bundle(hat_id, bundle_id)
    return parse_bundle(orjson.loads(text)) if text is not None else {}


def require_flag(raw: str | None, name: str) -> bool:
    """A required boolean query parameter (`atPeriodEnd`)."""
    if raw is None:
        raise BadRequest(f"Missing parameter: {name}")
    if raw.lower() not in ("true", "false"):
        raise BadRequest(f"Cannot parse parameter {name} as Boolean: should be true or false")
    return raw.lower() == "true"


# --- JSON ----------------------------------------------------------------------------------

def bundle_json(store: Store, hat_id: str, bundle_id: str) -> Json:
    text = store.bundle(hat_id, bundle_id) or "{}"
    return {"name": bundle_id, "bundle": orjson.Fragment(text)}


def permissions_json(store: Store, hat_id: str, p: DebitPermissions, now: int) -> Json:
    out: Json = {"dateCreated": wire.local_datetime(p.created_at), "purpose": p.purpose,
                 "start": wire.joda_datetime(p.start), "period": p.period,
                 "cancelAtPeriodEnd": p.cancel_at_period_end}
    if p.canceled_at is not None:
        out["canceledAt"] = wire.joda_datetime(p.canceled_at)
    out["termsUrl"] = p.terms_url
    if p.conditions_id is not None:
        out["conditions"] = bundle_json(store, hat_id, p.conditions_id)
    out["bundle"] = bundle_json(store, hat_id, p.bundle_id)
    out["accepted"] = p.accepted
    out["active"] = is_active(p, now)
    end = permissions_end(p)
    if end is not None:
        out["end"] = wire.joda_datetime(end)
    return out


def debit_json(store: Store, hat: str, debit: Debit) -> Json:
    """The v2.6 DataDebit: permissions newest first, the active and the latest repeated."""
    now = now_ms()
    row = debit.row
    perms = [permissions_json(store, hat, p, now) for p in reversed(debit.permissions)]
    out: Json = {"dataDebitKey": row.debit_key, "dateCreated": wire.local_datetime(row.created_at),
                 "permissions": perms, "requestClientName": row.client_name,
                 "requestClientUrl": row.client_url,
                 "requestClientLogoUrl": row.client_logo_url}
    if row.application_id is not None:
        out["requestApplicationId"] = row.application_id
    if row.description is not None:
        out["requestDescription"] = row.description
    active = active_permissions(debit, now)
    out["active"] = active is not None
    out["accepted"] = bool(debit.permissions) and debit.permissions[-1].accepted
    if active is not None:
        out["start"] = wire.joda_datetime(active.start)
        end = permissions_end(active)
        if end is not None:
            out["end"] = wire.joda_datetime(end)
        out["permissionsActive"] = permissions_json(store, hat, active, now)
    if perms:
        out["permissionsLatest"] = perms[0]
    return out
