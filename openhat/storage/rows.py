"""The rows and errors that cross the Store's interface (see storage/base.py).

Times are unix milliseconds unless a field says seconds (openhat.clock names the units).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class StorageError(Exception):
    """Base of the errors a store raises; the domain maps them to HAT errors."""


class DuplicateRecord(StorageError):
    """A record with the same data hash already exists in the same endpoint of the HAT."""


class RecordsMissing(StorageError):
    """One or more record ids named by the request do not exist in the HAT."""


class RowsConflict(StorageError):
    """Rows loaded into a new HAT (storage/sql/portable.py) hold one key more than once."""


class HatExists(StorageError):
    """A HAT with that domain already exists."""


class HatUnavailable(StorageError):
    """The HAT's rows are not (or no longer) in this database: it was moved to another
    database, or removed, while the request was on its way. Asking again finds it where it
    is now (or not at all)."""


class UserExists(StorageError):
    """The HAT already has a user with that name."""


@dataclass(frozen=True)
class Hat:
    hat_id: str
    domain: str
    created_at: int  # unix milliseconds


@dataclass(frozen=True)
class DirectoryEntry:
    """A HAT whose rows live in another database than the home database (see
    openhat.directory): the home database's directory maps its domain to that database."""

    domain: str
    hat_id: str
    database_url: str


@dataclass(frozen=True)
class SigningKey:
    hat_id: str
    kid: str
    private_pem: str
    public_pem: str
    created_at: int
    retired_at: int | None = None  # no longer signs; still verifies unless revoked
    revoked: bool = False  # refuses every token it signed


@dataclass(frozen=True)
class User:
    hat_id: str
    user_id: str
    username: str
    password_hash: str
    roles: tuple[str, ...]
    enabled: bool
    password_changed_at: int  # unix seconds; tokens created before it are refused


@dataclass(frozen=True)
class StoredApplication:
    """A registered application: its manifest as registered and its setup status."""

    application_id: str
    manifest: str  # the Application JSON text
    enabled: bool  # set up and not disabled since: its tokens work
    setup_version: str | None  # the manifest version last set up; None: never set up
    added_at: int  # unix ms
    updated_at: int  # unix ms
    registration: str  # new each time the id is registered anew; its tokens carry it


class NewRecord(NamedTuple):
    # NamedTuples for the per-record types: built thousands of times per batch, and a
    # frozen dataclass costs several times more to construct.
    record_id: str
    endpoint: str
    data: str  # compact JSON text
    hash: bytes  # SHA-256 of the canonical JSON, the duplicate key within (hat, endpoint)


class NewElement(NamedTuple):
    """A record and its first-level links: stored together, linked as one group."""

    record: NewRecord
    links: tuple[NewRecord, ...] = ()
    group_id: str | None = None  # set when there are links


@dataclass(frozen=True)
class IdempotentResponse:
    """What is kept of a write sent with an Idempotency-Key."""

    fingerprint: bytes  # of the request (method, path, query, body)
    status: int | None  # None while the first request is still being processed
    body: bytes | None


class StoredRecord(NamedTuple):
    record_id: str
    endpoint: str
    data: str  # JSON text as stored


class DebitExists(StorageError):
    """A data debit with that key already exists."""


class DebitMissing(StorageError):
    """No data debit with that key."""


class BundleExists(StorageError):
    """The bundle id is taken (by another debit, or at all)."""


class BundleOwned(StorageError):
    """The bundle belongs to a data debit (`debit_key`), so its definition cannot change."""

    def __init__(self, debit_key: str) -> None:
        super().__init__(debit_key)
        self.debit_key = debit_key


@dataclass(frozen=True)
class DebitClient:
    """Who asks for a data debit, as the v2.6 request names it (a legacy request names none:
    `LEGACY_CLIENT`)."""

    name: str
    url: str
    logo_url: str
    callback_url: str | None = None
    application_id: str | None = None
    description: str | None = None


LEGACY_CLIENT = DebitClient("", "", "")


@dataclass(frozen=True)
class DebitRow:
    debit_key: str
    created_at: int  # unix ms
    client: DebitClient
    legacy: bool  # created through the v2 DataDebitRequest model
    client_user_id: str | None  # who created it (legacy responses show this user)


