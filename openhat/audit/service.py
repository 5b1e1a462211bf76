"""The access audit log: an entry per request that reads or changes a HAT (docs/audit.md).

The request pipeline opens a `RequestAudit` for each HAT request (`AuditLog.request`) and
names the HAT and the caller as it finds them. A unit of work that changes the HAT during
the request writes the entries of its changes (one per kind of change and object, from its
events) in its own transaction, just before it commits (`Store.subscribe_within`): a
committed change is never unaudited and a rolled-back one never audited. Every other request
(a read, a refusal, a write that failed) is queued when it is answered and written in
batches by `flush` (each second, and at a clean shutdown).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import uuid_utils

from openhat.clock import DAY_MS, now_ms
from openhat.errors import HatError
from openhat.events import (
    ApplicationDisabled,
    ApplicationEvent,
    ApplicationRegistered,
    ApplicationRemoved,
    ApplicationSetUp,
    BundleSaved,
    CombinatorSaved,
    DebitCreated,
    DebitDisabled,
    DebitEnabled,
    DebitEvent,
    DebitUpdated,
    EndpointCleared,
    Event,
    KeyRotated,
    PasswordChanged,
    RecordsCreated,
    RecordsDeleted,
    RecordsLinked,
    RecordsUpdated,
)
from openhat.storage.base import Store, Tx
from openhat.storage.rows import AuditEntry, AuditFilter, HatUnavailable, User

log = logging.getLogger("openhat.audit")

ACTOR_KINDS = ("owner", "application", "debit", "user", "anonymous")


@dataclass
class RequestAudit:
    """What is known of one request as it runs; the pipeline fills it in."""

    action: str
    object: str
    endpoint: str | None
    client: str | None
    at: int = field(default_factory=now_ms)
    store: Store | None = None
    hat_id: str | None = None
    actor_kind: str = "anonymous"
    actor_id: str | None = None
    count: int | None = None
    written: bool = False  # a unit of work of the request wrote its entries
    log: AuditLog | None = None  # the log auditing the request (one per app instance)


_current: ContextVar[RequestAudit | None] = ContextVar("openhat_audit", default=None)


def located(store: Store, hat_id: str) -> None:
    """The request's HAT was found."""
    audit = _current.get()
    if audit is not None:
        audit.store, audit.hat_id = store, hat_id


def identified(user: User, claims: dict[str, Any]) -> None:
    """The request's caller is known: an application's token, the owner, the holder of a
    data debit, or another user."""
    audit = _current.get()
    if audit is None:
        return
    application = claims.get("application")
    debits = [r.partition(":")[2] for r in user.roles if r.startswith("datadebit:")]
    if isinstance(application, str):
        audit.actor_kind, audit.actor_id = "application", application
    elif "owner" in user.roles:
        audit.actor_kind, audit.actor_id = "owner", user.user_id
    elif debits:
        audit.actor_kind, audit.actor_id = "debit", debits[0]
    else:
        audit.actor_kind, audit.actor_id = "user", user.user_id


def attempted(username: str) -> None:
    """A login names a user before (or without) proving to be them."""
    audit = _current.get()
    if audit is not None:
        audit.actor_kind, audit.actor_id = "user", username


def counted(records: int) -> None:
    """The request answers with this many records."""
    audit = _current.get()
    if audit is not None:
        audit.count = records


def _outcome(status: int) -> str:
    return "success" if status < 400 else "denied" if status in (401, 403) else "failed"


def _entry(audit: RequestAudit, action: str, obj: str, endpoint: str | None,
           count: int | None, status: int) -> AuditEntry:
    return AuditEntry(str(uuid_utils.uuid7()), audit.at, audit.actor_kind, audit.actor_id,
                      action, obj, endpoint, count, audit.client, _outcome(status), status)


def _by_endpoint(action: str, records: Sequence[tuple[str, str]]
                 ) -> list[tuple[str, str, str | None, int | None]]:
    counts: dict[str, int] = {}
    for endpoint, _ in records:
        counts[endpoint] = counts.get(endpoint, 0) + 1
    return [(action, f"data/{e}", e, n) for e, n in counts.items()]


