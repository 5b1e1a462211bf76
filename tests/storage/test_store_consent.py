"""The Store's consent areas (storage/sql/{debits,bundles}.py), on every backend: bundles
read many at once, the rules that keep a consented bundle as consented, and the events a
consent's unit of work hands on after commit."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from openhat.applications import service as applications
from openhat.debits import service as debits
from openhat.debits.wire import parse_setup
from openhat.errors import DebitRequestMalformed
from openhat.events import (
    ApplicationSetUp,
    DebitCreated,
    DebitEnabled,
    Event,
)
from openhat.hats.service import NewHat
from openhat.storage.base import Store
from openhat.storage.rows import (
    LEGACY_CLIENT,
    BundleExists,
    BundleOwned,
    DebitExists,
    DebitMissing,
    DebitPermissions,
    DebitRow,
)
from tests.api.debit_fixtures import legacy_request, setup_request
from tests.app_fixtures import manifest

NOW = 1_700_000_000_000
PUBLIC = '{"notes":{"endpoints":[{"endpoint":"public/notes"}]}}'
SECRET = '{"notes":{"endpoints":[{"endpoint":"secret/diary"}]}}'


def row(key: str) -> DebitRow:
    return DebitRow(key, NOW, LEGACY_CLIENT, False, None)


def consent(bundle_id: str) -> DebitPermissions:
    return DebitPermissions(0, NOW, "", NOW, 1000, False, None, "", bundle_id, None, False)


def test_bundles_are_read_many_at_once(store: Store, hat: NewHat) -> None:
    hat_id = hat.hat.hat_id
    with store.write(hat_id) as tx:
        for i in range(600):  # more than one query's worth
            tx.bundles.save(hat_id, f"b{i}", PUBLIC, NOW)
    found = store.bundles.get_many(hat_id, ["b1", "nope", "b599", "b1"])
    assert found == {"b1": PUBLIC, "b599": PUBLIC}  # unknown ids left out
    assert len(store.bundles.get_many(hat_id, [f"b{i}" for i in range(600)])) == 600
    assert store.bundles.get_many(hat_id, []) == {}
    assert store.bundles.get_many("another-hat", ["b1"]) == {}


def test_a_debits_bundle_keeps_its_definition(store: Store, hat: NewHat) -> None:
    hat_id = hat.hat.hat_id
    with store.write(hat_id) as tx:
        tx.bundles.save(hat_id, "owners", SECRET, NOW)
        tx.debits.create(hat_id, row("dd"), consent("b1"), [("b1", PUBLIC)])
    reordered = '{"notes": {"endpoints": [{"endpoint": "public/notes"}]}}'
    attempts: list[tuple[str, Sequence[tuple[str, str]], bool, type[Exception] | None]] = [
        ("b1", [("b1", reordered)], False, None),  # its own bundle, unchanged: reused
        ("b1", [("b1", SECRET)], False, BundleExists),  # its own bundle, redefined
        ("b1", [("b1", PUBLIC)], True, BundleExists),  # legacy: bundle ids must be new
        ("owners", [("owners", SECRET)], False, BundleExists),  # the owner's bundle
    ]
    for bundle_id, bundles, only_new, refused in attempts:
        with store.write(hat_id) as tx:
            if refused is None:
                tx.debits.add_permissions(hat_id, "dd", consent(bundle_id), bundles, only_new)
            else:
                with pytest.raises(refused):
                    tx.debits.add_permissions(hat_id, "dd", consent(bundle_id), bundles,
                                              only_new)
    with store.write(hat_id) as tx, pytest.raises(BundleOwned) as owned:
        tx.bundles.save(hat_id, "b1", SECRET, NOW)
    assert owned.value.debit_key == "dd"
    with store.write(hat_id) as tx:
        tx.bundles.save(hat_id, "b1", reordered, NOW)  # the same definition is no change
        with pytest.raises(DebitExists):
            tx.debits.create(hat_id, row("dd"), consent("b9"), [("b9", PUBLIC)])
        with pytest.raises(BundleExists):
            tx.debits.create(hat_id, row("other"), consent("b1"), [("b1", PUBLIC)])
        with pytest.raises(DebitMissing):
            tx.debits.add_permissions(hat_id, "nope", consent("b9"), [("b9", PUBLIC)], False)
        assert tx.bundles.unchanged(hat_id, [("b1", reordered), ("owners", PUBLIC),
                                             ("nope", PUBLIC)]) == {"b1"}
    debit = store.debits.get(hat_id, "dd")
    assert debit is not None and [p.bundle_id for p in debit.permissions] == ["b1", "b1"]
    assert store.bundles.get(hat_id, "b1") == reordered  # the owner's re-save, same definition
    assert [d.row.debit_key for d in store.debits.all(hat_id)] == ["dd"]


def owner_id(store: Store, hat: NewHat) -> str:
    owner = store.users.owner(hat.hat.hat_id)
    assert owner is not None
    return owner.user_id


def collect(store: Store) -> list[Event]:
    events: list[Event] = []
    store.subscribe(events.extend)
    return events


def test_creating_a_debit_is_one_unit_of_work(store: Store, hat: NewHat) -> None:
    hat_id, user_id = hat.hat.hat_id, owner_id(store, hat)
    events = collect(store)
    debits.create(store, hat_id, "dd", parse_setup(setup_request()), user_id)
    assert events == [DebitCreated(hat_id, "dd", user_id)]
    user = store.users.by_id(hat_id, user_id)
    assert user is not None and "datadebit:dd" in user.roles
    with pytest.raises(DebitRequestMalformed):  # the bundle name is taken: nothing happens
        debits.create(store, hat_id, "dd2", parse_setup(setup_request()), user_id)
    assert store.debits.get(hat_id, "dd2") is None and len(events) == 1
    user = store.users.by_id(hat_id, user_id)
    assert user is not None and "datadebit:dd2" not in user.roles


def test_setting_an_application_up_is_one_unit_of_work(store: Store, hat: NewHat) -> None:
    hat_id, user_id = hat.hat.hat_id, owner_id(store, hat)
    applications.register(store, hat_id, manifest("notables", permissions={
        "rolesGranted": [{"role": "namespaceread", "detail": "rumpel"}],
        "dataRequired": legacy_request()}))
    events = collect(store)
    applications.setup(store, hat_id, "notables", user_id)
    assert events == [DebitCreated(hat_id, "app-notables", user_id),
                      DebitEnabled(hat_id, "app-notables"),
                      ApplicationSetUp(hat_id, "notables", "1.0.0")]
    # A dependency whose debit cannot be made leaves the whole setup undone.
    with store.write(hat_id) as tx:
        tx.debits.create(hat_id, row("app-other"), consent("taken"),
                         [("taken", SECRET)])
    applications.register(store, hat_id, manifest("other", permissions={
        "rolesGranted": [], "dataRequired": legacy_request() | {
            "bundle": {"name": "taken", "bundle": {}}}}))
    applications.register(store, hat_id, manifest("first", setup={
        "kind": "Internal", "dependencies": ["other"]}))
    del events[:]
    with pytest.raises(DebitRequestMalformed):
        applications.setup(store, hat_id, "first", user_id)
    assert events == []
    first = store.applications.get(hat_id, "first")
    assert first is not None and not first.enabled
