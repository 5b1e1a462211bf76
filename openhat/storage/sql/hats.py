"""HATs and the HAT directory: plain-table SQL written once for both engines.

A HAT's domain is unique in its database. SQLite holds it with a UNIQUE constraint; on
PostgreSQL it is not one (an index that does not lead with hat_id, see
migrations/postgres/001_core.sql), so the writers of `hats` take the dialect's table lock and
check first. The same goes for the directory's domains. On SQLite the write transaction
already excludes every other writer, and the same check holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openhat.clock import now_s
from openhat.storage.rows import DirectoryEntry, Hat, HatExists
from openhat.storage.sql.runner import Area, Sql

# Tables holding rows of a HAT, children first: deleting a HAT walks them in this order, and
# a HAT move (postgres/move.py) copies them in the reverse order. A new table with HAT rows
# must be listed here (tests/storage/test_store.py checks the schema against it).
HAT_TABLES: tuple[str, ...] = (
    "file_access", "files", "file_secrets",  # files (060)
    "data_debit_permissions", "data_debits", "bundles", "combinators",  # queries (030)
    "applications",  # applications (020)
    "login_log", "mail_tokens", "account_emails",  # accounts (070)
    "change_events", "change_counters", "audit_log", "webhooks",  # events and audit (090-092)
    "she_functions",  # SHE functions (100)
    "idempotency_keys", "record_links", "records", "users", "signing_keys", "hats",
)

_HAT = "hat_id, domain, created_at"
_ENTRY = "domain, hat_id, database_url"


def _hat(row: Sequence[Any]) -> Hat:
    return Hat(row[0], row[1], int(row[2]))


def _entry(row: Sequence[Any]) -> DirectoryEntry:
    return DirectoryEntry(row[0], row[1], row[2])


def _lock(sql: Sql, table: str) -> None:
    statement = sql.dialect.lock(table)
    if statement is not None:
        sql.run(statement)


class Hats(Area):
    def by_domain(self, domain: str) -> Hat | None:
        """The HAT with exactly this (normalised) domain in this database, or None."""
        row = self._sql.one(f"SELECT {_HAT} FROM hats WHERE domain = :domain",
                            {"domain": domain})
        return None if row is None else _hat(row)

    def context_versions(self, hat_id: str) -> tuple[int, int]:
        """The deployment's context version and the HAT's in this database, 0 for one never
        raised: triggers raise them whenever the HATs, the directory, or a HAT's keys,
        users or applications change (migrations/*/110_context_versions.sql)."""
        found: dict[str, int] = dict(self._sql.all(
            "SELECT scope, version FROM context_versions WHERE scope IN ('', :hat)",
            {"hat": hat_id}))
        return int(found.get("", 0)), int(found.get(hat_id, 0))

    def all(self) -> list[Hat]:
        """Every HAT of this database, by domain (byte order)."""
        return [_hat(row) for row in self._sql.all(
            f"SELECT {_HAT} FROM hats ORDER BY domain{self._sql.dialect.byte_order}")]


class HatsWriter(Hats):
    def create(self, hat: Hat) -> None:
        """Add a HAT (its owner and first key are added in the same unit of work). Raises
        HatExists when the domain, or the id, is taken in this database."""
        _lock(self._sql, "hats")
        added = self._sql.run(
            f"INSERT INTO hats ({_HAT}) SELECT :hat, :domain, :created WHERE NOT EXISTS"
            " (SELECT 1 FROM hats WHERE domain = :domain OR hat_id = :hat)",
            {"hat": hat.hat_id, "domain": hat.domain, "created": hat.created_at})
        if not added:
            raise HatExists(hat.domain)

    def rename(self, hat_id: str, domain: str) -> None:
        """Give a HAT another domain (nothing when there is no such HAT). Raises HatExists
        when another HAT of this database has the domain."""
        _lock(self._sql, "hats")
        if self._sql.one("SELECT 1 FROM hats WHERE domain = :domain AND hat_id <> :hat",
                         {"domain": domain, "hat": hat_id}) is not None:
            raise HatExists(domain)
        self._sql.run("UPDATE hats SET domain = :domain WHERE hat_id = :hat",
                      {"domain": domain, "hat": hat_id})

    def delete(self, hat_id: str) -> None:
        """Remove the HAT and every row that belongs to it (HAT_TABLES), in this database."""
        for table in HAT_TABLES:
            self._sql.run(f"DELETE FROM {table} WHERE hat_id = :hat", {"hat": hat_id})


class Directory(Area):
    """The home database's map of the HATs that live in other databases (hats/directory.py).
    A database that is no deployment's home has no entries."""

    def entries(self) -> list[DirectoryEntry]:
        """Every HAT this (home) database knows to live elsewhere, by domain (byte order)."""
        return [_entry(row) for row in self._sql.all(
            f"SELECT {_ENTRY} FROM hat_directory"
            f" ORDER BY domain{self._sql.dialect.byte_order}")]

    def entry(self, domain: str) -> DirectoryEntry | None:
        """Where the HAT of this domain lives, when not in this database; else None."""
        row = self._sql.one(f"SELECT {_ENTRY} FROM hat_directory WHERE domain = :domain",
                            {"domain": domain})
        return None if row is None else _entry(row)


class DirectoryWriter(Directory):
    def set(self, entry: DirectoryEntry) -> None:
        """Point a domain at a database, replacing whatever the domain or the HAT pointed
        at before (a domain, and a HAT, has one entry at most)."""
        _lock(self._sql, "hat_directory")
        self._sql.run("DELETE FROM hat_directory WHERE domain = :domain OR hat_id = :hat",
                      {"domain": entry.domain, "hat": entry.hat_id})
        self._sql.run("INSERT INTO hat_directory (hat_id, domain, database_url, updated_at)"
                      " VALUES (:hat, :domain, :url, :now)",
                      {"hat": entry.hat_id, "domain": entry.domain, "url": entry.database_url,
                       "now": now_s()})

    def remove(self, domain: str) -> None:
        """Forget the domain's entry (nothing when it has none): the HAT is home again, or
        gone."""
        self._sql.run("DELETE FROM hat_directory WHERE domain = :domain", {"domain": domain})
