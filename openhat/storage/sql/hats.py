"""HATs and the HAT directory: plain-table SQL written once (to be filled in)."""

from __future__ import annotations

from openhat.storage.sql.runner import Sql


class Hats:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql


class HatsWriter(Hats):
    pass


class Directory:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql


class DirectoryWriter(Directory):
    pass
