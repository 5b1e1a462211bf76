"""The access audit log: plain-table SQL written once for both engines (docs/audit.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openhat.storage.rows import AuditEntry, AuditFilter
from openhat.storage.sql.runner import Area

_COLUMNS = ("entry_id, at, actor_kind, actor_id, action, object, endpoint, count, client, outcome,"
            " status")


def _entry(row: Sequence[Any]) -> AuditEntry:
    return AuditEntry(row[0], int(row[1]), row[2], row[3], row[4], row[5], row[6],
                      None if row[7] is None else int(row[7]), row[8], row[9], int(row[10]))


def _like_prefix(text: str) -> str:
    """`text` as a LIKE pattern matching itself and what lies under it (`text/...`)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"


class Audit(Area):
    def entries(self, hat_id: str, where: AuditFilter) -> list[AuditEntry]:
        """The HAT's entries matching `where`, newest first, `skip`ped and `take`n."""
        clauses = ["hat_id = :hat"]
        params: dict[str, Any] = {"hat": hat_id, "skip": where.skip, "take": where.take}
        for column, op, value in (("at", ">=", where.since), ("at", "<", where.until),
                                  ("actor_kind", "=", where.actor_kind),
                                  ("actor_id", "=", where.actor_id),
                                  ("action", "=", where.action)):
            if value is not None:
                name = f"p{len(params)}"
                clauses.append(f"{column} {op} :{name}")
                params[name] = value
        if where.endpoint is not None:
            clauses.append("(endpoint = :ep OR object = :ep OR endpoint LIKE :under ESCAPE"
                           " '\\' OR object LIKE :under ESCAPE '\\')")
            params["ep"] = where.endpoint
            params["under"] = _like_prefix(where.endpoint)
        return [_entry(row) for row in self._sql.all(
            f"SELECT {_COLUMNS} FROM audit_log WHERE {' AND '.join(clauses)}"
            " ORDER BY at DESC, entry_id DESC LIMIT :take OFFSET :skip", params)]


def _text(value: str | None) -> str | None:
    """What a request named (a path, an id) as PostgreSQL can hold it: a NUL, which no text
    column takes and a request path may carry (`%00`), is written as `\\x00`."""
    return None if value is None else value.replace("\x00", "\\x00")


class AuditWriter(Audit):
    def add(self, hat_id: str, entries: Sequence[AuditEntry]) -> None:
        """Append entries to the HAT's log."""
        rows = [{"hat": hat_id, "id": e.entry_id, "at": e.at, "actor_kind": e.actor_kind,
                 "actor_id": _text(e.actor_id), "action": e.action, "object": _text(e.object),
                 "endpoint": _text(e.endpoint), "count": e.count, "client": _text(e.client),
                 "outcome": e.outcome, "status": e.status} for e in entries]
        with self._sql.connection() as conn:
            conn.cursor().executemany(self._sql.dialect.text(
                f"INSERT INTO audit_log (hat_id, {_COLUMNS}) VALUES (:hat, :id, :at,"
                " :actor_kind, :actor_id, :action, :object, :endpoint, :count, :client,"
                " :outcome, :status)"), rows)

    def prune(self, before_ms: int) -> int:
        """Drop every HAT's entries older than `before_ms`; returns how many went."""
        return self._sql.run("DELETE FROM audit_log WHERE at < :before",
                             {"before": before_ms})
