"""The PostgreSQL store's share of combinators, bundles and data debits.

A mixin of PostgresStore (mirror of `sqlite_queries`; endpoint queries are the records
area's: postgres/records.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

import psycopg

from openhat.storage.rows import (
    BundleExists,
    BundleOwned,
    Debit,
    DebitExists,
    DebitMissing,
    DebitPermissions,
    DebitRow,
    may_reuse_bundle,
    same_bundle,
)

Connection = psycopg.Connection[tuple[Any, ...]]

_PERMISSION_COLUMNS = ("permissions_id, created_at, purpose, start_at, period_ms,"
                       " cancel_at_period_end, canceled_at, terms_url, bundle_id, conditions_id,"
                       " accepted")
_DEBIT_COLUMNS = ("debit_key, created_at, client_name, client_url, client_logo_url,"
                  " client_callback_url, application_id, description, legacy, client_user_id")


class PostgresQueries:
    """Needs `_read()` and `_write()` from PostgresStore."""

    def _read(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def _write(self, hat_id: str | None = None) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    # --- combinators and bundles -----------------------------------------------------------
    def save_combinator(self, hat_id: str, name: str, queries: str, now: int) -> None:
        with self._write(hat_id) as conn:
            conn.execute("INSERT INTO combinators VALUES (%s, %s, %s, %s) ON CONFLICT"
                         " (hat_id, name) DO UPDATE SET queries = excluded.queries,"
                         " updated_at = excluded.updated_at", (hat_id, name, queries, now))

    def combinator(self, hat_id: str, name: str) -> str | None:
        with self._read() as conn:
            row = conn.execute("SELECT queries FROM combinators WHERE hat_id = %s AND"
                               " name = %s", (hat_id, name)).fetchone()
        return str(row[0]) if row else None

    def save_bundle(self, hat_id: str, bundle_id: str, bundle: str, now: int) -> None:
        with self._write(hat_id) as conn:
            _lock_debits(conn, hat_id)
            stored = _stored_bundle(conn, hat_id, bundle_id)
            if stored is not None and stored[0] is not None and not same_bundle(stored[1],
                                                                                bundle):
                raise BundleOwned(stored[0])
            conn.execute("INSERT INTO bundles VALUES (%s, %s, %s, NULL, %s) ON CONFLICT"
                         " (hat_id, bundle_id) DO UPDATE SET bundle = excluded.bundle,"
                         " updated_at = excluded.updated_at", (hat_id, bundle_id, bundle, now))

    def bundle(self, hat_id: str, bundle_id: str) -> str | None:
        with self._read() as conn:
            row = conn.execute("SELECT bundle FROM bundles WHERE hat_id = %s AND"
                               " bundle_id = %s", (hat_id, bundle_id)).fetchone()
        return str(row[0]) if row else None

    # --- data debits -------------------------------------------------------------------------
    def create_debit(self, hat_id: str, debit: DebitRow, permissions: DebitPermissions,
                     bundles: Sequence[tuple[str, str]]) -> None:
        with self._write(hat_id) as conn:
            _lock_debits(conn, hat_id)
            if conn.execute("SELECT 1 FROM data_debits WHERE hat_id = %s AND debit_key = %s",
                            (hat_id, debit.debit_key)).fetchone():
                raise DebitExists(debit.debit_key)
            for bundle_id, _ in bundles:
                if _stored_bundle(conn, hat_id, bundle_id) is not None:
                    raise BundleExists(bundle_id)
            conn.execute(f"INSERT INTO data_debits (hat_id, {_DEBIT_COLUMNS}) VALUES"
                         " (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                         (hat_id, debit.debit_key, debit.created_at, debit.client_name,
                          debit.client_url, debit.client_logo_url, debit.client_callback_url,
                          debit.application_id, debit.description, debit.legacy,
                          debit.client_user_id))
            _store_permissions(conn, hat_id, debit.debit_key, permissions, bundles)

    def add_debit_permissions(self, hat_id: str, debit_key: str,
                              permissions: DebitPermissions,
                              bundles: Sequence[tuple[str, str]], only_new_bundles: bool) -> None:
        with self._write(hat_id) as conn:
            _lock_debits(conn, hat_id)
            if not conn.execute("SELECT 1 FROM data_debits WHERE hat_id = %s AND"
                                " debit_key = %s", (hat_id, debit_key)).fetchone():
                raise DebitMissing(debit_key)
            for bundle_id, bundle in bundles:
                stored = _stored_bundle(conn, hat_id, bundle_id)
                if stored is not None and (only_new_bundles or not may_reuse_bundle(
                        stored[0], stored[1], debit_key, bundle)):
                    raise BundleExists(bundle_id)
            _store_permissions(conn, hat_id, debit_key, permissions, bundles)

    def _debits(self, hat_id: str, debit_key: str | None) -> list[Debit]:
        where = "hat_id = %s" + (" AND debit_key = %s" if debit_key is not None else "")
        args: tuple[Any, ...] = (hat_id,) if debit_key is None else (hat_id, debit_key)
        with self._read() as conn:
            rows = conn.execute(f"SELECT {_DEBIT_COLUMNS} FROM data_debits WHERE {where}"
                                " ORDER BY debit_key COLLATE \"C\"", args).fetchall()
            permissions: dict[str, list[DebitPermissions]] = {}
            for row in conn.execute(f"SELECT debit_key, {_PERMISSION_COLUMNS} FROM"
                                    f" data_debit_permissions WHERE {where} ORDER BY"
                                    " permissions_id", args):
                permissions.setdefault(row[0], []).append(_permissions(row[1:]))
        return [Debit(_debit_row(row), tuple(permissions.get(row[0], ()))) for row in rows]

    def set_debit_permissions(self, hat_id: str, debit_key: str,
                              rows: Sequence[DebitPermissions]) -> None:
        with self._write(hat_id) as conn:
            for r in rows:
                conn.execute("UPDATE data_debit_permissions SET accepted = %s, canceled_at = %s,"
                             " cancel_at_period_end = %s WHERE hat_id = %s AND debit_key = %s"
                             " AND permissions_id = %s",
                             (r.accepted, r.canceled_at, r.cancel_at_period_end, hat_id,
                              debit_key, r.permissions_id))

    # --- users -------------------------------------------------------------------------------


def _lock_debits(conn: Connection, hat_id: str) -> None:
    """Serialise debit writes of one HAT, so two creations cannot both find a key free."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('openhat.debits.' || %s))", (hat_id,))


