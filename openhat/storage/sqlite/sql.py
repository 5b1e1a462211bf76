"""SQL helpers for the SQLite backend: the tables of a HAT, lists cut under the parameter
limit, migration scripts split into statements. (Pages are built in sqlite/query.py.)"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_MAX_PARAMS = 900  # stay under SQLite's bound-parameter limit


def chunks(items: Sequence[T], size: int = _MAX_PARAMS) -> list[Sequence[T]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def split_script(script: str) -> list[str]:
    """Statements of a migration file (no semicolons inside literals in our migrations; a
    trigger's body holds several, so pieces join until sqlite3 calls the statement whole)."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    statements: list[str] = []
    pending = ""
    for piece in "\n".join(lines).split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                statements.append(pending.strip().removesuffix(";"))
            pending = ""
    return statements
