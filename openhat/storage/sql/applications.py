"""Applications registered on a HAT: plain-table SQL written once for both engines.

`Applications` serves the store's reads; `ApplicationsWriter` adds the changes and exists
only inside a unit of work (`store.write(hat_id)`), so on PostgreSQL every change holds the
HAT's row and a HAT move never copies around it.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from openhat.storage.rows import StoredApplication
from openhat.storage.sql.runner import Area

_COLUMNS = ("application_id, manifest, enabled, setup_version, added_at, updated_at,"
            " registration")


def _application(row: Sequence[Any]) -> StoredApplication:
    return StoredApplication(row[0], row[1], bool(row[2]), row[3], int(row[4]), int(row[5]),
                             row[6])


def new_registration() -> str:
    """The id of a new registration (put in its tokens, so it must not be guessable)."""
    return secrets.token_hex(16)


class Applications(Area):
    def get(self, hat_id: str, application_id: str) -> StoredApplication | None:
        """The registered application, or None."""
        row = self._sql.one(f"SELECT {_COLUMNS} FROM applications WHERE hat_id = :hat AND"
                            " application_id = :app", {"hat": hat_id, "app": application_id})
        return None if row is None else _application(row)

    def all(self, hat_id: str) -> list[StoredApplication]:
        """Every application registered on the HAT, by id (byte order)."""
        return [_application(row) for row in self._sql.all(
            f"SELECT {_COLUMNS} FROM applications WHERE hat_id = :hat"
            f" ORDER BY application_id{self._sql.dialect.byte_order}", {"hat": hat_id})]


class ApplicationsWriter(Applications):
    def save(self, hat_id: str, application_id: str, manifest: str, now_ms: int) -> bool:
        """Register an application (`manifest`: its JSON text) under a new random
        `registration` (migration 050: its tokens carry it), or replace the manifest of a
        registered one, keeping its status and registration. Returns True when it is new."""
        inserted = self._sql.run(
            f"INSERT INTO applications (hat_id, {_COLUMNS}) VALUES (:hat, :app, :manifest,"
            " :no, NULL, :now, :now, :registration) ON CONFLICT DO NOTHING",
            {"hat": hat_id, "app": application_id, "manifest": manifest, "no": False,
             "now": now_ms, "registration": new_registration()})
        if inserted:
            return True
        self._sql.run("UPDATE applications SET manifest = :manifest, updated_at = :now"
                      " WHERE hat_id = :hat AND application_id = :app",
                      {"manifest": manifest, "now": now_ms, "hat": hat_id,
                       "app": application_id})
        return False

    def set_status(self, hat_id: str, application_id: str, enabled: bool,
                   setup_version: str | None, now_ms: int) -> None:
        """Record that the application was set up (`enabled`) or disabled; `setup_version`
        is the manifest version it was last set up with. Nothing for an unknown id."""
        self._sql.run("UPDATE applications SET enabled = :enabled, setup_version = :version,"
                      " updated_at = :now WHERE hat_id = :hat AND application_id = :app",
                      {"enabled": enabled, "version": setup_version, "now": now_ms,
                       "hat": hat_id, "app": application_id})

    def delete(self, hat_id: str, application_id: str) -> bool:
        """Forget a registered application; returns whether it was there."""
        return bool(self._sql.run("DELETE FROM applications WHERE hat_id = :hat AND"
                                  " application_id = :app",
                                  {"hat": hat_id, "app": application_id}))