def change_entries(event: Event) -> list[tuple[str, str, str | None, int | None]]:
    """(action, object, endpoint, count) of the entries one change makes."""
    match event:
        case RecordsCreated(records=records):
            return _by_endpoint("create", records)
        case RecordsUpdated(records=records):
            return _by_endpoint("update", records)
        case RecordsDeleted(records=records):
            return _by_endpoint("delete", records)
        case EndpointCleared(endpoint=endpoint, count=count):
            return [("delete", f"data/{endpoint}", endpoint, count)]
        case RecordsLinked(record_ids=ids):
            return [("link", "data-link", None, len(ids))]
        case CombinatorSaved(name=name):
            return [("create", f"combinator/{name}", None, None)]
        case BundleSaved(bundle_id=bundle_id):
            return [("create", f"data-bundle/{bundle_id}", None, None)]
        case ApplicationRegistered(application_id=app, created=created):
            return [("create" if created else "update", f"applications/{app}", None, None)]
        case PasswordChanged(user_id=user_id):
            return [("update", f"users/{user_id}/password", None, None)]
        case KeyRotated(kid=kid):
            return [("rotate", f"keys/{kid}", None, None)]
        case DebitEvent(debit_key=key) if type(event) in _DEBIT_ACTIONS:
            return [(_DEBIT_ACTIONS[type(event)], f"data-debit/{key}", None, None)]
        case ApplicationEvent(application_id=app) if type(event) in _APPLICATION_ACTIONS:
            return [(_APPLICATION_ACTIONS[type(event)], f"applications/{app}", None, None)]
    return []


_DEBIT_ACTIONS: dict[type[Event], str] = {
    DebitCreated: "create", DebitUpdated: "update", DebitEnabled: "enable",
    DebitDisabled: "disable"}
_APPLICATION_ACTIONS: dict[type[Event], str] = {
    ApplicationSetUp: "setup", ApplicationDisabled: "disable", ApplicationRemoved: "delete"}


class AuditLog:
    """One process's audit log: the entries of changes written with them, the others
    queued and written by `flush`."""

    def __init__(self) -> None:
        self._queue: list[tuple[Store, str, AuditEntry]] = []
        self._lock = threading.Lock()

    def attach(self, store: Store) -> None:
        """Audit the changes of `store`'s units of work made during requests."""
        store.subscribe_within(self._within)

    @contextmanager
    def request(self, audit: RequestAudit | None) -> Iterator[RequestAudit | None]:
        """Audit the request run in the block (None: a request that is not audited); the
        block sets `status` through `answered`, or raises."""
        if audit is None:
            yield None
            return
        audit.log = self
        token = _current.set(audit)
        try:
            yield audit
        except HatError as exc:
            self.answered(audit, exc.status)
            raise
        except BaseException:
            self.answered(audit, 500)
            raise
        finally:
            _current.reset(token)

    def answered(self, audit: RequestAudit, status: int) -> None:
        """The request is answered with `status`: queue its entry, unless a unit of work
        already wrote the entries of its changes."""
        if audit.store is None or audit.hat_id is None or (audit.written and status < 400):
            return
        entry = _entry(audit, audit.action, audit.object, audit.endpoint, audit.count, status)
        with self._lock:
            self._queue.append((audit.store, audit.hat_id, entry))

    def _within(self, tx: Tx) -> None:
        audit = _current.get()
        if audit is None or audit.log is not self or tx.hat_id is None \
                or tx.hat_id != audit.hat_id:
            return
        entries = [_entry(audit, *change, status=200)
                   for event in tx.events for change in change_entries(event)]
        if entries:
            tx.audit.add(tx.hat_id, entries)
            audit.written = True

    def flush(self) -> None:
        """Write the queued entries, one unit of work per HAT. A HAT that moved away while
        they waited loses them (logged)."""
        with self._lock:
            queued, self._queue = self._queue, []
        grouped: dict[tuple[int, str], tuple[Store, list[AuditEntry]]] = {}
        for store, hat_id, entry in queued:
            grouped.setdefault((id(store), hat_id), (store, []))[1].append(entry)
        for (_, hat_id), (store, entries) in grouped.items():
            try:
                with store.write(hat_id) as tx:
                    tx.audit.add(hat_id, entries)
            except HatUnavailable:
                log.warning("%d audit entries of a HAT that moved away are lost", len(entries))


def prune(store: Store, retention_days: int) -> int:
    """Drop the entries older than the retention (every HAT of the store)."""
    with store.write() as tx:
        return tx.audit.prune(now_ms() - retention_days * DAY_MS)


def entries(store: Store, hat_id: str, where: AuditFilter) -> list[AuditEntry]:
    return store.audit.entries(hat_id, where)
