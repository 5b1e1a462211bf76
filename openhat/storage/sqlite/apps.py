"""The SQLite store's share of applications and key rotation.

A mixin of SqliteStore (as `sqlite_queries` is for queries), kept apart from the records code.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

import orjson

from openhat.storage.rows import StoredApplication, User

COLUMNS = ("application_id, manifest, enabled, setup_version, added_at, updated_at,"
           " registration")


def application_row(row: Sequence[Any]) -> StoredApplication:
    """A StoredApplication from a row of `COLUMNS` (either backend)."""
    return StoredApplication(row[0], row[1], bool(row[2]), row[3], row[4], row[5], row[6])


def new_registration() -> str:
    """The id of a new registration (put in its tokens, so it must not be guessable)."""
    return secrets.token_hex(16)


USER_COLUMNS = "hat_id, user_id, username, password_hash, roles, enabled, password_changed_at"


def user_row(row: Sequence[Any]) -> User:
    return User(row[0], row[1], row[2], row[3], tuple(orjson.loads(row[4])), bool(row[5]),
                row[6])


class SqliteApplications:
    """Needs `_reader()` and `_write()` from SqliteStore."""

    def _reader(self) -> sqlite3.Connection:
        raise NotImplementedError

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def save_application(self, hat_id: str, application_id: str, manifest: str,
                         now: int) -> bool:
        with self._write() as conn:
            updated = conn.execute(
                "UPDATE applications SET manifest = ?, updated_at = ? WHERE hat_id = ? AND"
                " application_id = ?", (manifest, now, hat_id, application_id)).rowcount
            if updated:
                return False
            conn.execute(f"INSERT INTO applications (hat_id, {COLUMNS}) VALUES"
                         " (?, ?, ?, 0, NULL, ?, ?, ?)",
                         (hat_id, application_id, manifest, now, now, new_registration()))
            return True

    def application(self, hat_id: str, application_id: str) -> StoredApplication | None:
        row = self._reader().execute(
            f"SELECT {COLUMNS} FROM applications WHERE hat_id = ? AND application_id = ?",
            (hat_id, application_id)).fetchone()
        return None if row is None else application_row(row)

    def registered_applications(self, hat_id: str) -> list[StoredApplication]:
        rows = self._reader().execute(
            f"SELECT {COLUMNS} FROM applications WHERE hat_id = ? ORDER BY application_id",
            (hat_id,)).fetchall()
        return [application_row(row) for row in rows]

    def set_application_status(self, hat_id: str, application_id: str, enabled: bool,
                               setup_version: str | None, now: int) -> None:
        with self._write() as conn:
            conn.execute("UPDATE applications SET enabled = ?, setup_version = ?, updated_at = ?"
                         " WHERE hat_id = ? AND application_id = ?",
                         (int(enabled), setup_version, now, hat_id, application_id))

    def delete_application(self, hat_id: str, application_id: str) -> bool:
        with self._write() as conn:
            return bool(conn.execute(
                "DELETE FROM applications WHERE hat_id = ? AND application_id = ?",
                (hat_id, application_id)).rowcount)
