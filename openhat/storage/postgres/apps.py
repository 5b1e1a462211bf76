"""The PostgreSQL store's share of record recency (an application's `mostRecentData`).

A mixin of PostgresStore (mirror of `sqlite_apps`).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import psycopg

Connection = psycopg.Connection[tuple[Any, ...]]


class PostgresApplications:
    """Needs `_read()` from PostgresStore."""

    def _read(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def newest_record_time(self, hat_id: str, endpoint: str) -> int | None:
        with self._read() as conn:
            row = conn.execute("SELECT max(updated_at) FROM records WHERE hat_id = %s AND"
                               " endpoint = %s", (hat_id, endpoint)).fetchone()
        return None if row is None or row[0] is None else int(row[0])
