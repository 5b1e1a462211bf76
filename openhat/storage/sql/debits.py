"""Data debits and their permissions rows (one per consent): plain-table SQL written once
for both engines.

`Debits` serves the store's reads; `DebitsWriter` adds the changes and exists only inside a
unit of work (`store.write(hat_id)`). Every debit write of a HAT holds `lock_consents`, so
two creations never both find a key or a bundle id free; the bundles of a consent are
stored through `BundlesWriter.claim`, which keeps the rules of a consented bundle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openhat.storage.rows import (
    Debit,
    DebitClient,
    DebitExists,
    DebitMissing,
    DebitPermissions,
    DebitRow,
)
from openhat.storage.sql.bundles import BundlesWriter, lock_consents
from openhat.storage.sql.runner import Area, Sql

_DEBIT = ("debit_key, created_at, client_name, client_url, client_logo_url,"
          " client_callback_url, application_id, description, legacy, client_user_id")
_PERMISSIONS = ("permissions_id, created_at, purpose, start_at, period_ms,"
                " cancel_at_period_end, canceled_at, terms_url, bundle_id, conditions_id,"
                " accepted")


def _debit_row(row: Sequence[Any]) -> DebitRow:
    return DebitRow(row[0], int(row[1]), DebitClient(*row[2:8]), bool(row[8]), row[9])


def _permissions(row: Sequence[Any]) -> DebitPermissions:
    return DebitPermissions(int(row[0]), int(row[1]), row[2], int(row[3]), int(row[4]),
                            bool(row[5]), None if row[6] is None else int(row[6]), row[7],
                            row[8], row[9], bool(row[10]))


class Debits(Area):
    def get(self, hat_id: str, debit_key: str) -> Debit | None:
        """A debit with its permissions, oldest first; None when there is no such debit."""
        found = self._load(hat_id, debit_key)
        return found[0] if found else None

    def all(self, hat_id: str) -> list[Debit]:
        """Every debit of the HAT with its permissions, by key (byte order)."""
        return self._load(hat_id, None)

    def _load(self, hat_id: str, debit_key: str | None) -> list[Debit]:
        where = "hat_id = :hat" + ("" if debit_key is None else " AND debit_key = :key")
        params = {"hat": hat_id, "key": debit_key}
        rows = self._sql.all(f"SELECT {_DEBIT} FROM data_debits WHERE {where}"
                             f" ORDER BY debit_key{self._sql.dialect.byte_order}", params)
        permissions: dict[str, list[DebitPermissions]] = {}
        for row in self._sql.all(f"SELECT debit_key, {_PERMISSIONS} FROM"
                                 f" data_debit_permissions WHERE {where}"
                                 " ORDER BY permissions_id", params):
            permissions.setdefault(row[0], []).append(_permissions(row[1:]))
        return [Debit(_debit_row(row), tuple(permissions.get(row[0], ()))) for row in rows]

    def _exists(self, hat_id: str, debit_key: str) -> bool:
        return self._sql.one("SELECT 1 FROM data_debits WHERE hat_id = :hat AND"
                             " debit_key = :key", {"hat": hat_id, "key": debit_key}) is not None


class DebitsWriter(Debits):
    def __init__(self, sql: Sql) -> None:
        super().__init__(sql)
        self._bundles = BundlesWriter(sql)

    def create(self, hat_id: str, debit: DebitRow, permissions: DebitPermissions,
               bundles: Sequence[tuple[str, str]]) -> None:
        """Store a new data debit with its first permissions and its bundles (id, JSON).
        Raises DebitExists, or BundleExists when any bundle id is taken."""
        lock_consents(self._sql, hat_id)
        if self._exists(hat_id, debit.debit_key):
            raise DebitExists(debit.debit_key)
        self._bundles.claim(hat_id, debit.debit_key, bundles, permissions.created_at,
                            reuse=False)
        client = debit.client
        self._sql.run(f"INSERT INTO data_debits (hat_id, {_DEBIT}) VALUES (:hat, :key,"
                      " :created, :name, :url, :logo, :callback, :app, :description,"
                      " :legacy, :user)",
                      {"hat": hat_id, "key": debit.debit_key, "created": debit.created_at,
                       "name": client.name, "url": client.url, "logo": client.logo_url,
                       "callback": client.callback_url, "app": client.application_id,
                       "description": client.description,
                       "legacy": debit.legacy, "user": debit.client_user_id})
        self._insert_permissions(hat_id, debit.debit_key, permissions)

    def add_permissions(self, hat_id: str, debit_key: str, permissions: DebitPermissions,
                        bundles: Sequence[tuple[str, str]], only_new_bundles: bool) -> None:
        """Add a permissions row to an existing debit and store its new bundles. Raises
        DebitMissing; BundleExists when a bundle id exists and (with `only_new_bundles`, or
        unless `may_reuse_bundle`) may not be reused. A stored bundle never changes here."""
        lock_consents(self._sql, hat_id)
        if not self._exists(hat_id, debit_key):
            raise DebitMissing(debit_key)
        self._bundles.claim(hat_id, debit_key, bundles, permissions.created_at,
                            reuse=not only_new_bundles)
        self._insert_permissions(hat_id, debit_key, permissions)

    def set_permissions(self, hat_id: str, debit_key: str,
                        rows: Sequence[DebitPermissions]) -> None:
        """Write `accepted`, `canceled_at` and `cancel_at_period_end` of these permissions
        rows (matched by permissions_id)."""
        for r in rows:
            self._sql.run("UPDATE data_debit_permissions SET accepted = :accepted,"
                          " canceled_at = :canceled, cancel_at_period_end = :at_end"
                          " WHERE hat_id = :hat AND debit_key = :key AND permissions_id = :id",
                          {"accepted": r.accepted, "canceled": r.canceled_at,
                           "at_end": r.cancel_at_period_end, "hat": hat_id, "key": debit_key,
                           "id": r.permissions_id})

    def _insert_permissions(self, hat_id: str, debit_key: str, p: DebitPermissions) -> None:
        self._sql.run("INSERT INTO data_debit_permissions (hat_id, debit_key, created_at,"
                      " purpose, start_at, period_ms, cancel_at_period_end, canceled_at,"
                      " terms_url, bundle_id, conditions_id, accepted) VALUES (:hat, :key,"
                      " :created, :purpose, :start, :period, :at_end, :canceled, :terms,"
                      " :bundle, :conditions, :accepted)",
                      {"hat": hat_id, "key": debit_key, "created": p.created_at,
                       "purpose": p.purpose, "start": p.start, "period": p.period,
                       "at_end": p.cancel_at_period_end, "canceled": p.canceled_at,
                       "terms": p.terms_url, "bundle": p.bundle_id,
                       "conditions": p.conditions_id, "accepted": p.accepted})
