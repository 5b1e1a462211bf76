"""The Store's applications section (storage/base.py), on every backend: registrations and
their status, key rotation, the HAT's owner and an endpoint's newest record time."""

from __future__ import annotations

import time

import pytest

from openhat.hats import service as hats
from openhat.identity import tokens
from openhat.records import service as records
from openhat.storage.base import Store
from openhat.storage.rows import NewElement
from tests.storage import writes

NOW = 1_700_000_000_000


@pytest.fixture
def hat_id(store: Store) -> str:
    return hats.create_hat(store, "apps.example.test", "owner", "a-password-1").hat.hat_id


def save(store: Store, hat_id: str, application_id: str, manifest: str, now: int) -> bool:
    with store.write(hat_id) as tx:
        return tx.applications.save(hat_id, application_id, manifest, now)


def set_status(store: Store, hat_id: str, application_id: str, enabled: bool,
               version: str, now: int) -> None:
    with store.write(hat_id) as tx:
        tx.applications.set_status(hat_id, application_id, enabled, version, now)


def delete(store: Store, hat_id: str, application_id: str) -> bool:
    with store.write(hat_id) as tx:
        return tx.applications.delete(hat_id, application_id)


def test_register_replace_and_remove(store: Store, hat_id: str) -> None:
    assert save(store, hat_id, "b-app", '{"id":"b-app"}', NOW) is True
    assert save(store, hat_id, "a-app", '{"id":"a-app"}', NOW) is True
    set_status(store, hat_id, "b-app", True, "1.0.0", NOW + 1)
    assert save(store, hat_id, "b-app", '{"id":"b-app","v":2}', NOW + 2) is False
    found = store.applications.get(hat_id, "b-app")
    assert found is not None
    assert (found.manifest, found.enabled, found.setup_version) == \
        ('{"id":"b-app","v":2}', True, "1.0.0")  # replacing keeps the status
    assert (found.added_at, found.updated_at) == (NOW, NOW + 2)
    assert [a.application_id for a in store.applications.all(hat_id)] == ["a-app", "b-app"]
    set_status(store, hat_id, "b-app", False, "1.0.0", NOW + 3)
    assert store.applications.get(hat_id, "b-app").enabled is False  # type: ignore[union-attr]
    assert delete(store, hat_id, "b-app") is True
    assert delete(store, hat_id, "b-app") is False
    assert store.applications.get(hat_id, "b-app") is None


def test_applications_belong_to_one_hat(store: Store, hat_id: str) -> None:
    other = hats.create_hat(store, "other.example.test", "owner", "a-password-1").hat.hat_id
    save(store, hat_id, "app", "{}", NOW)
    assert store.applications.get(other, "app") is None
    assert store.applications.all(other) == []
    assert delete(store, other, "app") is False
    with store.write() as tx:
        tx.hats.delete(hat_id)
    assert store.applications.all(hat_id) == []


@pytest.mark.parametrize("revoke", [False, True])
def test_rotate_signing_key(store: Store, hat_id: str, revoke: bool) -> None:
    first = store.keys.all(hat_id)[0]
    second = tokens.generate_key(hat_id)
    with store.write(second.hat_id) as tx:
        tx.keys.rotate(second, int(time.time()), revoke=False)
    third = tokens.generate_key(hat_id)
    with store.write(third.hat_id) as tx:
        tx.keys.rotate(third, int(time.time()), revoke=revoke)
    keys = {k.kid: k for k in store.keys.all(hat_id)}
    assert set(keys) == {first.kid, second.kid, third.kid}
    assert tokens.signing_key(list(keys.values())).kid == third.kid
    for older in (first.kid, second.kid):
        assert keys[older].retired_at is not None
        assert keys[older].revoked is revoke
    assert keys[third.kid].retired_at is None and not keys[third.kid].revoked


def test_hat_owner(store: Store, hat_id: str) -> None:
    from openhat.identity import users

    with store.write() as tx:
        tx.users.add(users.new_user(hat_id, "aaa-debit-user", "a-password-1", ("datadebit",)))
    owner = store.users.owner(hat_id)
    assert owner is not None and owner.username == "owner" and "owner" in owner.roles
    assert store.users.owner("no-such-hat") is None


def test_newest_record_time(store: Store, hat_id: str) -> None:
    assert store.records.newest_time(hat_id, "ns/ep") is None
    first = records.new_record("ns/ep", {"n": 1})
    writes.insert(store, hat_id, [NewElement(first)], NOW)
    writes.insert(store, hat_id, [NewElement(records.new_record("ns/ep", {"n": 2}))], NOW + 5)
    assert store.records.newest_time(hat_id, "ns/ep") == NOW + 5
    writes.update(store, hat_id, [records.new_record("ns/ep", {"n": 3}, first.record_id)],
                         NOW + 9)
    assert store.records.newest_time(hat_id, "ns/ep") == NOW + 9
    assert store.records.newest_time(hat_id, "ns/other") is None
