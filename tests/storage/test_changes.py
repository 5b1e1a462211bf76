"""The change log (storage/sql/changes.py, docs/events.md) on both backends: written in the
unit of work's own transaction (nothing for one that rolls back, nor for one that fails in a
`subscribe_within` subscriber), ids that only grow, the retained window; and over HTTP the
answers to a resume from outside it."""

from __future__ import annotations

import time

import pytest
from starlette.testclient import TestClient

from openhat.events import ApplicationDisabled, RecordsCreated, RecordsDeleted
from openhat.hats.service import NewHat
from openhat.notifications import changes
from openhat.storage.base import Store, Tx

NOW = 1_700_000_000_000


class Boom(Exception):
    pass


def _created(hat_id: str, *pairs: tuple[str, str]) -> RecordsCreated:
    return RecordsCreated(hat_id, tuple(pairs))


def test_a_row_per_change_and_endpoint(store: Store, hat: NewHat) -> None:
    hat_id = hat.hat.hat_id
    with store.write(hat_id) as tx:
        tx.emit(_created(hat_id, ("a/x", "1"), ("b/y", "2"), ("a/x", "3"), ("b/y", "4")))
        tx.emit(_created(hat_id, ("b/y", "5")))
        tx.emit(RecordsDeleted(hat_id, (("a/x", "1"),)))
        tx.emit(ApplicationDisabled(hat_id, "app"))
    rows = store.changes.after(hat_id, 0)
    assert [(r.kind, r.endpoint, r.record_ids, r.last_id) for r in rows] == [
        ("created", "a/x", ["1", "3"], 2), ("created", "b/y", ["2", "4", "5"], 5),
        ("deleted", "a/x", ["1"], 6), ("access", None, [], 7)]
    assert store.changes.counter(hat_id).last_id == 7


def test_a_rolled_back_unit_of_work_logs_nothing(store: Store, hat: NewHat) -> None:
    hat_id = hat.hat.hat_id
    with pytest.raises(Boom), store.write(hat_id) as tx:
        tx.emit(_created(hat_id, ("a/x", "1")))
        raise Boom

    def failing(tx: Tx) -> None:
        raise Boom

    store.subscribe_within(failing)
    with pytest.raises(Boom), store.write(hat_id) as tx:
        tx.emit(_created(hat_id, ("a/x", "2")))
    assert store.changes.after(hat_id, 0) == []
    assert store.changes.counter(hat_id).last_id == 0


def test_ids_only_grow_past_the_window(store: Store, hat: NewHat) -> None:
    hat_id = hat.hat.hat_id
    for n in range(3):
        with store.write(hat_id) as tx:
            tx.emit(_created(hat_id, ("a/x", str(n))))
    time.sleep(0.01)  # older than now, by the clock's milliseconds
    assert changes.prune(store, 0) == 3
    assert store.changes.after(hat_id, 0) == []
    assert store.changes.counter(hat_id).pruned_through == 3
    with store.write(hat_id) as tx:
        tx.emit(_created(hat_id, ("a/x", "new")))
    assert [r.last_id for r in store.changes.after(hat_id, 0)] == [4]


def test_a_resume_from_outside_the_window(owner: TestClient, store: Store) -> None:
    for n in range(3):
        owner.post("/api/v2.6/data/window/a", json={"n": n})
    time.sleep(0.01)
    changes.prune(store, 0)
    gone = owner.get("/api/v2.6/events", headers={"Last-Event-ID": "1"})
    assert gone.status_code == 410
    assert gone.json()["error"] == "Gone" and "retained window" in gone.json()["message"]
    future = owner.get("/api/v2.6/events?Last-Event-ID=99")
    assert future.status_code == 400
    bad = owner.get("/api/v2.6/events?endpoint=Not%20An%20Endpoint")
    assert bad.status_code == 400
