"""Typed change events: what a unit of work changed, handed to subscribers after commit.

Domain operations record an event for every change they make (`tx.emit(...)`) inside the
unit of work (`store.write(hat_id)`); the store hands the collected events to its
subscribers only once the transaction has committed, in the order they were emitted, and
drops them when it rolls back. Each event names its HAT, so one subscriber serves a whole
deployment. This is the seam for the access audit log, change notifications and export.

Events carry ids and names, never record data: a subscriber that needs the data reads it,
with its own permissions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    hat_id: str


@dataclass(frozen=True)
class RecordsCreated(Event):
    """Records stored (a batch's links included), by endpoint."""

    records: tuple[tuple[str, str], ...]  # (endpoint, record_id)


@dataclass(frozen=True)
class RecordsUpdated(Event):
    records: tuple[tuple[str, str], ...]  # (endpoint, record_id)


@dataclass(frozen=True)
class RecordsDeleted(Event):
    record_ids: tuple[str, ...]


@dataclass(frozen=True)
class EndpointCleared(Event):
    """Every record of an endpoint deleted."""

    endpoint: str
    count: int


@dataclass(frozen=True)
class RecordsLinked(Event):
    group_id: str
    record_ids: tuple[str, ...]


@dataclass(frozen=True)
class CombinatorSaved(Event):
    name: str


@dataclass(frozen=True)
class BundleSaved(Event):
    bundle_id: str


@dataclass(frozen=True)
class DebitEvent(Event):
    """A change to one data debit. Subclasses without fields of their own need no
    @dataclass: they inherit the frozen fields, and equality compares the class too."""

    debit_key: str


@dataclass(frozen=True)
class DebitCreated(DebitEvent):
    user_id: str  # who asked for it (and now holds `datadebit:<key>`)


class DebitUpdated(DebitEvent):
    """A new consent was added to the debit (not accepted until enabled)."""


class DebitEnabled(DebitEvent):
    """The owner accepted the debit's newest consent."""


class DebitDisabled(DebitEvent):
    """Every consent of the debit was cancelled (at once, or at the period's end)."""


@dataclass(frozen=True)
class ApplicationEvent(Event):
    application_id: str


@dataclass(frozen=True)
class ApplicationRegistered(ApplicationEvent):
    created: bool  # False: the manifest of a registered application was replaced


@dataclass(frozen=True)
class ApplicationSetUp(ApplicationEvent):
    version: str


class ApplicationDisabled(ApplicationEvent):
    """Its tokens stop working and its data debit is disabled."""


class ApplicationRemoved(ApplicationEvent):
    """Forgotten; its tokens never work again, even if the id is registered anew."""


@dataclass(frozen=True)
class PasswordChanged(Event):
    user_id: str


@dataclass(frozen=True)
class KeyRotated(Event):
    kid: str
    revoked_older: bool


@dataclass(frozen=True)
class HatEvent(Event):
    domain: str


class HatCreated(HatEvent):
    """A new HAT with its owner and first signing key."""


class HatRemoved(HatEvent):
    """The HAT and every row of it deleted."""


class HatRenamed(HatEvent):
    """The HAT answers to `domain` now (the new one)."""


@dataclass(frozen=True)
class DirectoryChanged(HatEvent):
    """The home database's directory now points the HAT's domain at another database
    (`elsewhere`), or no longer does (the HAT is home again, or gone). No URL: it may hold
    a password."""

    elsewhere: bool


Subscriber = Callable[[Sequence[Event]], None]
