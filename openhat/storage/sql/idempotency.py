"""Idempotency keys: plain-table SQL written once (to be filled in)."""

from __future__ import annotations

from openhat.storage.sql.runner import Sql


class IdempotencyWriter:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql
