"""Storage backends behind the `Store` interface, chosen by database URL."""

from __future__ import annotations

import os
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from openhat.storage.base import Store


def redact_url(url: str) -> str:
    """The database URL without its password, for listings and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def open_store(url: str) -> Store:
    """Open (without migrating) the store a database URL names.

    `sqlite:///relative/path`, `sqlite:////absolute/path`, `sqlite:///:memory:` or
    `postgresql://user@host:port/db`. Raises ValueError for anything else."""
    if url.startswith("sqlite:///"):
        from openhat.storage.sqlite.store import SqliteStore

        return SqliteStore(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgres://")):
        try:
            from openhat.storage.postgres.store import PostgresStore
        except ImportError as exc:  # the optional extra is not installed
            raise ValueError(
                "PostgreSQL support is not installed: pip install 'openhat[postgres]'"
            ) from exc
        store: Store = PostgresStore(url)
        return store
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://...")


def moves_natively(source: Store, target: Store) -> bool:
    """Whether `move_hat` can copy between the two (PostgreSQL's binary COPY on both sides);
    any other pair moves through the portable rows (openhat/portability)."""
    return source.dialect.name == target.dialect.name == "postgres"


def same_database(a: Store, b: Store) -> bool:
    """Whether two stores open one SQLite file (under different URLs)."""
    from openhat.storage.sqlite.store import SqliteStore

    return (isinstance(a, SqliteStore) and isinstance(b, SqliteStore) and a.path != ":memory:"
            and os.path.realpath(a.path) == os.path.realpath(b.path))


def move_hat(source: Store, target: Store, hat_id: str,
             switch: Callable[[], None]) -> dict[str, int]:
    """Move a HAT's rows from `source` to `target`, calling `switch` (which points the HAT
    directory at the target) between the verified copy and the deletion of the source rows;
    returns the rows copied per table (storage/postgres/move.py gives the order of work).

    Raises ValueError unless both stores are PostgreSQL; from the move, HatUnavailable (no
    such HAT in the source), HatExists (the target has the domain or the id) and MoveFailed
    (a StorageError: schemas differ, or the counts do not match)."""
    if source.dialect.name != "postgres" or target.dialect.name != "postgres":
        raise ValueError("moving a HAT needs PostgreSQL on both sides")
    from openhat.storage.postgres import move
    from openhat.storage.postgres.store import PostgresStore

    assert isinstance(source, PostgresStore) and isinstance(target, PostgresStore)
    return move.move_hat(source, target, hat_id, switch)
