"""The SQLite store's share of record recency (an application's `mostRecentData`).

A mixin of SqliteStore (as `sqlite_queries` is for queries), kept apart from the records code.
"""

from __future__ import annotations

import sqlite3


class SqliteApplications:
    """Needs `_reader()` from SqliteStore."""

    def _reader(self) -> sqlite3.Connection:
        raise NotImplementedError

    def newest_record_time(self, hat_id: str, endpoint: str) -> int | None:
        row = self._reader().execute(
            "SELECT max(updated_at) FROM records WHERE hat_id = ? AND endpoint = ?",
            (hat_id, endpoint)).fetchone()
        return None if row is None or row[0] is None else int(row[0])
