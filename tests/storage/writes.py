"""One records change as its own unit of work, for tests that check a single write."""

from __future__ import annotations

from collections.abc import Sequence

from openhat.storage.base import Store
from openhat.storage.rows import NewElement, NewRecord


def insert(store: Store, hat_id: str, elements: Sequence[NewElement], now_ms: int,
           skip_duplicates: bool = False) -> list[bool]:
    with store.write(hat_id) as tx:
        return tx.records.insert(hat_id, elements, now_ms, skip_duplicates)


def update(store: Store, hat_id: str, updates: Sequence[NewRecord], now_ms: int) -> None:
    with store.write(hat_id) as tx:
        tx.records.update(hat_id, updates, now_ms)


def delete(store: Store, hat_id: str, record_ids: Sequence[str]) -> None:
    with store.write(hat_id) as tx:
        tx.records.delete(hat_id, record_ids)


def delete_endpoint(store: Store, hat_id: str, endpoint: str) -> int:
    with store.write(hat_id) as tx:
        return tx.records.delete_endpoint(hat_id, endpoint)


def link(store: Store, hat_id: str, group_id: str, record_ids: Sequence[str]) -> None:
    with store.write(hat_id) as tx:
        tx.records.link(hat_id, group_id, record_ids)
