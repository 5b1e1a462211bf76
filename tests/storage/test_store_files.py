"""The files area of the Store on both backends: metadata, grants, ids by prefix (taken
literally), the HAT's usage figure and URL secret, and a HAT's removal taking its files."""

from __future__ import annotations

from dataclasses import replace

from openhat.hats import service as hats
from openhat.storage.base import Store
from openhat.storage.rows import FileAccess, FileStatus, StoredFile

FILE = StoredFile("testa.png", "a.png", "test", 1_000, 1_000, ("x", "y"), "T", None, None,
                  "image/png", FileStatus.NEW, None, False)


def new_hat(store: Store, domain: str) -> str:
    return hats.create_hat(store, domain, "owner", "pa55w0rd-long").hat.hat_id


def test_files_round_trip_with_their_grants(store: Store) -> None:
    hat = new_hat(store, "a.example.test")
    with store.write(hat) as tx:
        tx.files.add(hat, FILE)
        tx.files.add(hat, replace(FILE, file_id="testb", tags=None, created_at=2_000))
        tx.files.grant(hat, ["testa.png"], "user-1", False)
        tx.files.grant(hat, ["testa.png"], "user-1", True)  # replaces the flag
        tx.files.grant(hat, ["testa.png", "testb"], "user-2", False)
    assert store.files.get(hat, "testa.png") == replace(FILE, permissions=(
        FileAccess("user-1", True), FileAccess("user-2", False)))
    assert [f.file_id for f in store.files.all(hat)] == ["testa.png", "testb"]
    assert store.files.all(hat, FileStatus.COMPLETED) == []
    with store.write(hat) as tx:
        tx.files.restrict(hat, ["testa.png", "testb"], "user-2")
        tx.files.update(hat, replace(FILE, status=FileStatus.COMPLETED, size=10, public=True))
    found = store.files.get(hat, "testa.png")
    assert found is not None and found.permissions == (FileAccess("user-1", True),)
    assert (found.status, found.size, found.public) == (FileStatus.COMPLETED, 10, True)
    assert store.files.get(hat, "nothing") is None


def test_ids_by_prefix_take_the_prefix_literally(store: Store) -> None:
    hat = new_hat(store, "a.example.test")
    with store.write(hat) as tx:
        for file_id in ("test_a.png", "testxa.png", "test_a-1.png", "other"):
            tx.files.add(hat, replace(FILE, file_id=file_id))
    assert sorted(store.files.ids_like(hat, "test_a")) == ["test_a-1.png", "test_a.png"]
    assert store.files.ids_like(hat, "test%") == []


def test_usage_counts_completed_files_of_the_hat_only(store: Store) -> None:
    a, b = new_hat(store, "a.example.test"), new_hat(store, "b.example.test")
    with store.write(a) as tx:
        tx.files.add(a, replace(FILE, status=FileStatus.COMPLETED, size=7))
        tx.files.add(a, replace(FILE, file_id="new", size=None))
        tx.files.add(a, replace(FILE, file_id="gone", status=FileStatus.DELETED))
    with store.write(b) as tx:
        tx.files.add(b, replace(FILE, status=FileStatus.COMPLETED, size=5))
    assert (store.files.usage(a), store.files.usage(b)) == (7, 5)
    assert store.files.usage("no-such-hat") == 0


def test_the_secret_is_made_once_per_hat(store: Store) -> None:
    a, b = new_hat(store, "a.example.test"), new_hat(store, "b.example.test")
    assert store.files.secret(a) is None
    with store.write(a) as tx:
        first = tx.files.ensure_secret(a)
        assert tx.files.ensure_secret(a) == first
    with store.write(b) as tx:
        other = tx.files.ensure_secret(b)
    assert len(first) == 32 and other != first and store.files.secret(a) == first


def test_removing_a_hat_removes_its_files(store: Store) -> None:
    hat = new_hat(store, "a.example.test")
    with store.write(hat) as tx:
        tx.files.add(hat, FILE)
        tx.files.grant(hat, [FILE.file_id], "user-1", True)
        tx.files.ensure_secret(hat)
    with store.write(hat) as tx:
        tx.hats.delete(hat)
    assert store.files.all(hat) == [] and store.files.secret(hat) is None
