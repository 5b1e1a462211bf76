"""`Idempotency-Key` on writes: a retried request with the same key gets the first answer and
writes nothing twice (decisions doc, "Beyond the original").

The key is claimed before the write runs and its response kept after it succeeds, so two
copies of one request racing each other cannot both write: the second sees the claim (409
while the first runs, the first's answer once it is done). A failed request releases its
claim, so fixing and retrying works. Keys are kept for 24 hours, per HAT and per caller: the
same key sent by another caller (another user, or the same user through an application) is
another key, so a replay never hands one caller's answer to another.
"""

from __future__ import annotations

import hashlib

from openhat.clock import DAY_MS, now_ms
from openhat.errors import BadRequest, IdempotencyConflict, IdempotencyMismatch
from openhat.storage.base import Store
from openhat.storage.rows import IdempotentResponse

HEADER = "Idempotency-Key"
KEEP_MS = DAY_MS
MAX_KEY_LENGTH = 255


def fingerprint(method: str, path: str, query: str, body: bytes) -> bytes:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


def scoped_key(caller: str, key: str) -> str:
    """The stored form of the client's `key` for `caller` (a user id, with the application
    its token speaks for, if any). Raises BadRequest for an unusable key."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise BadRequest(f"Invalid {HEADER}: 1 to {MAX_KEY_LENGTH} printable characters")
    return f"{caller}\n{key}"  # a newline cannot occur in a printable key


def claim(store: Store, hat_id: str, stored_key: str, request_fingerprint: bytes
          ) -> IdempotentResponse | None:
    """None when the request should run now (the key is claimed for it); the kept response
    when it ran before. Raises IdempotencyMismatch when the key belonged to a different
    request, IdempotencyConflict while the first request is still running."""
    key = stored_key.rsplit("\n", 1)[-1]
    now = now_ms()
    with store.write(hat_id) as tx:
        earlier = tx.idempotency.claim(hat_id, stored_key, request_fingerprint, now,
                                       now - KEEP_MS)
    if earlier is None:
        return None
    if earlier.fingerprint != request_fingerprint:
        raise IdempotencyMismatch(f"{HEADER} {key} was used for a different request")
    if earlier.status is None:
        raise IdempotencyConflict(f"The request with {HEADER} {key} is still in progress")
    return earlier


def finish(store: Store, hat_id: str, stored_key: str, status: int, body: bytes) -> None:
    """Keep the response of the request that claimed the key, for its retries."""
    with store.write(hat_id) as tx:
        tx.idempotency.finish(hat_id, stored_key, status, body)


def release(store: Store, hat_id: str, stored_key: str) -> None:
    """Forget the claim of a request that failed, so that a retry runs again."""
    with store.write(hat_id) as tx:
        tx.idempotency.release(hat_id, stored_key)
