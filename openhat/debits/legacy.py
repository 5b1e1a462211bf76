"""The v2 data debit model (`/api/v2/data-debit`, spec 5.1 "legacy"): DataDebitRequest in,
RichDataDebit out.

Legacy debits live in the same tables as v2.6 ones: a legacy bundle (start date, end date,
rolling, enabled) is a permissions row whose period runs from start to end, cancelled at the
period's end unless rolling, accepted while enabled. So both APIs see every debit, and the
rules of activity are the same code.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from openhat import wire
from openhat.clock import now_ms
from openhat.debits import service as debits
from openhat.errors import DebitNotEnabled, DebitRequestMalformed
from openhat.identity.permissions import Role
from openhat.queries.models import parse_data_bundle
from openhat.storage.base import Store
from openhat.storage.rows import (
    BundleExists,
    Debit,
    DebitExists,
    DebitMissing,
    DebitPermissions,
    DebitRow,
    same_bundle,
)
from openhat.wire import Errors, Json, error, raise_if

_PRIMARY = ("owner", "platform", "datacredit", "datadebit")


def _parse(body: Any) -> DebitPermissions:
    """A DataDebitRequest as a (not yet stored) permissions row, plus its bundles."""
    errors: Errors = {}
    if not isinstance(body, dict):
        error(errors, "obj", "error.expected.jsobject")
        raise_if(errors)
    times = {}
    for key in ("startDate", "endDate"):
        if key not in body:
            error(errors, f"obj.{key}", "error.path.missing")
        elif (parsed := wire.parse_time(body[key])) is None:
            error(errors, f"obj.{key}", "error.expected.date.isoformat")
        else:
            times[key] = parsed
    if not isinstance(body.get("rolling"), bool):
        error(errors, "obj.rolling", "error.path.missing" if "rolling" not in body
              else "error.expected.jsboolean")
    bundle = None
    if "bundle" not in body:
        error(errors, "obj.bundle", "error.path.missing")
    else:
        bundle = parse_data_bundle(body["bundle"], "obj.bundle", errors)
    conditions = None
    if body.get("conditions") is not None:
        conditions = parse_data_bundle(body["conditions"], "obj.conditions", errors)
    if len(times) == 2:
        period = max(times["endDate"] - times["startDate"], 1)
        wire.check_range(times["startDate"], period, "obj.startDate", "obj.endDate", errors)
    raise_if(errors)
    assert bundle is not None
    return DebitPermissions(0, now_ms(), "", times["startDate"], period,
                            not body["rolling"], None, "", bundle[0],
                            conditions[0] if conditions else None, False)


def checked_request(body: Any) -> Any:
    """The route's body parser: checks a DataDebitRequest before authentication (as the
    original's typed body parsers do) and hands the JSON on."""
    _parse(body)
    return body


def _bundles(body: dict[str, Any]) -> list[tuple[str, str]]:
    conditions = body.get("conditions")
    return debits.bundles_of((body["bundle"]["name"], body["bundle"]["bundle"]),
                             None if conditions is None else
                             (conditions["name"], conditions["bundle"]))


def create(store: Store, hat_id: str, key: str, body: Any, user_id: str) -> Json:
    """POST /api/v2/data-debit/{key}. Raises DebitRequestMalformed (a reserved key too)."""
    debits.refuse_reserved(key)
    return store_new(store, hat_id, key, body, user_id)


def store_new(store: Store, hat_id: str, key: str, body: Any, user_id: str) -> Json:
    """Store a new debit of any key (application setup makes `app-<id>` ones) and give
    `user_id` the role `datadebit:<key>`. Raises DebitRequestMalformed."""
    permissions = _parse(body)
    row = DebitRow(key, permissions.created_at, "", "", "", None, None, None, True, user_id)
    try:
        store.create_debit(hat_id, row, permissions, _bundles(body))
    except DebitExists:
        raise DebitRequestMalformed(f"Data Debit {key} already exists") from None
    except BundleExists:
        raise DebitRequestMalformed("Data bundle with such ID already exists") from None
    with store.write(hat_id) as tx:
        tx.users.grant_role(hat_id, user_id, f"datadebit:{key}")
    return rich_json(store, hat_id, debits.get(store, hat_id, key))


def update(store: Store, hat_id: str, key: str, body: Any) -> Json:
    """A new bundle for the debit; its id must be new (the original inserts it)."""
    permissions = _parse(body)
    try:
        store.add_debit_permissions(hat_id, key, permissions, _bundles(body),
                                    only_new_bundles=True)
    except DebitMissing:
        raise DebitRequestMalformed(f"Data Debit {key} does not exist") from None
    except BundleExists:
        raise DebitRequestMalformed("Data bundle with such ID already exists") from None
    return rich_json(store, hat_id, debits.get(store, hat_id, key))


