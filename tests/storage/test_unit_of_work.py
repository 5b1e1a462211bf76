"""The unit of work (`store.write(hat_id)`, storage/base.py), on both backends: its changes
commit together or not at all, and its events reach subscribers only after the commit, in
the order they were emitted, and never for a unit of work that rolled back."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from openhat.events import Event, HatCreated, HatRenamed, KeyRotated
from openhat.hats import service as hats
from openhat.identity import tokens, users
from openhat.storage.base import Store
from openhat.storage.rows import Hat, HatExists, UserExists

NOW = 1_700_000_000_000


class Boom(Exception):
    pass


class Recorder:
    """A subscriber that notes each batch of events, and what a fresh read saw then."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.batches: list[tuple[Event, ...]] = []
        self.seen: list[list[str]] = []  # the domains of the HATs, read by the subscriber

    def __call__(self, events: Sequence[Event]) -> None:
        self.batches.append(tuple(events))
        self.seen.append([hat.domain for hat in self.store.hats.all()])


@pytest.fixture
def recorder(store: Store) -> Recorder:
    recorder = Recorder(store)
    store.subscribe(recorder)
    return recorder


def test_events_arrive_after_the_commit_in_order(store: Store, recorder: Recorder) -> None:
    hat = Hat("hat-1", "a.example.test", NOW)
    key = tokens.generate_key(hat.hat_id)
    with store.write() as tx:
        tx.hats.create(hat)
        tx.emit(HatCreated(hat.hat_id, hat.domain))
        tx.keys.add(key)
        tx.emit(KeyRotated(hat.hat_id, key.kid, False))
        tx.hats.rename(hat.hat_id, "b.example.test")
        tx.emit(HatRenamed(hat.hat_id, "b.example.test"))
        assert recorder.batches == []  # nothing before the commit
        assert store.hats.all() == []  # nor is the change visible outside the transaction
    assert recorder.batches == [(HatCreated(hat.hat_id, "a.example.test"),
                                 KeyRotated(hat.hat_id, key.kid, False),
                                 HatRenamed(hat.hat_id, "b.example.test"))]
    assert recorder.seen == [["b.example.test"]]  # committed by the time it was told


def test_each_unit_of_work_is_its_own_batch(store: Store, recorder: Recorder) -> None:
    a = hats.create_hat(store, "a.example.test", "owner", "pw-a").hat
    b = hats.create_hat(store, "b.example.test", "owner", "pw-b").hat
    with store.write():
        pass  # a unit of work that emits nothing tells no one
    assert recorder.batches == [(HatCreated(a.hat_id, a.domain),),
                                (HatCreated(b.hat_id, b.domain),)]
    assert recorder.seen == [["a.example.test"], ["a.example.test", "b.example.test"]]


def test_a_unit_of_work_that_raises_leaves_nothing_and_tells_no_one(
        store: Store, recorder: Recorder) -> None:
    hat = Hat("hat-1", "a.example.test", NOW)
    owner = users.new_owner(hat.hat_id, "user-1", "owner", "a-password-1")
    with pytest.raises(Boom), store.write() as tx:
        tx.hats.create(hat)
        tx.users.add(owner)
        tx.keys.add(tokens.generate_key(hat.hat_id))
        tx.emit(HatCreated(hat.hat_id, hat.domain))
        raise Boom()
    assert recorder.batches == []
    assert store.hats.all() == []
    assert store.users.by_id(hat.hat_id, owner.user_id) is None
    assert store.keys.all(hat.hat_id) == []


def test_a_storage_error_half_way_undoes_the_earlier_writes(store: Store,
                                                            recorder: Recorder) -> None:
    """A write refused by the store (here: a second user of the same name) takes the
    writes before it with it, on PostgreSQL too (no violation aborts the transaction)."""
    hat = Hat("hat-1", "a.example.test", NOW)
    owner = users.new_owner(hat.hat_id, "user-1", "owner", "a-password-1")
    with pytest.raises(UserExists), store.write() as tx:
        tx.hats.create(hat)
        tx.emit(HatCreated(hat.hat_id, hat.domain))
        tx.users.add(owner)
        tx.users.add(users.new_owner(hat.hat_id, "user-2", "owner", "a-password-2"))
    assert recorder.batches == []
    assert store.hats.all() == []
    assert store.users.by_id(hat.hat_id, owner.user_id) is None


def test_a_refused_domain_operation_changes_nothing(store: Store, recorder: Recorder) -> None:
    first = hats.create_hat(store, "a.example.test", "owner", "pw-a")
    with pytest.raises(HatExists):
        hats.create_hat(store, "A.example.test.", "intruder", "pw-b")
    assert [hat.hat_id for hat in store.hats.all()] == [first.hat.hat_id]
    assert recorder.batches == [(HatCreated(first.hat.hat_id, "a.example.test"),)]
    assert store.users.by_name(first.hat.hat_id, "intruder") is None
    assert len(store.keys.all(first.hat.hat_id)) == 1


def test_reads_inside_see_the_unit_of_works_own_writes(store: Store) -> None:
    hat = Hat("hat-1", "a.example.test", NOW)
    with store.write() as tx:
        tx.hats.create(hat)
        assert tx.hats.by_domain("a.example.test") == hat
        assert store.hats.by_domain("a.example.test") is None
    assert store.hats.by_domain("a.example.test") == hat
