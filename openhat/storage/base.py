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

from openhat.events import Event, Subscriber
from openhat.storage import migrations
from openhat.storage.records import Records, RecordsWriter
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
    def migrate(self) -> list[str]:
        """Apply pending numbered migrations; return the names applied. Any number of
        processes may migrate one database at once (storage/migrations)."""
        return migrations.run(self.dialect.name, self._migrating())

    @abstractmethod
    def _migrating(self) -> AbstractContextManager[migrations.Migrating]:
        """The backend's cross-process migration lock, held while the block runs, on a
        connection where `schema_migrations` exists."""

    @abstractmethod
    def close(self) -> None: ...

