"""Webhooks: plain-table SQL written once for both engines (docs/events.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from openhat.storage.rows import Webhook
from openhat.storage.sql.runner import Area

_COLUMNS = ("webhook_id, application_id, url, endpoints, secret, delivered_through, attempts,"
            " next_attempt_at, last_error, created_at")


def _webhook(row: Sequence[Any]) -> Webhook:
    return Webhook(row[0], row[1], row[2], tuple(orjson.loads(row[3])), row[4], int(row[5]),
                   int(row[6]), int(row[7]), row[8], int(row[9]))


class Webhooks(Area):
    def all(self, hat_id: str, application_id: str | None = None) -> list[Webhook]:
        """The HAT's webhooks (only `application_id`'s when given; '' is the owner's), by
        id."""
        where = "" if application_id is None else " AND application_id = :app"
        return [_webhook(row) for row in self._sql.all(
            f"SELECT {_COLUMNS} FROM webhooks WHERE hat_id = :hat{where} ORDER BY webhook_id",
            {"hat": hat_id, "app": application_id})]

    def due(self, now_ms: int, limit: int = 50) -> list[tuple[str, Webhook]]:
        """(hat_id, webhook) of every HAT whose webhook has events past what it delivered
        and may be tried now (not held by a process, not waiting for a retry)."""
        return [(row[0], _webhook(row[1:])) for row in self._sql.all(
            f"SELECT w.hat_id, {', '.join('w.' + c.strip() for c in _COLUMNS.split(','))}"
            " FROM webhooks w JOIN change_counters c ON c.hat_id = w.hat_id"
            " WHERE c.last_id > w.delivered_through AND w.next_attempt_at <= :now AND"
            " w.lease_until <= :now ORDER BY w.next_attempt_at LIMIT :limit",
            {"now": now_ms, "limit": limit})]


class WebhooksWriter(Webhooks):
    def add(self, hat_id: str, webhook: Webhook) -> None:
        self._sql.run(f"INSERT INTO webhooks (hat_id, {_COLUMNS}) VALUES (:hat, :id, :app,"
                      " :url, :endpoints, :secret, :through, 0, 0, NULL, :now)",
                      {"hat": hat_id, "id": webhook.webhook_id,
                       "app": webhook.application_id, "url": webhook.url,
                       "endpoints": orjson.dumps(list(webhook.endpoints)).decode(),
                       "secret": webhook.secret, "through": webhook.delivered_through,
                       "now": webhook.created_at})

    def remove(self, hat_id: str, webhook_id: str, application_id: str | None) -> bool:
        """Forget the webhook (only if it is `application_id`'s, when given); whether it
        existed."""
        where = "" if application_id is None else " AND application_id = :app"
        return self._sql.run(f"DELETE FROM webhooks WHERE hat_id = :hat AND webhook_id = :id"
                             f"{where}", {"hat": hat_id, "id": webhook_id,
                                          "app": application_id}) > 0

    def set_secret(self, hat_id: str, webhook_id: str, application_id: str | None,
                   secret: str) -> bool:
        """Give the webhook (only if it is `application_id`'s, when given) a new signing
        secret; whether it exists."""
        where = "" if application_id is None else " AND application_id = :app"
        return self._sql.run(f"UPDATE webhooks SET secret = :secret WHERE hat_id = :hat AND"
                             f" webhook_id = :id{where}",
                             {"secret": secret, "hat": hat_id, "id": webhook_id,
                              "app": application_id}) > 0

    def remove_application(self, hat_id: str, application_id: str) -> None:
        """Forget every webhook of an application (it was removed)."""
        self._sql.run("DELETE FROM webhooks WHERE hat_id = :hat AND application_id = :app",
                      {"hat": hat_id, "app": application_id})

    def lease(self, hat_id: str, webhook_id: str, now_ms: int, until_ms: int) -> bool:
        """Hold the webhook for a delivery until `until_ms`, unless another process holds
        it; whether this one does now."""
        return self._sql.run("UPDATE webhooks SET lease_until = :until WHERE hat_id = :hat"
                             " AND webhook_id = :id AND lease_until <= :now",
                             {"hat": hat_id, "id": webhook_id, "now": now_ms,
                              "until": until_ms}) > 0

    def delivered(self, hat_id: str, webhook_id: str, through: int) -> None:
        """Events up to `through` delivered (or skipped): release the lease, reset the
        attempts."""
        self._sql.run("UPDATE webhooks SET delivered_through = :through, attempts = 0,"
                      " next_attempt_at = 0, lease_until = 0, last_error = NULL"
                      " WHERE hat_id = :hat AND webhook_id = :id",
                      {"hat": hat_id, "id": webhook_id, "through": through})

    def failed(self, hat_id: str, webhook_id: str, error: str, retry_at: int) -> None:
        """A delivery failed: release the lease, count the attempt, try again at
        `retry_at`."""
        self._sql.run("UPDATE webhooks SET attempts = attempts + 1, next_attempt_at = :at,"
                      " lease_until = 0, last_error = :error WHERE hat_id = :hat AND"
                      " webhook_id = :id",
                      {"hat": hat_id, "id": webhook_id, "at": retry_at, "error": error})