def _debit_row(row: Sequence[Any]) -> DebitRow:
    return DebitRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
                    bool(row[8]), row[9])


def _permissions(row: Sequence[Any]) -> DebitPermissions:
    return DebitPermissions(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6],
                            row[7], row[8], row[9], bool(row[10]))


def _stored_bundle(conn: Connection, hat_id: str,
                   bundle_id: str) -> tuple[str | None, str] | None:
    """None when no such bundle, else (the debit it belongs to or None, its JSON text)."""
    row = conn.execute("SELECT debit_key, bundle FROM bundles WHERE hat_id = %s AND"
                       " bundle_id = %s", (hat_id, bundle_id)).fetchone()
    return (row[0], row[1]) if row else None


def _store_permissions(conn: Connection, hat_id: str, debit_key: str, p: DebitPermissions,
                       bundles: Sequence[tuple[str, str]]) -> None:
    # A bundle already stored is the debit's own, unchanged (checked by the caller).
    for bundle_id, bundle in bundles:
        conn.execute("INSERT INTO bundles VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                     (hat_id, bundle_id, bundle, debit_key, p.created_at))
    conn.execute("INSERT INTO data_debit_permissions (hat_id, debit_key, created_at, purpose,"
                 " start_at, period_ms, cancel_at_period_end, canceled_at, terms_url, bundle_id,"
                 " conditions_id, accepted) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
                 " %s)",
                 (hat_id, debit_key, p.created_at, p.purpose, p.start, p.period,
                  p.cancel_at_period_end, p.canceled_at, p.terms_url, p.bundle_id,
                  p.conditions_id, p.accepted))
