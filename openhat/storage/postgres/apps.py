"""The PostgreSQL store's share of applications and key rotation.

A mixin of PostgresStore (mirror of `sqlite_apps`).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import psycopg

from openhat.storage.rows import StoredApplication
from openhat.storage.sqlite.apps import (
    COLUMNS,
    application_row,
    new_registration,
)

Connection = psycopg.Connection[tuple[Any, ...]]


class PostgresApplications:
    """Needs `_read()` and `_write()` from PostgresStore."""

    def _read(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def _write(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def save_application(self, hat_id: str, application_id: str, manifest: str,
                         now: int) -> bool:
        with self._write() as conn:
            row = conn.execute(
                f"INSERT INTO applications (hat_id, {COLUMNS}) VALUES"
                " (%s, %s, %s, FALSE, NULL, %s, %s, %s) ON CONFLICT (hat_id, application_id)"
                " DO UPDATE SET manifest = excluded.manifest, updated_at = excluded.updated_at"
                " RETURNING (xmax = 0)",
                (hat_id, application_id, manifest, now, now, new_registration())).fetchone()
        # xmax is 0 on a freshly inserted row version, not on an updated one.
        return bool(row and row[0])

    def application(self, hat_id: str, application_id: str) -> StoredApplication | None:
        with self._read() as conn:
            row = conn.execute(f"SELECT {COLUMNS} FROM applications WHERE hat_id = %s AND"
                               " application_id = %s", (hat_id, application_id)).fetchone()
        return None if row is None else application_row(row)

    def registered_applications(self, hat_id: str) -> list[StoredApplication]:
        with self._read() as conn:
            rows = conn.execute(f"SELECT {COLUMNS} FROM applications WHERE hat_id = %s"
                                " ORDER BY application_id COLLATE \"C\"", (hat_id,)).fetchall()
        return [application_row(row) for row in rows]

    def set_application_status(self, hat_id: str, application_id: str, enabled: bool,
                               setup_version: str | None, now: int) -> None:
        with self._write() as conn:
            conn.execute("UPDATE applications SET enabled = %s, setup_version = %s,"
                         " updated_at = %s WHERE hat_id = %s AND application_id = %s",
                         (enabled, setup_version, now, hat_id, application_id))

    def delete_application(self, hat_id: str, application_id: str) -> bool:
        with self._write() as conn:
            cursor = conn.execute("DELETE FROM applications WHERE hat_id = %s AND"
                                  " application_id = %s", (hat_id, application_id))
            return cursor.rowcount > 0
