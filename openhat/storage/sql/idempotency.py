"""Idempotency keys: plain-table SQL written once for both engines.

Only a writer: every use of a key (claiming it, keeping the response, releasing it) changes
it, so it is read inside the unit of work that changes it (openhat/idempotency.py).
"""

from __future__ import annotations

from openhat.storage.rows import IdempotentResponse
from openhat.storage.sql.runner import Area


class IdempotencyWriter(Area):
    def claim(self, hat_id: str, key: str, fingerprint: bytes, now_ms: int,
              expire_before_ms: int) -> IdempotentResponse | None:
        """Claim `key` for a request about to run: None when it is newly claimed, else what
        is kept of the earlier request with that key (status None while that one runs). A
        claim made before `expire_before_ms` is forgotten first.

        Of two claims racing for one key exactly one inserts (ON CONFLICT); on PostgreSQL
        the other waits for it, then reads its row. When that row was released in between,
        the read finds nothing and the claim is tried again (each statement sees what is
        committed when it starts)."""
        params = {"hat": hat_id, "key": key, "fingerprint": fingerprint, "now": now_ms,
                  "expire": expire_before_ms}
        self._sql.run("DELETE FROM idempotency_keys WHERE hat_id = :hat AND key = :key AND"
                      " created_at < :expire", params)
        while True:
            if self._sql.run("INSERT INTO idempotency_keys (hat_id, key, fingerprint,"
                             " created_at) VALUES (:hat, :key, :fingerprint, :now)"
                             " ON CONFLICT (hat_id, key) DO NOTHING", params):
                return None
            row = self._sql.one("SELECT fingerprint, status, body FROM idempotency_keys"
                                " WHERE hat_id = :hat AND key = :key", params)
            if row is not None:
                return IdempotentResponse(bytes(row[0]), None if row[1] is None
                                          else int(row[1]),
                                          None if row[2] is None else bytes(row[2]))

    def finish(self, hat_id: str, key: str, status: int, body: bytes) -> None:
        """Keep the response of the request that claimed `key`, for its retries."""
        self._sql.run("UPDATE idempotency_keys SET status = :status, body = :body"
                      " WHERE hat_id = :hat AND key = :key",
                      {"status": status, "body": body, "hat": hat_id, "key": key})

    def release(self, hat_id: str, key: str) -> None:
        """Forget a claim whose request failed, so that a retry runs again."""
        self._sql.run("DELETE FROM idempotency_keys WHERE hat_id = :hat AND key = :key",
                      {"hat": hat_id, "key": key})
