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
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from openhat.clock import now_ms
from openhat.events import Event, Subscriber
from openhat.storage import migrations
from openhat.storage.records import Records, RecordsWriter
from openhat.storage.sql.accounts import Accounts, AccountsWriter
from openhat.storage.sql.applications import Applications, ApplicationsWriter
from openhat.storage.sql.audit import Audit, AuditWriter
from openhat.storage.sql.bundles import Bundles, BundlesWriter
from openhat.storage.sql.changes import Changes, ChangesWriter
from openhat.storage.sql.debits import Debits, DebitsWriter
from openhat.storage.sql.dialect import Dialect
from openhat.storage.sql.files import Files, FilesWriter
from openhat.storage.sql.hats import Directory, DirectoryWriter, Hats, HatsWriter
from openhat.storage.sql.idempotency import IdempotencyWriter
from openhat.storage.sql.portable import PortableReader, PortableWriter
from openhat.storage.sql.runner import Sql
from openhat.storage.sql.she import Functions, FunctionsWriter
from openhat.storage.sql.users import Keys, KeysWriter, Users, UsersWriter
from openhat.storage.sql.webhooks import Webhooks, WebhooksWriter

Within = Callable[["Tx"], None]


class Tx:
    """One unit of work: the areas of one open write transaction, and the events it
    collects. Made only by `Store.write`."""

    def __init__(self, hat_id: str | None, sql: Sql, records: RecordsWriter,
                 portable: PortableWriter) -> None:
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
        self.files = FilesWriter(sql)
        self.accounts = AccountsWriter(sql)
        self.changes = ChangesWriter(sql)
        self.audit = AuditWriter(sql)
        self.webhooks = WebhooksWriter(sql)
        self.functions = FunctionsWriter(sql)
        self.portable = portable  # whole HATs in bulk (export, import, moves)
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
        self.files = Files(reads)
        self.accounts = Accounts(reads)
        self.changes = Changes(reads)
        self.audit = Audit(reads)
        self.webhooks = Webhooks(reads)
        self.functions = Functions(reads)
        self._subscribers: list[Subscriber] = []
        self._within: list[Within] = []

    @contextmanager
    def write(self, hat_id: str | None = None) -> Iterator[Tx]:
        """One unit of work: every change made through the yielded Tx commits together when
        the block ends, or none does when it raises. With `hat_id`, the transaction holds
        that HAT's row, and raises HatUnavailable when the HAT is not (or no longer) in this
        database; without, it is a deployment-wide change (creating a HAT, the directory).
        Before the commit, what the events changed goes into the HAT's change log
        (storage/sql/changes.py) and to the `subscribe_within` subscribers, in the same
        transaction; after it, the events go to every subscriber, in order."""
        with self._transaction(hat_id) as tx:
            yield tx
            if tx.events and hat_id is not None:
                tx.changes.record(hat_id, tx.events, now_ms())
                for within in self._within:
                    within(tx)
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

    @abstractmethod
    def snapshot(self) -> AbstractContextManager[PortableReader]:
        """A reader of HATs' rows as of one moment, on a connection of its own (an export
        reads every table of a HAT through it, while writes go on)."""

    def backup(self, path: str) -> None:
        """Write a consistent copy of the whole database to `path` while writes go on.
        Raises ValueError where the engine has its own tools for that (PostgreSQL)."""
        raise ValueError("an online backup of PostgreSQL is pg_dump's job: pg_dump -Fc"
                         " (docs/operations.md)")

    def subscribe(self, subscriber: Subscriber) -> None:
        """Hand every committed unit of work's events to `subscriber` (in the writing
        thread, after the commit: a subscriber that fails does not undo the change)."""
        self._subscribers.append(subscriber)

    def subscribe_within(self, within: Within) -> None:
        """Call `within(tx)` for every unit of work of a HAT that emitted events, inside its
        transaction just before the commit: what it writes through `tx` commits with the
        change, and an exception rolls the change back (the audit log's writes)."""
        self._within.append(within)

    @abstractmethod
    def watch(self, changed: Callable[[str], None]) -> Callable[[], None]:
        """Call `changed(hat_id)`, from a thread of the store's, soon after a unit of work
        wrote to that HAT's change log and committed, in this process or any other on the
        same database; returns the function that stops watching."""

    # --- lifecycle ---------------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply pending numbered migrations; return the names applied. Any number of
        processes may migrate one database at once (storage/migrations)."""
        return migrations.run(self.dialect.name, self._migrating())

    @abstractmethod
    def _migrating(self) -> AbstractContextManager[migrations.Migrating]:
        """The backend's cross-process migration lock, held while the block runs, on a
        connection where `schema_migrations` exists."""

    @abstractmethod
    def gauges(self) -> dict[str, tuple[str, float]]:
        """The backend's state for /metrics, name → (help, value): connection pool figures,
        the SQLite WAL's size. Deployment-wide figures only, never a HAT's."""

    @abstractmethod
    def close(self) -> None: ...

