"""Numbered SQL migrations, one folder per dialect (`sqlite/`, `postgres/`), and the one
runner that applies them on both backends.

A file `NNN_name.sql` is applied once, in number order, in one transaction together with
its bookkeeping row in `schema_migrations`. Any number of processes may start on one
database at once: the runner holds the backend's cross-process lock for the whole run and
reads what is applied only once it holds it, so the first process applies everything and
the others, having waited, find nothing left to do.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass
from importlib import resources

from openhat.clock import now_s

# The bookkeeping table, created under the lock before anything is read, and its row per
# migration (`:name` parameters: Dialect.text gives each engine's form).
BOOKKEEPING = ("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
               " name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
RECORD = ("INSERT INTO schema_migrations (version, name, applied_at)"
          " VALUES (:version, :name, :applied_at)")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def label(self) -> str:
        return f"{self.version:03d}_{self.name}"


def migrations(dialect: str) -> list[Migration]:
    """The dialect's migrations in version order."""
    folder = resources.files(__package__).joinpath(dialect)
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            found.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text()))
    found.sort(key=lambda m: m.version)
    return found


class Migrating(ABC):
    """A backend's share of a migration run, on one connection that holds the backend's
    cross-process lock (SQLite: the flock beside the database file; PostgreSQL: an
    advisory lock per schema) while the run lasts."""

    @abstractmethod
    def applied(self) -> set[int]:
        """The versions in `schema_migrations` (which exists by now)."""

    @abstractmethod
    def apply(self, migration: Migration, applied_at_s: int) -> None:
        """Run the migration's script and its bookkeeping row (RECORD, with
        `record(migration, applied_at_s)`) in one transaction: both or neither."""


def record(migration: Migration, applied_at_s: int) -> dict[str, object]:
    """The parameters of RECORD for `migration`."""
    return {"version": migration.version, "name": migration.name, "applied_at": applied_at_s}


def run(dialect: str, locked: AbstractContextManager[Migrating]) -> list[str]:
    """Apply the dialect's pending migrations inside `locked` (entering it takes the
    backend's lock, then creates BOOKKEEPING); returns the labels applied."""
    applied: list[str] = []
    with locked as session:
        done = session.applied()
        for migration in migrations(dialect):
            if migration.version not in done:
                session.apply(migration, now_s())
                applied.append(migration.label)
    return applied
