"""The `Store`: everything the domain asks of a database, split by area, and the one unit of
work through which everything is changed.

Both backends (SQLite, PostgreSQL) implement it with the same observable semantics, and one
test suite runs against both. Methods are synchronous; the web layer calls the domain from a
worker thread. Every row belongs to one HAT, and every method takes the `hat_id` it acts on,
so data can never cross between HATs by accident.

Reads go through the store's areas (`store.users.by_id(...)`), each call its own read.
Changes go through `with store.write(hat_id) as tx:`, whose areas (`tx.users.add(...)`) read
and write one transaction: all of it commits or none of it does, and on PostgreSQL it holds
the HAT's row so that a HAT move never copies around it (postgres/move.py). The typed change
events the domain emits into the unit of work (`tx.emit(...)`) reach the store's subscribers
only after the commit.

Record data crosses this interface as JSON text, never as decoded values: the stored text is
passed straight through to responses (perf-notes: decoding and re-encoding is the costliest
step on the read path).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager

from openhat.events import Event, Subscriber
from openhat.storage.records import Records, RecordsWriter
from openhat.storage.rows import (
    Debit,
    DebitPermissions,
    DebitRow,
    DirectoryEntry,
    Hat,
    IdempotentResponse,
    SigningKey,
    StoredApplication,
    User,
)
from openhat.storage.sql.applications import Applications, ApplicationsWriter
from openhat.storage.sql.bundles import Bundles, BundlesWriter
from openhat.storage.sql.debits import Debits, DebitsWriter
from openhat.storage.sql.dialect import Dialect
from openhat.storage.sql.hats import Directory, DirectoryWriter, Hats, HatsWriter
from openhat.storage.sql.idempotency import IdempotencyWriter
from openhat.storage.sql.runner import Sql
from openhat.storage.sql.users import Keys, KeysWriter, Users, UsersWriter


class Tx:
    """One unit of work: the areas of one open write transaction, and the events it
    collects. Made only by `Store.write`."""

    def __init__(self, hat_id: str | None, sql: Sql, records: RecordsWriter) -> None:
        self.hat_id = hat_id  # the HAT whose row the transaction holds; None: deployment-wide
        self.records = records  # the dialect's own write path (storage/records.py)
        self.hats = HatsWriter(sql)
        self.directory = DirectoryWriter(sql)
        self.users = UsersWriter(sql)
        self.keys = KeysWriter(sql)
        self.applications = ApplicationsWriter(sql)
        self.debits = DebitsWriter(sql)
        self.bundles = BundlesWriter(sql)
        self.idempotency = IdempotencyWriter(sql)
        self.events: list[Event] = []
        self.after_commit: list[Callable[[], None]] = []  # the backend's own follow-ups

    def emit(self, event: Event) -> None:
        """Record a change, for the subscribers once (and only if) the transaction commits."""
        self.events.append(event)


class Store(ABC):
    """A database holding any number of HATs."""

    def __init__(self, dialect: Dialect, reads: Sql, records: Records) -> None:
        self.dialect = dialect
        self.records = records
        self.hats = Hats(reads)
        self.directory = Directory(reads)
        self.users = Users(reads)
        self.keys = Keys(reads)
        self.applications = Applications(reads)
        self.debits = Debits(reads)
        self.bundles = Bundles(reads)
        self._subscribers: list[Subscriber] = []

    @contextmanager
    def write(self, hat_id: str | None = None) -> Iterator[Tx]:
        """One unit of work: every change made through the yielded Tx commits together when
        the block ends, or none does when it raises. With `hat_id`, the transaction holds
        that HAT's row, and raises HatUnavailable when the HAT is not (or no longer) in this
        database; without, it is a deployment-wide change (creating a HAT, the directory).
        After the commit the collected events go to every subscriber, in order."""
        with self._transaction(hat_id) as tx:
            yield tx
        for follow_up in tx.after_commit:
            follow_up()
        if tx.events:
            events = tuple(tx.events)
            for subscriber in self._subscribers:
                subscriber(events)

    @abstractmethod
    def _transaction(self, hat_id: str | None) -> AbstractContextManager[Tx]:
        """The backend's write transaction as a Tx: committed when the block ends, rolled
        back when it raises."""

    def subscribe(self, subscriber: Subscriber) -> None:
        """Hand every committed unit of work's events to `subscriber` (in the writing
        thread, after the commit: a subscriber that fails does not undo the change)."""
        self._subscribers.append(subscriber)

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
    def directory_entries(self) -> list[DirectoryEntry]:
        """Every HAT this (home) database knows to live elsewhere, by domain."""

    @abstractmethod
    def directory_entry(self, domain: str) -> DirectoryEntry | None: ...

    @abstractmethod
    def set_directory_entry(self, entry: DirectoryEntry) -> None:
        """Point a domain at a database (replacing what the domain pointed at)."""

    @abstractmethod
    def remove_directory_entry(self, domain: str) -> None: ...




    # --- applications ------------------------------------------------------------------
    # Applications registered on a HAT (applications.py).
    @abstractmethod
    def save_application(self, hat_id: str, application_id: str, manifest: str,
                         now: int) -> bool:
        """Register an application (`manifest`: its JSON text) under a new random
        `registration`, or replace the manifest of a registered one, keeping its status and
        registration. Returns True when it is new."""

    @abstractmethod
    def application(self, hat_id: str, application_id: str) -> StoredApplication | None: ...

    @abstractmethod
    def registered_applications(self, hat_id: str) -> list[StoredApplication]:
        """Every application registered on the HAT, by id."""

    @abstractmethod
    def set_application_status(self, hat_id: str, application_id: str, enabled: bool,
                               setup_version: str | None, now: int) -> None:
        """Record that the application was set up (`enabled`) or disabled; `setup_version`
        is the manifest version it was last set up with."""

    @abstractmethod
    def delete_application(self, hat_id: str, application_id: str) -> bool:
        """Forget a registered application; returns whether it was there."""



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

    # --- combinators, bundles, debits --------------------------------------------------
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

    def all_debits(self, hat_id: str) -> list[Debit]:
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