@dataclass(frozen=True)
class DebitPermissions:
    permissions_id: int  # 0 before it is stored
    created_at: int  # unix ms
    purpose: str
    start: int  # unix ms
    period: int  # ms
    cancel_at_period_end: bool
    canceled_at: int | None
    terms_url: str
    bundle_id: str
    conditions_id: str | None
    accepted: bool


@dataclass(frozen=True)
class Debit:
    row: DebitRow
    permissions: tuple[DebitPermissions, ...]  # oldest first


# --- files ---------------------------------------------------------------------------------

class FileStatus:
    """A file's life: uploading, then its bytes complete (size known), then deleted."""

    NEW = "New"
    COMPLETED = "Completed"
    DELETED = "Deleted"


@dataclass(frozen=True)
class FileAccess:
    """A user granted access to a file: its metadata always, its content when
    `content_readable`."""

    user_id: str
    content_readable: bool


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    name: str
    source: str
    created_at: int  # unix ms
    updated_at: int  # unix ms
    tags: tuple[str, ...] | None
    title: str | None
    description: str | None
    source_url: str | None
    content_type: str | None
    status: str  # a FileStatus
    size: int | None  # bytes, once completed
    public: bool  # its content may be read without a token
    permissions: tuple[FileAccess, ...] = ()


# --- accounts ------------------------------------------------------------------------------

@dataclass(frozen=True)
class AccountEmail:
    """A user's email addresses: the verified one (what a password reset mails) and one
    waiting for its verification link."""

    user_id: str
    email: str | None
    pending_email: str | None
    verified_at: int | None  # unix ms


@dataclass(frozen=True)
class MailToken:
    """A single-use token sent by mail (its SHA-256 is all that is stored)."""

    token_hash: bytes
    user_id: str
    purpose: str  # "reset" or "verify"
    email: str  # the address it was sent to
    created_at: int  # unix ms
    expires_at: int  # unix ms


@dataclass(frozen=True)
class LoginEntry:
    """One login attempt of the login log."""

    at: int  # unix ms
    address: str  # the client's address
    username: str  # as given
    user_id: str | None  # None: no such user
    outcome: str  # "success", "failure", "throttled" or "reset"


# --- change log, audit log, webhooks -------------------------------------------------------

class ChangeRow(NamedTuple):
    """One row of the change log (storage/sql/changes.py): events `last_id - size + 1`
    to `last_id`, one per id of `record_ids` (a 'cleared' row has none; an 'access' row,
    a change to who may read what, is never delivered)."""

    last_id: int
    size: int  # how many ids it spans
    kind: str  # created, updated, deleted, cleared, access
    endpoint: str | None
    record_ids: list[str]
    created_at: int


@dataclass(frozen=True)
class ChangeCounter:
    last_id: int  # the HAT's newest event id (0: none yet)
    pruned_through: int  # the newest id dropped from the retained window (0: none)


@dataclass(frozen=True)
class AuditEntry:
    """One line of the access audit log (docs/audit.md)."""

    entry_id: str  # time-ordered (UUIDv7)
    at: int
    actor_kind: str  # owner, application, debit, user, anonymous
    actor_id: str | None
    action: str
    object: str
    endpoint: str | None
    count: int | None
    client: str | None
    outcome: str  # success, denied, failed
    status: int


@dataclass(frozen=True)
class AuditFilter:
    since: int | None = None
    until: int | None = None
    actor_kind: str | None = None
    actor_id: str | None = None
    action: str | None = None
    endpoint: str | None = None  # an endpoint or object prefix
    skip: int = 0
    take: int = 100


@dataclass(frozen=True)
class Webhook:
    webhook_id: str
    application_id: str  # '' when the owner registered it
    url: str
    endpoints: tuple[str, ...]
    secret: str
    delivered_through: int
    attempts: int
    next_attempt_at: int
    last_error: str | None
    created_at: int


# --- SHE functions -------------------------------------------------------------------------

@dataclass(frozen=True)
class FunctionStatus:
    """A SHE function's status on one HAT (times in unix milliseconds)."""

    function_id: str
    enabled: bool
    last_execution: int | None
    execution_started: int | None
