"""Group commit for the SQLite writer: concurrent units of work share one durable commit.

Commits are durable (`synchronous=FULL`: the WAL is fsynced before COMMIT returns), so one-
record writes that each paid a commit alone would be bounded by the disk. Instead, units of
work take the writer connection in turn, each inside a SAVEPOINT of one open transaction;
the unit that finds no other thread waiting for the connection commits the group, and every
unit of it returns only once that commit is done. A unit alone commits at once (no added
wait); under load, the waiting writers join the open group (at most MAX_GROUP of them). A
unit that fails rolls back to its savepoint, so the group commits without it; a COMMIT that
fails fails every unit of the group.

Units run one after another on the one connection, so the default order of records is still
the order their writes were acknowledged in.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

MAX_GROUP = 64  # units per commit: bounds the wait of the group's first unit


class _Group:
    """One open transaction and the units that joined it."""

    def __init__(self) -> None:
        self.size = 0  # units that joined
        self.done = threading.Event()  # set once the COMMIT has returned (or failed)
        self.failure: BaseException | None = None


class GroupCommit:
    """Turns on the writer connection, and the commits of the groups they form.
    `lock` and `unlock` take and give back every writer's turn (the other processes'
    too) around each group's transaction; they may be called from different threads."""

    def __init__(self, conn: sqlite3.Connection, lock: Callable[[], None],
                 unlock: Callable[[], None]) -> None:
        self._conn = conn
        self._lock, self._unlock = lock, unlock
        self._turn = threading.Lock()  # held by the unit using the connection
        self._counting = threading.Lock()
        self._waiting = 0  # threads waiting for their turn
        self._open: _Group | None = None  # the group whose transaction is open
        self.units = 0  # units of work run, for /metrics
        self.commits = 0  # and the commits they shared

    @contextmanager
    def unit(self) -> Iterator[sqlite3.Connection]:
        """The connection for one unit of work, in the open group's transaction: all of the
        unit or none of it; returns once the group holding it has committed."""
        with self._counting:
            self._waiting += 1
        try:
            self._turn.acquire()
        finally:
            with self._counting:
                self._waiting -= 1
        try:
            group = self._joined()
        except BaseException:
            self._turn.release()
            raise
        conn = self._conn
        try:
            conn.execute("SAVEPOINT unit")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK TO unit")
                conn.execute("RELEASE unit")
                raise
            conn.execute("RELEASE unit")
        finally:
            self._end_turn(group)
        group.done.wait()
        if group.failure is not None:
            raise group.failure

    def _joined(self) -> _Group:
        """The open group, or a new one (its transaction begun); the caller has the turn."""
        group = self._open
        if group is None:
            self._lock()
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except BaseException:
                self._unlock()
                raise
            group = self._open = _Group()
        group.size += 1
        return group

    def _end_turn(self, group: _Group) -> None:
        """Commit the group when nobody is waiting to join it (or it is full), then hand the
        turn on."""
        self.units += 1
        with self._counting:
            commit = self._waiting == 0 or group.size >= MAX_GROUP
        if commit:
            try:
                self._conn.execute("COMMIT")
            except BaseException as exc:
                group.failure = exc
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
            finally:
                self._open = None
                self.commits += 1
                self._unlock()
                group.done.set()
        self._turn.release()
