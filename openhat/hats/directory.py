"""Where each HAT lives: the home database, and the HAT directory for HATs elsewhere.

The home database is the one `--database` names. A HAT created there needs nothing more, so
a deployment of one database (one HAT or many) never sees the directory. A HAT can also live
in another database: the home database's `hat_directory` table then maps its
domain to that database's URL, and any openhat process reading the same home database opens
(and keeps open) a store for it. Processes keep no other state, so any number of them behind
any load balancer serve HATs spread over several PostgreSQL servers.

A request's HAT is found by its Host: the directory first (so that a HAT moved away is never
served from a stale copy), then the home database; when exactly one HAT exists in all, it
answers whatever the Host (the single-HAT default).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from openhat.events import DirectoryChanged
from openhat.hats import service as hats
from openhat.portability import service as portability
from openhat.storage import move_hat, moves_natively, open_store, same_database
from openhat.storage.base import Store, Tx
from openhat.storage.rows import DirectoryEntry, Hat, HatExists


@dataclass(frozen=True)
class LocatedHat:
    hat: Hat
    store: Store
    database_url: str | None  # None: the home database


class HatDirectory:
    """The home store and the stores of the databases the directory points at (opened on
    first use, migrated, and kept open until `close`)."""

    def __init__(self, home: Store, home_url: str | None = None,
                 on_open: Callable[[Store], None] | None = None) -> None:
        self.home = home
        self.home_url = home_url
        self._on_open = on_open  # for each store the directory opens (the audit log's)
        self._stores: dict[str, Store] = {}
        self._lock = threading.Lock()

    def store_for(self, url: str | None) -> Store:
        """The store of a database URL (None or the home URL: the home store)."""
        if url is None or self.is_home(url):
            return self.home
        with self._lock:
            store = self._stores.get(url)
            if store is None:
                store = open_store(url)
                try:
                    store.migrate()
                except BaseException:
                    store.close()
                    raise
                if self._on_open is not None:
                    self._on_open(store)
                self._stores[url] = store
            return store

    def stores(self) -> list[Store]:
        """The home store and every store opened so far."""
        with self._lock:
            return [self.home, *self._stores.values()]

    def is_home(self, url: str) -> bool:
        return self.home_url is not None and url.strip() == self.home_url.strip()

    def locate(self, domain: str) -> LocatedHat | None:
        """The HAT with exactly this domain, wherever it lives."""
        domain = hats.normalise_domain(domain)
        entry = self.home.directory.entry(domain)
        if entry is not None:
            store = self.store_for(entry.database_url)
            hat = store.hats.by_domain(domain)
            return LocatedHat(hat, store, entry.database_url) if hat else None
        hat = self.home.hats.by_domain(domain)
        return LocatedHat(hat, self.home, None) if hat else None

    def resolve(self, host: str) -> LocatedHat | None:
        """The HAT a request's Host names, or the only HAT there is; None when neither."""
        found = self.locate(host)
        if found is not None:
            return found
        located = self.all_hats(limit=2)
        return located[0] if len(located) == 1 else None

    def all_hats(self, limit: int | None = None) -> list[LocatedHat]:
        """Every HAT: the home database's, then the directory's (each by domain)."""
        entries = self.home.directory.entries()
        local = [LocatedHat(hat, self.home, None) for hat in self.home.hats.all()
                 if not any(e.hat_id == hat.hat_id for e in entries)]
        found = local
        for entry in entries:
            if limit is not None and len(found) >= limit:
                break
            store = self.store_for(entry.database_url)
            hat = store.hats.by_domain(entry.domain)
            if hat is not None:
                found.append(LocatedHat(hat, store, entry.database_url))
        return found[:limit] if limit is not None else found

    def close(self) -> None:
        """Close the stores this directory opened (never the home store)."""
        with self._lock:
            for store in self._stores.values():
                store.close()
            self._stores.clear()

    # --- administration (the `openhat hats` commands) ----------------------------------------
    def add(self, domain: str, owner: str, password: str | None,
            database_url: str | None = None) -> hats.NewHat:
        """A new HAT in the home database, or in the database `database_url` names (with a
        directory entry). Raises HatExists when the domain is taken anywhere.

        Elsewhere that is two units of work, one per database: the HAT is created first,
        then the home database points at it (a HAT that no entry points at is never
        served, so a failure in between leaves nothing reachable)."""
        domain = hats.normalise_domain(domain)
        if self.locate(domain) is not None or self.home.directory.entry(domain) is not None:
            raise HatExists(domain)
        store = self.store_for(database_url)
        created = hats.create_hat(store, domain, owner, password)
        if store is not self.home:
            assert database_url is not None
            self._point(created.hat, database_url)
        return created

    def remove(self, domain: str) -> bool:
        """Delete a HAT and all its data, wherever it lives; False when there is none."""
        domain = hats.normalise_domain(domain)
        found = self.locate(domain)
        if found is not None:
            hats.remove_hat(found.store, found.hat)
        with self.home.write() as tx:
            entry = tx.directory.entry(domain)
            if entry is not None:
                tx.directory.remove(domain)
                tx.emit(DirectoryChanged(entry.hat_id, domain, elsewhere=False))
        return found is not None

    def move(self, domain: str, to_url: str) -> dict[str, int]:
        """Move a HAT to the database `to_url` names (the home URL moves it home): copy all
        its rows there, verify the counts, switch the directory, then delete the source
        rows. Returns the rows copied per table. Between PostgreSQL databases the rows go
        over in binary COPY (storage.move_hat); from or to SQLite through the portable rows
        of export and import (portability.move_hat), with the same protocol.

        Raises LookupError for an unknown domain, ValueError when the HAT is there already,
        HatExists when the target holds that domain."""
        found = self.locate(domain)
        if found is None:
            raise LookupError(f"no HAT {domain}")
        target = self.store_for(to_url)
        if target is found.store or same_database(target, found.store):
            raise ValueError(f"{found.hat.domain} is in that database already")
        hat = found.hat
        url = None if target is self.home else to_url

        if moves_natively(found.store, target):
            return move_hat(found.store, target, hat.hat_id, lambda: self._point(hat, url))

        def switch(held: Tx) -> None:
            # Moving away from a SQLite home, the move's unit of work holds the home's write
            # lock: the entry is written in it, committing with the deletion of the rows.
            if found.store is self.home:
                self._point_in(held, hat, url)
            else:
                self._point(hat, url)

        return portability.move_hat(found.store, target, hat.hat_id, switch)

    def _point(self, hat: Hat, database_url: str | None) -> None:
        """Point the home directory's entry for `hat` at `database_url`; None removes it
        (the HAT lives in the home database)."""
        with self.home.write() as tx:
            self._point_in(tx, hat, database_url)

    @staticmethod
    def _point_in(tx: Tx, hat: Hat, database_url: str | None) -> None:
        """`_point`, inside a unit of work of the home database."""
        if database_url is None:
            tx.directory.remove(hat.domain)
        else:
            tx.directory.set(DirectoryEntry(hat.domain, hat.hat_id, database_url))
        tx.emit(DirectoryChanged(hat.hat_id, hat.domain, elsewhere=database_url is not None))
