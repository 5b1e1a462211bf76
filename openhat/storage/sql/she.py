"""The status of the SHE functions on each HAT: plain-table SQL written once for both
engines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openhat.storage.rows import FunctionStatus
from openhat.storage.sql.runner import Area

_COLUMNS = "function_id, enabled, last_execution, execution_started"


def _status(row: Sequence[Any]) -> FunctionStatus:
    return FunctionStatus(str(row[0]), bool(row[1]),
                          None if row[2] is None else int(row[2]),
                          None if row[3] is None else int(row[3]))


class Functions(Area):
    def get(self, hat_id: str, function_id: str) -> FunctionStatus | None:
        """The function's status on the HAT, or None when it was never enabled."""
        row = self._sql.one(f"SELECT {_COLUMNS} FROM she_functions WHERE hat_id = :hat AND"
                            " function_id = :id", {"hat": hat_id, "id": function_id})
        return None if row is None else _status(row)

    def all(self, hat_id: str) -> list[FunctionStatus]:
        """Every function status of the HAT, by id."""
        return [_status(r) for r in self._sql.all(
            f"SELECT {_COLUMNS} FROM she_functions WHERE hat_id = :hat ORDER BY function_id",
            {"hat": hat_id})]


class FunctionsWriter(Functions):
    def save(self, hat_id: str, status: FunctionStatus) -> None:
        """Store the function's status (created or replaced)."""
        self._sql.run(
            "INSERT INTO she_functions (hat_id, function_id, enabled, last_execution,"
            " execution_started) VALUES (:hat, :id, :enabled, :last, :started)"
            " ON CONFLICT (hat_id, function_id) DO UPDATE SET enabled = :enabled,"
            " last_execution = :last, execution_started = :started",
            {"hat": hat_id, "id": status.function_id, "enabled": status.enabled,
             "last": status.last_execution, "started": status.execution_started})
