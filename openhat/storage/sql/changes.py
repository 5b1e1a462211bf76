"""The change log: plain-table SQL written once for both engines (docs/events.md).

Every unit of work that changes records (or who may read them) writes what it changed here,
in its own transaction, before it commits (`Store.write`): a committed change is never
missing from the log and a rolled-back one never in it. Event streams and webhooks in any
process read the log after an event id; a HAT's ids only grow. Its counter row, updated by
each writing unit of work, is held until the commit, so a HAT's ids are handed out (and
committed) in order on PostgreSQL too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from openhat.events import (
    ApplicationEvent,
    DebitEvent,
    EndpointCleared,
    Event,
    KeyRotated,
    PasswordChanged,
    RecordsCreated,
    RecordsDeleted,
    RecordsUpdated,
)
from openhat.storage.rows import ChangeCounter, ChangeRow
from openhat.storage.sql.runner import Area

ACCESS = "access"  # a change to who may read what: streams check their caller again
_ACCESS_EVENTS = (ApplicationEvent, DebitEvent, PasswordChanged, KeyRotated)
_RECORD_KINDS: dict[type[Event], str] = {
    RecordsCreated: "created", RecordsUpdated: "updated", RecordsDeleted: "deleted"}

_COLUMNS = "last_id, count, kind, endpoint, record_ids, created_at"


def change_rows(events: Iterable[Event]) -> list[tuple[str, str | None, list[str]]]:
    """(kind, endpoint, record ids) per change and endpoint, in event order (consecutive
    ones of one kind and endpoint merged); one 'access' row for any number of access
    changes."""
    rows: list[tuple[str, str | None, list[str]]] = []
    access = False
    for event in events:
        if isinstance(event, _ACCESS_EVENTS):
            access = True
        elif isinstance(event, EndpointCleared):
            rows.append(("cleared", event.endpoint, []))
        elif isinstance(event, (RecordsCreated, RecordsUpdated, RecordsDeleted)):
            _append(rows, _RECORD_KINDS[type(event)], event.records)
    if access:
        rows.append((ACCESS, None, []))
    return rows


def _append(rows: list[tuple[str, str | None, list[str]]], kind: str,
            records: Sequence[tuple[str, str]]) -> None:
    """One row per endpoint of the change (a batch alternating between endpoints, such as
    records with links, would otherwise make a row per record), in the order of each
    endpoint's first record."""
    by_endpoint: dict[str, list[str]] = {}
    for endpoint, record_id in records:
        by_endpoint.setdefault(endpoint, []).append(record_id)
    for endpoint, ids in by_endpoint.items():
        if rows and rows[-1][0] == kind and rows[-1][1] == endpoint:
            rows[-1][2].extend(ids)
        else:
            rows.append((kind, endpoint, ids))


def _row(row: Sequence[Any]) -> ChangeRow:
    return ChangeRow(int(row[0]), int(row[1]), str(row[2]), row[3], orjson.loads(row[4]),
                     int(row[5]))


class Changes(Area):
    def after(self, hat_id: str, after_id: int, limit: int = 200) -> list[ChangeRow]:
        """The HAT's change rows holding an event newer than `after_id`, oldest first (at
        most `limit` rows)."""
        return [_row(row) for row in self._sql.all(
            f"SELECT {_COLUMNS} FROM change_events WHERE hat_id = :hat AND last_id > :after"
            " ORDER BY last_id LIMIT :limit",
            {"hat": hat_id, "after": after_id, "limit": limit})]

    def counter(self, hat_id: str) -> ChangeCounter:
        """The HAT's newest event id and the newest one dropped from the window."""
        row = self._sql.one("SELECT last_id, pruned_through FROM change_counters"
                            " WHERE hat_id = :hat", {"hat": hat_id})
        return ChangeCounter(0, 0) if row is None else ChangeCounter(int(row[0]), int(row[1]))

    def counters(self) -> dict[str, int]:
        """Every HAT's newest event id (what a polling watcher compares)."""
        return {str(row[0]): int(row[1])
                for row in self._sql.all("SELECT hat_id, last_id FROM change_counters")}


class ChangesWriter(Changes):
    def record(self, hat_id: str, events: Sequence[Event], now_ms: int) -> None:
        """Append what `events` changed to the HAT's log, taking the next ids (the counter
        row stays locked until the commit); on PostgreSQL also announce the HAT to the
        processes listening (delivered when the transaction commits)."""
        rows = change_rows(events)
        if not rows:
            return
        total = sum(max(len(ids), 1) for _, _, ids in rows)
        found = self._sql.one(
            "INSERT INTO change_counters (hat_id, last_id) VALUES (:hat, :n)"
            " ON CONFLICT (hat_id) DO UPDATE SET last_id = change_counters.last_id + :n"
            " RETURNING last_id", {"hat": hat_id, "n": total})
        assert found is not None
        last = int(found[0]) - total
        for kind, endpoint, ids in rows:
            count = max(len(ids), 1)
            last += count
            self._sql.run(f"INSERT INTO change_events (hat_id, {_COLUMNS}) VALUES (:hat,"
                          " :last, :count, :kind, :endpoint, :ids, :now)",
                          {"hat": hat_id, "last": last, "count": count, "kind": kind,
                           "endpoint": endpoint, "ids": orjson.dumps(ids).decode(),
                           "now": now_ms})
        if self._sql.dialect.notify is not None:
            self._sql.one(self._sql.dialect.notify, {"hat": hat_id})

    def prune(self, before_ms: int) -> int:
        """Drop every HAT's change rows written before `before_ms`, noting the newest id
        dropped per HAT; returns how many rows went."""
        params = {"before": before_ms}
        self._sql.run("UPDATE change_counters SET pruned_through = (SELECT max(e.last_id)"
                      " FROM change_events e WHERE e.hat_id = change_counters.hat_id AND"
                      " e.created_at < :before) WHERE hat_id IN (SELECT hat_id FROM"
                      " change_events WHERE created_at < :before)", params)
        return self._sql.run("DELETE FROM change_events WHERE created_at < :before", params)
