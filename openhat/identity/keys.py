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


def rotate(store: Store, hat_id: str, revoke: bool = False) -> Rotation:
    before = [k for k in store.keys.all(hat_id) if not k.revoked and
              (revoke or k.retired_at is None)]
    key = tokens.generate_key(hat_id)
    with store.write(hat_id) as tx:
        tx.keys.rotate(key, now_s(), revoke)
        tx.emit(KeyRotated(hat_id, key.kid, revoke))
    return Rotation(key, before)
