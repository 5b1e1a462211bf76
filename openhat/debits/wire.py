"""Data debits on the wire: the v2.6 DataDebitSetupRequest and the legacy v2
DataDebitRequest in, DataDebit and RichDataDebit out.

Serialisers work on rows already loaded (the debits, the JSON text of their bundles by id,
the legacy client user): they never query, so a listing of many debits costs the same few
queries as one (debits/service.py loads them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from openhat import wire
from openhat.accounts.wire import user_json
from openhat.debits.rules import active_permissions, is_active, permissions_end
from openhat.queries.models import parse_data_bundle
from openhat.storage.rows import Debit, DebitClient, DebitPermissions, User
from openhat.wire import Errors, Json, dumps, error, is_object, raise_if

# --- the v2.6 request ------------------------------------------------------------------------

@dataclass(frozen=True)
class SetupRequest:
    """A DataDebitSetupRequest (v2.6 create and update)."""

    purpose: str
    start: int
    period: int
    cancel_at_period_end: bool
    client: DebitClient
    terms_url: str
    bundle: tuple[str, Any]
    conditions: tuple[str, Any] | None


_STRINGS = ("purpose", "requestClientName", "requestClientUrl", "requestClientLogoUrl",
            "termsUrl")
_OPTIONAL = ("requestClientCallbackUrl", "requestApplicationId", "requestDescription")


def parse_setup(body: Any) -> SetupRequest:
    """Raises BadRequest with JsError-shaped messages, as the original's body parser."""
    errors: Errors = {}
    if not is_object(body, "obj", errors):
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
    bundle, conditions = _bundle_and_conditions(body, errors)
    raise_if(errors)
    assert bundle is not None and start is not None and period is not None
    client = DebitClient(body["requestClientName"], body["requestClientUrl"],
                         body["requestClientLogoUrl"], body.get("requestClientCallbackUrl"),
                         body.get("requestApplicationId"), body.get("requestDescription"))
    return SetupRequest(body["purpose"], start, period, body["cancelAtPeriodEnd"], client,
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


def _bundle_and_conditions(body: dict[str, Any], errors: Errors
                           ) -> tuple[tuple[str, Any] | None, tuple[str, Any] | None]:
    bundle = None
    if "bundle" not in body:
        error(errors, "obj.bundle", "error.path.missing")
    else:
        bundle = parse_data_bundle(body["bundle"], "obj.bundle", errors)
    conditions = None
    if body.get("conditions") is not None:
        conditions = parse_data_bundle(body["conditions"], "obj.conditions", errors)
    return bundle, conditions


def bundles_of(bundle: tuple[str, Any],
               conditions: tuple[str, Any] | None) -> list[tuple[str, str]]:
    """The (id, JSON text) of a consent's bundle and conditions, as storage takes them."""
    found = [(bundle[0], dumps(bundle[1]).decode())]
    if conditions is not None:
        found.append((conditions[0], dumps(conditions[1]).decode()))
    return found


# --- the legacy request ----------------------------------------------------------------------

def parse_legacy(body: Any, now: int) -> DebitPermissions:
    """A DataDebitRequest as a (not yet stored) permissions row created at `now`: its period
    runs from startDate to endDate, cancelled at the period's end unless rolling. Raises
    BadRequest with JsError-shaped messages."""
    errors: Errors = {}
    if not is_object(body, "obj", errors):
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
    bundle, conditions = _bundle_and_conditions(body, errors)
    if len(times) == 2:
        period = max(times["endDate"] - times["startDate"], 1)
        wire.check_range(times["startDate"], period, "obj.startDate", "obj.endDate", errors)
    raise_if(errors)
    assert bundle is not None
    return DebitPermissions(0, now, "", times["startDate"], period,
                            not body["rolling"], None, "", bundle[0],
                            conditions[0] if conditions else None, False)


def checked_request(body: Any) -> Any:
    """The route's body parser: checks a DataDebitRequest before authentication (as the
    original's typed body parsers do) and hands the JSON on."""
    parse_legacy(body, 0)
    return body


def legacy_bundles(body: dict[str, Any]) -> list[tuple[str, str]]:
    """The (id, JSON text) of a checked DataDebitRequest's bundle and conditions."""
    conditions = body.get("conditions")
    return bundles_of((body["bundle"]["name"], body["bundle"]["bundle"]),
                      None if conditions is None else (conditions["name"], conditions["bundle"]))


# --- responses -------------------------------------------------------------------------------

def bundle_json(bundle_id: str, bundles: Mapping[str, str]) -> Json:
    """An EndpointDataBundle from the loaded bundle texts (`{}` for one no longer stored)."""
    return {"name": bundle_id, "bundle": orjson.Fragment(bundles.get(bundle_id, "{}"))}


def permissions_json(p: DebitPermissions, bundles: Mapping[str, str], now: int) -> Json:
    out: Json = {"dateCreated": wire.local_datetime(p.created_at), "purpose": p.purpose,
                 "start": wire.joda_datetime(p.start), "period": p.period,
                 "cancelAtPeriodEnd": p.cancel_at_period_end}
    if p.canceled_at is not None:
        out["canceledAt"] = wire.joda_datetime(p.canceled_at)
    out["termsUrl"] = p.terms_url
    if p.conditions_id is not None:
        out["conditions"] = bundle_json(p.conditions_id, bundles)
    out["bundle"] = bundle_json(p.bundle_id, bundles)
    out["accepted"] = p.accepted
    out["active"] = is_active(p, now)
    end = permissions_end(p)
    if end is not None:
        out["end"] = wire.joda_datetime(end)
    return out


def debit_json(debit: Debit, bundles: Mapping[str, str], now: int) -> Json:
    """The v2.6 DataDebit: permissions newest first, the active and the latest repeated."""
    row = debit.row
    perms = [permissions_json(p, bundles, now) for p in reversed(debit.permissions)]
    out: Json = {"dataDebitKey": row.debit_key, "dateCreated": wire.local_datetime(row.created_at),
                 "permissions": perms, "requestClientName": row.client.name,
                 "requestClientUrl": row.client.url,
                 "requestClientLogoUrl": row.client.logo_url}
    if row.client.application_id is not None:
        out["requestApplicationId"] = row.client.application_id
    if row.client.description is not None:
        out["requestDescription"] = row.client.description
    active = active_permissions(debit, now)
    out["active"] = active is not None
    out["accepted"] = bool(debit.permissions) and debit.permissions[-1].accepted
    if active is not None:
        out["start"] = wire.joda_datetime(active.start)
        end = permissions_end(active)
        if end is not None:
            out["end"] = wire.joda_datetime(end)
        out["permissionsActive"] = permissions_json(active, bundles, now)
    if perms:
        out["permissionsLatest"] = perms[0]
    return out


def rich_json(debit: Debit, bundles: Mapping[str, str], client: User | None) -> Json:
    """RichDataDebit: the debit, the user who asked for it (`client`, loaded), its bundles."""
    items = []
    for p in debit.permissions:
        item: Json = {"dateCreated": wire.local_datetime(p.created_at),
                      "startDate": wire.local_datetime(p.start),
                      "endDate": wire.local_datetime(p.start + p.period),
                      "rolling": not p.cancel_at_period_end,
                      "enabled": p.accepted and p.canceled_at is None}
        if p.conditions_id is not None:
            item["conditions"] = bundle_json(p.conditions_id, bundles)
        item["bundle"] = bundle_json(p.bundle_id, bundles)
        items.append(item)
    return {"dataDebitKey": debit.row.debit_key,
            "dateCreated": wire.local_datetime(debit.row.created_at),
            "client": _user_json(client, debit.row.client_user_id), "bundles": items}


def _user_json(user: User | None, user_id: str | None) -> Json:
    if user is None:
        return {"userId": user_id or "", "email": "", "name": "", "role": "validate",
                "roles": []}
    return user_json(user)
