"""A statement run on a test's database from outside openhat's store, as time, a crash or
another program would change it (an injected failure, an aged row)."""

from __future__ import annotations

from contextlib import closing
from typing import Any


def execute(database_url: str, statement: str) -> None:
    if database_url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as conn:
            conn.execute(statement)
        return
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(statement.encode())


def fetch(database_url: str, statement: str) -> list[tuple[Any, ...]]:
    """The rows of a query, on a connection of its own."""
    if database_url.startswith("sqlite:///"):
        import sqlite3

        with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as conn:
            return conn.execute(statement).fetchall()
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        return conn.execute(statement.encode()).fetchall()
