"""Combinators and bundles (stored endpoint queries), and the rules that keep a consented
bundle as it was consented to: plain-table SQL written once for both engines.

A bundle either belongs to the owner (`debit_key` NULL, saved through `save`) or to the data
debit that stored it with a consent (`claim`, called by the debit writer). A debit's bundle
never changes: the owner cannot redefine it (BundleOwned), and no debit takes over a bundle
of another debit or of the owner (BundleExists). Bundle and debit writes of one HAT are
serialised (`lock_consents`), so two of them never both find a bundle id free.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from openhat.storage.rows import BundleExists, BundleOwned
from openhat.storage.sql.runner import Area, Sql
from openhat.wire import dumps, parse_json

_MANY = 500  # bundle ids per query (SQLite's default limit is 999 parameters)
# The lock's name is the one an older release takes too, so that both serialise alike.
_LOCK_PREFIX = "openhat.debits."


def same_bundle(stored: str, bundle: str) -> bool:
    """Whether two bundle JSON texts define the same bundle (key order and spacing aside)."""
    return stored == bundle or _canonical(stored) == _canonical(bundle)


def _canonical(text: str) -> bytes:
    return dumps(parse_json(text), option=orjson.OPT_SORT_KEYS)


def may_reuse_bundle(owner: str | None, stored: str, debit_key: str, bundle: str) -> bool:
    """A debit's new consent may name a stored bundle only when the bundle is the debit's own
    and unchanged: an accepted consent keeps reading what was accepted, and no debit takes
    over a bundle of another debit or of the owner."""
    return owner == debit_key and same_bundle(stored, bundle)


def lock_consents(sql: Sql, hat_id: str) -> None:
    """Serialise the bundle and debit writes of one HAT until the transaction ends (where
    the engine's write transaction does not already serialise every writer)."""
    if sql.dialect.named_lock is not None:
        sql.one(sql.dialect.named_lock, {"lock": _LOCK_PREFIX + hat_id})


class Bundles(Area):
    def combinator(self, hat_id: str, name: str) -> str | None:
        """The JSON text of a combinator's endpoint queries, or None."""
        row = self._sql.one("SELECT queries FROM combinators WHERE hat_id = :hat AND"
                            " name = :name", {"hat": hat_id, "name": name})
        return None if row is None else str(row[0])

    def get(self, hat_id: str, bundle_id: str) -> str | None:
        """The JSON text of a bundle ({property: PropertyQuery}), or None."""
        row = self._sql.one("SELECT bundle FROM bundles WHERE hat_id = :hat AND"
                            " bundle_id = :id", {"hat": hat_id, "id": bundle_id})
        return None if row is None else str(row[0])

    def get_many(self, hat_id: str, bundle_ids: Sequence[str]) -> dict[str, str]:
        """The JSON text of every stored bundle among `bundle_ids`, by id (unknown ids are
        left out), in one query per 500 ids: for serialising many debits at once."""
        unique = list(dict.fromkeys(bundle_ids))
        found: dict[str, str] = {}
        for start in range(0, len(unique), _MANY):
            chunk = unique[start:start + _MANY]
            names = ", ".join(f":b{i}" for i in range(len(chunk)))
            params: dict[str, str] = {f"b{i}": bundle_id for i, bundle_id in enumerate(chunk)}
            params["hat"] = hat_id
            found.update((str(row[0]), str(row[1])) for row in self._sql.all(
                f"SELECT bundle_id, bundle FROM bundles WHERE hat_id = :hat AND"
                f" bundle_id IN ({names})", params))
        return found

    def unchanged(self, hat_id: str, bundles: Sequence[tuple[str, str]]) -> set[str]:
        """The ids among `bundles` (id, JSON text) stored with that same definition."""
        stored = self.get_many(hat_id, [bundle_id for bundle_id, _ in bundles])
        return {bundle_id for bundle_id, bundle in bundles
                if bundle_id in stored and same_bundle(stored[bundle_id], bundle)}

    def _owned(self, hat_id: str, bundle_id: str) -> tuple[str | None, str] | None:
        """None when no such bundle, else (the debit it belongs to or None, its JSON text)."""
        row = self._sql.one("SELECT debit_key, bundle FROM bundles WHERE hat_id = :hat AND"
                            " bundle_id = :id",
                            {"hat": hat_id, "id": bundle_id})
        return None if row is None else (row[0], str(row[1]))


class BundlesWriter(Bundles):
    def save_combinator(self, hat_id: str, name: str, queries: str, now_ms: int) -> None:
        """Insert or replace a combinator (`queries`: the JSON text of its endpoint queries)."""
        self._sql.run("INSERT INTO combinators (hat_id, name, queries, updated_at) VALUES"
                      " (:hat, :name, :queries, :now) ON CONFLICT (hat_id, name) DO UPDATE"
                      " SET queries = excluded.queries, updated_at = excluded.updated_at",
                      {"hat": hat_id, "name": name, "queries": queries, "now": now_ms})

    def save(self, hat_id: str, bundle_id: str, bundle: str, now_ms: int) -> None:
        """Insert or replace an owner's bundle (`bundle`: JSON text of {property:
        PropertyQuery}). Raises BundleOwned when the bundle belongs to a data debit and
        `bundle` defines it otherwise: a consent reads what was consented to."""
        lock_consents(self._sql, hat_id)
        stored = self._owned(hat_id, bundle_id)
        if stored is not None and stored[0] is not None and not same_bundle(stored[1], bundle):
            raise BundleOwned(stored[0])
        self._sql.run("INSERT INTO bundles (hat_id, bundle_id, bundle, debit_key, updated_at)"
                      " VALUES (:hat, :id, :bundle, NULL, :now) ON CONFLICT (hat_id, bundle_id)"
                      " DO UPDATE SET bundle = excluded.bundle, updated_at = excluded.updated_at",
                      {"hat": hat_id, "id": bundle_id, "bundle": bundle, "now": now_ms})

    def claim(self, hat_id: str, debit_key: str, bundles: Sequence[tuple[str, str]],
              now_ms: int, reuse: bool) -> None:
        """Store the bundles (id, JSON text) of a new consent of `debit_key` as the debit's.
        Raises BundleExists when an id is stored already, unless `reuse` and
        `may_reuse_bundle` allow it (then the stored bundle is kept, unchanged). The caller
        holds `lock_consents`."""
        for bundle_id, bundle in bundles:
            stored = self._owned(hat_id, bundle_id)
            if stored is not None and not (reuse and may_reuse_bundle(
                    stored[0], stored[1], debit_key, bundle)):
                raise BundleExists(bundle_id)
        for bundle_id, bundle in bundles:
            self._sql.run("INSERT INTO bundles (hat_id, bundle_id, bundle, debit_key,"
                          " updated_at) VALUES (:hat, :id, :bundle, :debit, :now)"
                          " ON CONFLICT DO NOTHING",
                          {"hat": hat_id, "id": bundle_id, "bundle": bundle,
                           "debit": debit_key, "now": now_ms})
