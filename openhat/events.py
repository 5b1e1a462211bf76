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
    records: tuple[tuple[str, str], ...]  # (endpoint, record_id)


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
class FunctionEvent(Event):
    """A change to a SHE function's status on a HAT."""

    function_id: str


class FunctionEnabled(FunctionEvent):
    """The owner enabled the function: it runs when triggered and on its schedule."""


class FunctionDisabled(FunctionEvent):
    """The owner disabled the function."""


class FunctionExecuted(FunctionEvent):
    """The function ran and stored what it found (its records come with RecordsCreated)."""


@dataclass(frozen=True)
class PasswordChanged(Event):
    user_id: str


@dataclass(frozen=True)
class UserEvent(Event):
    """A change to one user of the HAT (not its password: PasswordChanged)."""

    user_id: str


class UserCreated(UserEvent):
    """A user added through `POST /users/user`."""


class UserUpdated(UserEvent):
    """A user's name, roles or password replaced through `PUT /users/user/{id}/update`."""


class UserEnabled(UserEvent):
    """The user's tokens work again."""


class UserDisabled(UserEvent):
    """The user's tokens are refused from the next request."""


class UserDeleted(UserEvent):
    """The user and its addresses and mail tokens are gone."""


class EmailVerified(UserEvent):
    """The user proved an address (or the operator gave it): password resets mail it."""


class PasswordResetRequested(UserEvent):
    """A password reset link was made for the user's verified address."""


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


@dataclass(frozen=True)
class FileEvent(Event):
    file_id: str


class FileUploadStarted(FileEvent):
    """A file's metadata was stored; its bytes are on their way (status New)."""


@dataclass(frozen=True)
class FileCompleted(FileEvent):
    size: int  # bytes


class FileUpdated(FileEvent):
    """Its name, tags, title or description changed."""


class FileDeleted(FileEvent):
    """Marked Deleted; its bytes are removed from the blob store after the commit."""


@dataclass(frozen=True)
class FilePublicChanged(FileEvent):
    public: bool


@dataclass(frozen=True)
class FileAccessChanged(Event):
    """A user was granted access to files (`content`: their content too), or lost it."""

    file_ids: tuple[str, ...]
    user_id: str
    granted: bool
    content: bool


Subscriber = Callable[[Sequence[Event]], None]
