"""The owner's system status (spec 5.5, `GET /api/v2.6/system/status`): the original's eight
items, measured per HAT on either database. The allowances are settings and, as on the
original, only reported."""

from __future__ import annotations

from openhat.clock import now_ms
from openhat.storage.base import Store
from openhat.wire import Json

MB = 1024 * 1024


def ago(then_ms: int, now: int) -> str:
    """A past moment as the original's web app shows it ("moments ago", "3 hours ago")."""
    seconds = max(0, (now - then_ms) // 1000)
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count > 1 else ''} ago"
    return "moments ago"


def _text(title: str, metric: str) -> Json:
    return {"title": title, "kind": {"metric": metric, "kind": "Text"}}


def _numeric(title: str, metric: float, units: str) -> Json:
    return {"title": title, "kind": {"metric": round(metric, 2), "units": units,
                                     "kind": "Numeric"}}


def status(store: Store, hat_id: str, user_id: str, database_allowance_mb: int,
           file_allowance_mb: int) -> list[Json]:
    """The eight items, for the user asking (its previous login) on the HAT."""
    previous = store.accounts.previous_login(hat_id, user_id)
    owner = store.users.owner(hat_id)
    email = store.accounts.email(hat_id, owner.user_id) if owner is not None else None
    database_mb = store.records.data_bytes(hat_id) / MB
    files_mb = store.files.usage(hat_id) / MB
    return [
        _text("Previous Login", "Never" if previous is None else ago(previous.at, now_ms())),
        _text("Owner Email", email.email if email is not None and email.email else ""),
        _numeric("Database Storage", database_allowance_mb, "MB"),
        _numeric("File Storage", file_allowance_mb, "MB"),
        _numeric("Database Storage Used", database_mb, "MB"),
        _numeric("File Storage Used", files_mb, "MB"),
        _numeric("Database Storage Used Share",
                 100 * database_mb / database_allowance_mb if database_allowance_mb else 0, "%"),
        _numeric("File Storage Used Share",
                 100 * files_mb / file_allowance_mb if file_allowance_mb else 0, "%"),
    ]
