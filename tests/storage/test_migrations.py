"""The one migration runner (storage/migrations): several processes starting on one new
database at once all succeed, and the schema ends up complete, on both backends."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from openhat.storage import open_store
from openhat.storage.migrations import migrations

PROCESSES = 4
ROUNDS = 3


def _migrate(url: str, barrier: Any, results: Any) -> None:
    """In a process of its own: open the store, wait for the others, migrate."""
    store = open_store(url)
    try:
        barrier.wait(30)
        results.put(("ok", store.migrate()))
    except Exception as exc:  # reported to the test, which fails on it
        results.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        store.close()


def migrate_together(url: str) -> list[list[str]]:
    """Migrate `url` from PROCESSES separate processes released at the same moment; the
    names each applied (a process that failed fails the test)."""
    context = multiprocessing.get_context("spawn")  # no inherited connections or locks
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [context.Process(target=_migrate, args=(url, barrier, results))
               for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(30)
    errors = [detail for status, detail in outcomes if status == "error"]
    assert not errors, errors
    return [applied for _, applied in outcomes]


def assert_applied_once(dialect: str, applied: list[list[str]]) -> None:
    names = sorted(name for one in applied for name in one)
    assert names == sorted(f"{m.version:03d}_{m.name}" for m in migrations(dialect))


def test_processes_migrating_a_new_sqlite_database_at_once_all_succeed(tmp_path: Path) -> None:
    for round_ in range(ROUNDS):
        url = f"sqlite:///{tmp_path / f'new-{round_}.db'}"
        assert_applied_once("sqlite", migrate_together(url))
        store = open_store(url)
        try:
            assert store.migrate() == []  # complete: nothing left to apply
            with store.write() as tx:  # and usable: every table is there
                assert tx.users.by_name("no-hat", "nobody") is None
        finally:
            store.close()


@pytest.mark.postgres
def test_processes_migrating_a_new_postgres_schema_at_once_all_succeed() -> None:
    from tests.conftest import postgres_schema

    with postgres_schema() as url:
        assert_applied_once("postgres", migrate_together(url))
        store = open_store(url)
        try:
            assert store.migrate() == []
        finally:
            store.close()
