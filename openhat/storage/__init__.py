"""Storage backends behind the `Store` interface, chosen by database URL."""

from __future__ import annotations

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
