"""Rotating a HAT's signing key.

Each token names the key that signed it (`kid`). Rotation adds a new key that signs every
token from then on (sliding refreshes included, so active clients move to it by themselves);
the older keys are retired: they still verify the tokens they signed until those expire. With
`revoke`, the older keys are revoked instead and every token they signed is refused at once
(after a suspected key leak); everyone logs in again.
"""

from __future__ import annotations

from dataclasses import dataclass

from openhat.clock import now_s
from openhat.events import KeyRotated
from openhat.identity import tokens
from openhat.storage.base import Store
from openhat.storage.rows import SigningKey


@dataclass(frozen=True)
class Rotation:
    new: SigningKey
    older: list[SigningKey]  # the keys retired or revoked by this rotation


def hat_keys(store: Store, hat_id: str) -> list[SigningKey]:
    """Every key of the HAT, newest first: those that verify its tokens, and the one that
    signs new ones (tokens.signing_key)."""
    return store.keys.all(hat_id)


def rotate(store: Store, hat_id: str, revoke: bool = False) -> Rotation:
    """Make a new signing key and retire (or revoke) the others, in one unit of work that
    holds the HAT (so a HAT move never copies around it). Raises HatUnavailable when the
    HAT is not in this database (any more)."""
    key = tokens.generate_key(hat_id)  # slow: made before the transaction
    with store.write(hat_id) as tx:
        before = [k for k in tx.keys.all(hat_id) if not k.revoked and
                  (revoke or k.retired_at is None)]
        tx.keys.rotate(key, now_s(), revoke)
        tx.emit(KeyRotated(hat_id, key.kid, revoke))
    return Rotation(key, before)