def enable(store: Store, hat_id: str, key: str, bundle_id: str | None) -> Json:
    """Enable the newest bundle, or the one named."""
    debit = debits.get(store, hat_id, key)
    chosen = [p for p in debit.permissions if bundle_id in (None, p.bundle_id)]
    if not chosen:
        raise DebitRequestMalformed(f"Data Debit {key} has no bundle {bundle_id}")
    target = chosen[-1]
    store.set_debit_permissions(hat_id, key, [replace(target, accepted=True, canceled_at=None)])
    return rich_json(store, hat_id, debits.get(store, hat_id, key))


def enable_request(store: Store, hat_id: str, key: str, body: Any) -> None:
    """Enable the newest consent of the debit that reads exactly what the DataDebitRequest
    `body` asks (bundle and conditions, by name and definition), adding one when there is
    none, so application setup never enables a consent that reads more than its manifest
    asks. Raises DebitRequestMalformed when one of the names is taken by another bundle."""
    wanted = _bundles(body)
    matching = _reading(store, hat_id, debits.get(store, hat_id, key), wanted)
    if not matching:
        update(store, hat_id, key, body)
        matching = _reading(store, hat_id, debits.get(store, hat_id, key), wanted)
    store.set_debit_permissions(hat_id, key, [replace(matching[-1], accepted=True,
                                                      canceled_at=None)])


def _reading(store: Store, hat_id: str, debit: Debit,
             wanted: list[tuple[str, str]]) -> list[DebitPermissions]:
    """The consents of `debit` whose bundles are `wanted` (id, JSON), oldest first."""
    def reads(p: DebitPermissions) -> bool:
        names = [p.bundle_id] + ([p.conditions_id] if p.conditions_id is not None else [])
        stored = [store.bundle(hat_id, name) for name in names]
        return names == [name for name, _ in wanted] and all(
            text is not None and same_bundle(text, bundle)
            for text, (_, bundle) in zip(stored, wanted, strict=True))

    return [p for p in debit.permissions if reads(p)]


def disable(store: Store, hat_id: str, key: str) -> Json:
    debit = debits.get(store, hat_id, key)
    store.set_debit_permissions(hat_id, key, [replace(p, accepted=False)
                                              for p in debit.permissions])
    return rich_json(store, hat_id, debits.get(store, hat_id, key))


def values(store: Store, hat_id: str, key: str) -> Json:
    debit = debits.get(store, hat_id, key)
    active = debits.active_permissions(debit, now_ms())
    if active is None:
        raise DebitNotEnabled(f"Data Debit {key} not enabled")
    return debits.bundle_values(store, hat_id, active.bundle_id, active.conditions_id)


def rich_json(store: Store, hat_id: str, debit: Debit) -> Json:
    """RichDataDebit: the debit, the user who asked for it, and its bundles."""
    bundles = []
    for p in debit.permissions:
        item: Json = {"dateCreated": wire.local_datetime(p.created_at),
                      "startDate": wire.local_datetime(p.start),
                      "endDate": wire.local_datetime(p.start + p.period),
                      "rolling": not p.cancel_at_period_end,
                      "enabled": p.accepted and p.canceled_at is None}
        if p.conditions_id is not None:
            item["conditions"] = debits.bundle_json(store, hat_id, p.conditions_id)
        item["bundle"] = debits.bundle_json(store, hat_id, p.bundle_id)
        bundles.append(item)
    return {"dataDebitKey": debit.row.debit_key,
            "dateCreated": wire.local_datetime(debit.row.created_at),
            "client": _user_json(store, hat_id, debit.row.client_user_id), "bundles": bundles}


def _user_json(store: Store, hat_id: str, user_id: str | None) -> Json:
    user = store.users.by_id(hat_id, user_id) if user_id else None
    if user is None:
        return {"userId": user_id or "", "email": "", "name": "", "role": "validate",
                "roles": []}
    roles = [Role.parse(r) for r in user.roles]
    kinds = [r.kind for r in roles]
    primary = next((k for k in _PRIMARY if k in kinds), "validate")
    return {"userId": user.user_id, "email": user.username, "name": user.username,
            "role": primary,
            "roles": [{"role": r.kind, "detail": r.extra} if r.extra else {"role": r.kind}
                      for r in roles]}
