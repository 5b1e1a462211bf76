"""Reading the change log as events, for a reader allowed some endpoints (docs/events.md).

Who may read what is decided now, each time: the owner everything, an application the
namespaces it is granted, the holder of a data debit the endpoints of the bundle of the
debit's active consent. Event streams and webhooks both read through `read_after`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import orjson

from openhat.clock import HOUR_MS, now_ms
from openhat.debits import service as debits
from openhat.errors import BadRequest, Forbidden, Gone
from openhat.identity import permissions
from openhat.identity.permissions import Principal
from openhat.records.wire import valid_endpoint
from openhat.storage.base import Store
from openhat.storage.rows import User
from openhat.storage.sql.changes import ACCESS
from openhat.wire import ascii_digits, whole_number

ROWS_PER_READ = 100


@dataclass(frozen=True)
class Reader:
    """What one caller may read at the moment it was made."""

    principal: Principal
    debit_endpoints: frozenset[str] = frozenset()

    def may_read(self, endpoint: str) -> bool:
        return permissions.read_namespace(self.principal, endpoint.split("/")[0]) \
            or endpoint in self.debit_endpoints

    def may_read_any(self) -> bool:
        p = self.principal
        granted = p.app_roles if p.application is not None else p.user_roles
        return permissions.read_namespace(p, "*") or bool(self.debit_endpoints) or any(
            r.kind in ("namespaceread", "owner") for r in granted)


def reader(store: Store, hat_id: str, user: User, principal: Principal) -> Reader:
    """The caller's Reader: its principal, and for a user token the endpoints of the debits
    it holds that are active."""
    found: frozenset[str] = frozenset()
    if principal.application is None:
        for role in principal.user_roles:
            if role.kind == "datadebit" and role.extra:
                found |= debits.readable_endpoints(store, hat_id, role.extra)
    return Reader(principal, found)


@dataclass(frozen=True)
class Selection:
    """The endpoints (and everything under them) a stream or webhook asked for; none: all
    that its reader may read."""

    prefixes: tuple[str, ...] = ()

    def wants(self, endpoint: str) -> bool:
        return not self.prefixes or any(endpoint == p or endpoint.startswith(p + "/")
                                        for p in self.prefixes)

    def check(self, found: Reader) -> None:
        """Raises Forbidden unless the reader may read every prefix asked for (or, asking
        for none, anything at all)."""
        if not self.prefixes:
            if not found.may_read_any():
                raise Forbidden("Access Denied: nothing this token may read")
            return
        refused = [p for p in self.prefixes if not found.may_read(p)]
        if refused:
            raise Forbidden(f"Access Denied: not allowed to read {', '.join(refused)}")


def selection(values: Sequence[str]) -> Selection:
    """The `endpoint` parameters (`ns` or `ns/ep`). Raises BadRequest for a bad name."""
    for value in values:
        if not valid_endpoint(value) or value.endswith("/") or "//" in value:
            raise BadRequest(f"Endpoint invalid: {value}")
    return Selection(tuple(dict.fromkeys(values)))


def opening(store: Store, hat_id: str, user: User, principal: Principal, wanted: Selection,
            last_event_id: str | None) -> tuple[Reader, int]:
    """The caller's Reader and the event id a new stream starts after. Raises Forbidden
    (see Selection.check), Gone or BadRequest (see start_after)."""
    found = reader(store, hat_id, user, principal)
    wanted.check(found)
    return found, start_after(store, hat_id, last_event_id)


def still_reading(store: Store, hat_id: str, user: User, principal: Principal,
                  wanted: Selection) -> Reader | None:
    """The caller's Reader now, or None when it may no longer read what it asked for."""
    found = reader(store, hat_id, user, principal)
    try:
        wanted.check(found)
    except Forbidden:
        return None
    return found


@dataclass(frozen=True)
class Change:
    event_id: int
    kind: str  # created, updated or deleted
    endpoint: str
    record_id: str | None  # None: every record of the endpoint was deleted
    data: orjson.Fragment | None = None

    def payload(self) -> dict[str, object]:
        out: dict[str, object] = {"endpoint": self.endpoint, "recordId": self.record_id}
        if self.data is not None:
            out["data"] = self.data
        return out


@dataclass
class Batch:
    changes: list[Change] = field(default_factory=list)
    cursor: int = 0  # the newest event id read (delivered or not meant for this reader)
    access_changed: bool = False  # stopped at a change of who may read what
    more: bool = False  # stopped at the read limit: newer rows may wait


def prune(store: Store, window_hours: int) -> int:
    """Drop the change rows older than the window (every HAT of the store)."""
    with store.write() as tx:
        return tx.changes.prune(now_ms() - window_hours * HOUR_MS)


def start_after(store: Store, hat_id: str, last_event_id: str | None) -> int:
    """Where a stream starts: after `last_event_id`, or after the newest event. Raises
    Gone for an id older than the retained window, BadRequest for one not handed out."""
    counter = store.changes.counter(hat_id)
    if last_event_id is None:
        return counter.last_id
    # An id as handed out: ASCII digits only (no sign, no other script's digits).
    after = whole_number(last_event_id, 0, 2**63 - 1) if ascii_digits(last_event_id) \
        else None
    if after is None:
        raise BadRequest(f"Last-Event-ID must be an event id, not {last_event_id!r}")
    if after > counter.last_id:
        raise BadRequest(f"Last-Event-ID {after} is newer than the newest event")
    if after < counter.pruned_through:
        raise Gone(f"Event {after} is older than the retained window: events after it up to"
                   f" {counter.pruned_through} are gone; reconnect without Last-Event-ID")
    return after


def read_after(store: Store, hat_id: str, after: int, found: Reader,
               wanted: Selection) -> Batch:
    """The events after `after` that `wanted` selects and `found` may read, with their
    records' data as it is now (omitted for records since deleted). Stops after an access
    change, so that the caller is checked again before anything newer is read."""
    rows = store.changes.after(hat_id, after, ROWS_PER_READ)
    batch = Batch(cursor=after, more=len(rows) == ROWS_PER_READ)
    for row in rows:
        if row.kind == ACCESS:
            batch.cursor, batch.access_changed, batch.more = row.last_id, True, False
            return batch
        endpoint = row.endpoint or ""
        first = row.last_id - row.size + 1
        if wanted.wants(endpoint) and found.may_read(endpoint):
            batch.changes += _changes(store, hat_id, row.kind, endpoint, first,
                                      row.record_ids, after)
        batch.cursor = row.last_id
    return batch


def _changes(store: Store, hat_id: str, kind: str, endpoint: str, first: int,
             record_ids: list[str], after: int) -> list[Change]:
    if kind == "cleared":
        return [Change(first, "deleted", endpoint, None)] if first > after else []
    ids = [(first + n, record_id) for n, record_id in enumerate(record_ids)
           if first + n > after]
    if kind == "deleted":
        return [Change(event_id, kind, endpoint, record_id) for event_id, record_id in ids]
    data = {r.record_id: r.data for r in store.records.get_many(hat_id, [i for _, i in ids])}
    return [Change(event_id, kind, endpoint, record_id,
                   orjson.Fragment(data[record_id]) if record_id in data else None)
            for event_id, record_id in ids]
