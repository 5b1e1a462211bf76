"""Combinators and bundles (stored endpoint queries): plain-table SQL written once (to fill in)."""

from __future__ import annotations

from openhat.storage.sql.runner import Sql


class Bundles:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql


class BundlesWriter(Bundles):
    pass
