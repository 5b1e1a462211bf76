"""The `Store` interface: everything the domain asks of a database.

Both backends (SQLite, PostgreSQL) implement it with the same observable semantics, and one
test suite runs against both. Methods are synchronous; the web layer calls them from a worker
thread. Every row belongs to one HAT, and every method takes the `hat_id` it acts on, so data
can never cross between HATs by accident.

Record data crosses this interface as JSON text, never as decoded values: the stored text is
passed straight through to responses (perf-notes: decoding and re-encoding is the costliest
step on the read path).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import orjson

from openhat.storage.query import EndpointSelect, LinkedRecord, PageQuery, QueriedRecord


class StorageError(Exception):
    """Base of the errors a store raises; the domain maps them to HAT errors."""


class DuplicateRecord(StorageError):
    """A record with the same data hash already exists in the same endpoint of the HAT."""


class RecordsMissing(StorageError):
    """One or more record ids named by the request do not exist in the HAT."""


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


@dataclass(frozen=True)
class FieldFilter:
    """The ad-hoc GET filter: a one-segment path matches that key at any depth (string
    values, or string elements of an array value); a longer path must hold a string exactly
    there. The record matches when the string equals one of `values`."""

    path: tuple[str, ...]
    values: tuple[str, ...]


@dataclass(frozen=True)
class RecordQuery:
    endpoint: str
    order_by: tuple[str, ...] | None = None  # path into data; None = insertion order
    descending: bool = False
    skip: int = 0
    take: int = 1000
    field_filter: FieldFilter | None = None


class Store(ABC):
    """A database holding any number of HATs."""

    dialect: str

    # --- lifecycle ---------------------------------------------------------------------
    @abstractmethod
    def migrate(self) -> list[str]:
        """Apply pending numbered migrations; return the names applied."""

    @abstractmethod
    def close(self) -> None: ...

    # --- HATs, keys, users -------------------------------------------------------------
    @abstractmethod
    def create_hat(self, hat: Hat, owner: User, key: SigningKey) -> None:
        """Create a HAT with its owner and first signing key, atomically.
        Raises HatExists when the domain is taken."""

    @abstractmethod
    def hat_by_domain(self, domain: str) -> Hat | None: ...

    @abstractmethod
    def list_hats(self) -> list[Hat]: ...

    @abstractmethod
    def rename_hat(self, hat_id: str, domain: str) -> None: ...

    @abstractmethod
    def delete_hat(self, hat_id: str) -> None:
        """Remove the HAT and every row that belongs to it."""

    # --- the HAT directory (used in the home database only) ------------------------------
    @abstractmethod
    def directory(self) -> list[DirectoryEntry]:
        """Every HAT this (home) database knows to live elsewhere, by domain."""

    @abstractmethod
    def directory_entry(self, domain: str) -> DirectoryEntry | None: ...

    @abstractmethod
    def set_directory_entry(self, entry: DirectoryEntry) -> None:
        """Point a domain at a database (replacing what the domain pointed at)."""

    @abstractmethod
    def remove_directory_entry(self, domain: str) -> None: ...

    @abstractmethod
    def signing_keys(self, hat_id: str) -> list[SigningKey]:
        """All keys of the HAT, newest first."""

    @abstractmethod
    def add_user(self, user: User) -> None:
        """Add a user (other than the owner) to a HAT. Raises UserExists for a taken name."""

    def user_by_name(self, hat_id: str, username: str) -> User | None:
        return self._user("username", hat_id, username)

    def user_by_id(self, hat_id: str, user_id: str) -> User | None:
        return self._user("user_id", hat_id, user_id)

    @abstractmethod
    def _user(self, column: str, hat_id: str, value: str) -> User | None:
        """The user whose `column` (`username` or `user_id`, never caller input) is `value`."""

    @abstractmethod
    def set_password(self, hat_id: str, user_id: str, password_hash: str,
                     changed_at: int) -> None: ...

    # --- applications ------------------------------------------------------------------
    # Applications registered on a HAT (applications.py), and the HAT-level operations that
    # come with them: rotating the signing key, finding the owner (for the CLI), and the
    # newest record time of an endpoint (an application's `mostRecentData`).
    @abstractmethod
    def save_application(self, hat_id: str, application_id: str, manifest: str,
                         now: int) -> bool:
        """Register an application (`manifest`: its JSON text) under a new random
        `registration`, or replace the manifest of a registered one, keeping its status and
        registration. Returns True when it is new."""

    @abstractmethod
    def application(self, hat_id: str, application_id: str) -> StoredApplication | None: ...

    @abstractmethod
    def applications(self, hat_id: str) -> list[StoredApplication]:
        """Every application registered on the HAT, by id."""

    @abstractmethod
    def set_application_status(self, hat_id: str, application_id: str, enabled: bool,
                               setup_version: str | None, now: int) -> None:
        """Record that the application was set up (`enabled`) or disabled; `setup_version`
        is the manifest version it was last set up with."""

    @abstractmethod
    def delete_application(self, hat_id: str, application_id: str) -> bool:
        """Forget a registered application; returns whether it was there."""

    @abstractmethod
    def rotate_signing_key(self, key: SigningKey, now: int, revoke: bool) -> None:
        """Make `key` the HAT's signing key, atomically. Every other key of the HAT is
        retired at `now` (it verifies the tokens it signed until they expire) or, with
        `revoke`, revoked (every token it signed is refused)."""

    @abstractmethod
    def hat_owner(self, hat_id: str) -> User | None:
        """The HAT's owner (the user holding the `owner` role), for `openhat owner`."""

    @abstractmethod
    def newest_record_time(self, hat_id: str, endpoint: str) -> int | None:
        """When a record of the endpoint was last stored or updated (unix ms), or None."""

    # --- idempotency keys --------------------------------------------------------------
    @abstractmethod
    def claim_idempotency_key(self, hat_id: str, key: str, fingerprint: bytes, now: int,
                              expire_before: int) -> IdempotentResponse | None:
        """Claim `key` for a request about to run: None when it is newly claimed, else what
        is kept of the earlier request with that key. A claim made before `expire_before`
        (unix ms) is forgotten first."""

    @abstractmethod
    def finish_idempotency_key(self, hat_id: str, key: str, status: int, body: bytes) -> None:
        """Keep the response of the request that claimed `key`."""

    @abstractmethod
    def release_idempotency_key(self, hat_id: str, key: str) -> None:
        """Forget a claim whose request failed, so that a retry runs again."""

    # --- records -----------------------------------------------------------------------
    @abstractmethod
    def insert_elements(self, hat_id: str, elements: Sequence[NewElement], now: int,
                        skip_duplicates: bool = False) -> list[bool]:
        """Store records with their links, in order, in one transaction.

        Returns, per element, whether it was stored. Without `skip_duplicates` a duplicate
        anywhere raises DuplicateRecord and nothing is stored; with it, an element whose
        record or links duplicate stored data (or an earlier element) is skipped whole."""

    @abstractmethod
    def read_records(self, hat_id: str, query: RecordQuery) -> list[StoredRecord]:
        """One page of an endpoint: filtered, then ordered (NULLS LAST, ties in insertion
        order), then `skip`/`take`."""

    @abstractmethod
    def get_record(self, hat_id: str, record_id: str) -> StoredRecord | None: ...

    @abstractmethod
    def update_records(self, hat_id: str, updates: Sequence[NewRecord], now: int) -> None:
        """Replace the data of existing records (their endpoint is kept), all or nothing.
        Raises RecordsMissing or DuplicateRecord."""

    @abstractmethod
    def delete_records(self, hat_id: str, record_ids: Sequence[str]) -> None:
        """Delete exactly these records and their link memberships, all or nothing.
        Raises RecordsMissing when any id is unknown or listed twice."""

    @abstractmethod
    def delete_endpoint(self, hat_id: str, endpoint: str) -> int:
        """Delete every record of one endpoint; returns how many."""

    @abstractmethod
    def link_records(self, hat_id: str, group_id: str, record_ids: Sequence[str]) -> None:
        """Put existing records into one new link group. Raises RecordsMissing."""

    @abstractmethod
    def endpoints(self, hat_id: str) -> list[str]:
        """Distinct endpoints that hold records, sorted."""

    @abstractmethod
    def record_endpoints(self, hat_id: str, record_ids: Sequence[str]) -> list[str]:
        """Distinct endpoints of the given (existing) records."""

    # --- queries, combinators, bundles, debits -------------------------------------------
    # (dataclasses for these live in storage.query and below the class)
    @abstractmethod
    def query_page(self, hat_id: str, query: PageQuery) -> list[QueriedRecord]:
        """One page of an endpoint query (storage.query gives the semantics): the union of
        its selections, filtered, sorted, then `skip`/`take`."""

    @abstractmethod
    def query_links(self, hat_id: str, record_ids: Sequence[str],
                    select: EndpointSelect) -> list[LinkedRecord]:
        """Records of `select` that share a link group with one of `record_ids` (never a
        record itself), once per main record, grouped by main record in insertion order."""

    @abstractmethod
    def save_combinator(self, hat_id: str, name: str, queries: str, now: int) -> None:
        """Insert or replace a combinator (`queries`: the JSON text of its endpoint queries)."""

    @abstractmethod
    def combinator(self, hat_id: str, name: str) -> str | None:
        """The JSON text of a combinator's endpoint queries, or None."""

    @abstractmethod
    def save_bundle(self, hat_id: str, bundle_id: str, bundle: str, now: int) -> None:
        """Insert or replace a bundle (`bundle`: JSON text of {property: PropertyQuery}).
        Raises BundleOwned when the bundle belongs to a data debit and `bundle` defines it
        otherwise: a consent reads what was consented to."""

    @abstractmethod
    def bundle(self, hat_id: str, bundle_id: str) -> str | None: ...

    @abstractmethod
    def create_debit(self, hat_id: str, debit: DebitRow, permissions: DebitPermissions,
                     bundles: Sequence[tuple[str, str]]) -> None:
        """Store a new data debit with its first permissions and its bundles (id, JSON),
        atomically. Raises DebitExists, or BundleExists when any bundle id is taken."""

    @abstractmethod
    def add_debit_permissions(self, hat_id: str, debit_key: str,
                              permissions: DebitPermissions,
                              bundles: Sequence[tuple[str, str]], only_new_bundles: bool) -> None:
        """Add a permissions row to an existing debit and store its new bundles. Raises
        DebitMissing; BundleExists when a bundle id exists and (with `only_new_bundles`, or
        unless `may_reuse_bundle`) may not be reused. A stored bundle never changes here."""

    def debit(self, hat_id: str, debit_key: str) -> Debit | None:
        """A debit with its permissions, oldest first."""
        found = self._debits(hat_id, debit_key)
        return found[0] if found else None

    def debits(self, hat_id: str) -> list[Debit]:
        """Every debit of the HAT, by key."""
        return self._debits(hat_id, None)

    @abstractmethod
    def _debits(self, hat_id: str, debit_key: str | None) -> list[Debit]:
        """The debit `debit_key`, or with None every debit, by key."""

    @abstractmethod
    def set_debit_permissions(self, hat_id: str, debit_key: str,
                              rows: Sequence[DebitPermissions]) -> None:
        """Write `accepted`, `canceled_at` and `cancel_at_period_end` of these permissions
        rows (matched by permissions_id)."""

    @abstractmethod
    def grant_role(self, hat_id: str, user_id: str, role: str) -> None:
        """Give a user one more role (no-op when the user has it already)."""


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


def same_bundle(stored: str, bundle: str) -> bool:
    """Whether two bundle JSON texts define the same bundle (key order and spacing aside)."""
    return stored == bundle or _canonical(stored) == _canonical(bundle)


def _canonical(text: str) -> bytes:
    return orjson.dumps(orjson.loads(text), option=orjson.OPT_SORT_KEYS)


def may_reuse_bundle(owner: str | None, stored: str, debit_key: str, bundle: str) -> bool:
    """A debit's new consent may name a stored bundle only when the bundle is the debit's own
    and unchanged: an accepted consent keeps reading what was accepted, and no debit takes
    over a bundle of another debit or of the owner."""
    return owner == debit_key and same_bundle(stored, bundle)


@dataclass(frozen=True)
class DebitRow:
    debit_key: str
    created_at: int  # unix ms
    client_name: str
    client_url: str
    client_logo_url: str
    client_callback_url: str | None
    application_id: str | None
    description: str | None
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
