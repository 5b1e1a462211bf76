"""The audit log's query parameters and entries on the wire (docs/audit.md)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from openhat.audit.service import ACTOR_KINDS
from openhat.errors import BadRequest
from openhat.storage.rows import AuditEntry, AuditFilter
from openhat.wire import MAX_INT, Json, nul_free, whole_number

MAX_TAKE = 1000


def _time(params: Mapping[str, str], name: str) -> int | None:
    """Unix milliseconds, or an ISO 8601 time (UTC unless it says otherwise)."""
    raw = params.get(name)
    if raw is None:
        return None
    ms = whole_number(raw, 0, 2**63 - 1)
    if ms is not None:
        return ms
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"Invalid parameter {name}: an ISO 8601 time or unix milliseconds,"
                         f" not {raw!r}") from None
    return int((parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp() * 1000)


def _count(params: Mapping[str, str], name: str, default: int, most: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    count = whole_number(raw, 0, min(most, MAX_INT))
    if count is None:
        raise BadRequest(f"Invalid parameter {name}: a whole number from 0 to {most}")
    return count


def _text(params: Mapping[str, str], name: str) -> str | None:
    raw = params.get(name)
    return None if raw is None else nul_free(name, raw)


def parse_filter(params: Mapping[str, str]) -> AuditFilter:
    """`since`, `until`, `actor` (KIND or KIND:ID), `action`, `endpoint`, `skip`, `take`.
    Raises BadRequest."""
    actor = _text(params, "actor")
    kind, _, actor_id = (actor or "").partition(":")
    if actor is not None and kind not in ACTOR_KINDS:
        raise BadRequest(f"Invalid parameter actor: KIND or KIND:ID, KIND one of"
                         f" {', '.join(ACTOR_KINDS)}")
    return AuditFilter(_time(params, "since"), _time(params, "until"),
                       kind if actor is not None else None, actor_id or None,
                       _text(params, "action"), _text(params, "endpoint"),
                       _count(params, "skip", 0, MAX_INT), _count(params, "take", 100, MAX_TAKE))


def entry_json(e: AuditEntry) -> Json:
    at = datetime.fromtimestamp(e.at / 1000, UTC).isoformat(timespec="milliseconds")
    return {"id": e.entry_id, "time": at.replace("+00:00", "Z"), "timestamp": e.at,
            "actor": {"kind": e.actor_kind, "id": e.actor_id}, "action": e.action,
            "object": e.object, "endpoint": e.endpoint, "count": e.count,
            "client": e.client, "outcome": e.outcome, "status": e.status}
