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


# --- upgrading a database that holds data, from every earlier migration ----------------

def _raw(url: str) -> Any:
    """A DB-API connection of the database at `url`, outside openhat's store."""
    if url.startswith("sqlite:///"):
        import sqlite3

        return sqlite3.connect(url.removeprefix("sqlite:///"))
    import psycopg

    return psycopg.connect(url, autocommit=False)


def _columns(conn: Any, sqlite: bool) -> dict[str, list[str]]:
    if sqlite:
        tables = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%'")]
        return {t: [row[1] for row in conn.execute(f"PRAGMA table_info({t})")] for t in tables}
    found: dict[str, list[str]] = {}
    for table, column in conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"):
        found.setdefault(table, []).append(column)
    return found


def _pg_value(value: Any) -> Any:
    """psycopg reads jsonb as Python values; it writes them back only when told so."""
    from psycopg.types.json import Jsonb

    return Jsonb(value) if isinstance(value, dict | list) else value


# The migrations' own bookkeeping, and what the database's triggers write as the rows go in.
_NOT_COPIED = {"schema_migrations", "context_versions"}


def _copy_into_older_schema(source: str, target: str) -> dict[str, list[tuple[Any, ...]]]:
    """Copy every row of `source` (the latest schema) into `target` (an older one), keeping
    the columns the older schema has; returns what was copied, per table."""
    from openhat.storage.sql.hats import HAT_TABLES

    sqlite = source.startswith("sqlite")
    mark = "?" if sqlite else "%s"
    copied: dict[str, list[tuple[Any, ...]]] = {}
    with _raw(source) as src, _raw(target) as dst:
        wanted = _columns(dst, sqlite)
        order = [t for t in reversed(HAT_TABLES) if t in wanted] + \
            sorted(t for t in wanted if t not in HAT_TABLES and t not in _NOT_COPIED)
        for table in order:
            columns = ", ".join(wanted[table])
            rows = [tuple(r) for r in src.execute(f"SELECT {columns} FROM {table}")]
            marks = ", ".join([mark] * len(wanted[table]))
            for row in rows:
                dst.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                            row if sqlite else tuple(_pg_value(v) for v in row))
            copied[table] = rows
        if not sqlite:  # rows came with their serial values: move the sequences past them
            for table, column in dst.execute(
                    "SELECT table_name, column_name FROM information_schema.columns WHERE"
                    " table_schema = current_schema() AND (column_default LIKE 'nextval%'"
                    " OR is_identity = 'YES')").fetchall():
                dst.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                            f" coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)")
        dst.commit()
    return copied


def _populate(url: str) -> None:
    """A HAT holding some of everything, written through the API."""
    from starlette.testclient import TestClient

    from openhat.config import Settings
    from openhat.hats import service as hats
    from openhat.web.app import create_app
    from tests.api.debit_fixtures import setup_request
    from tests.app_fixtures import installed_app
    from tests.conftest import DOMAIN, OWNER, PASSWORD, login

    store = open_store(url)
    store.migrate()
    hats.create_hat(store, DOMAIN, OWNER, PASSWORD)
    settings = Settings(database=url, domain=DOMAIN, owner=OWNER)
    with TestClient(create_app(settings, store), base_url=f"http://{DOMAIN}") as client:
        client.headers["X-Auth-Token"] = login(client)
        batch = [{"endpoint": "rumpel/notable", "data": {"message": "kept", "n": 1},
                  "links": [{"endpoint": "rumpel/nudge", "data": {"n": 2}}]},
                 {"endpoint": "test/complex", "data": {"n": 3}}]
        assert client.post("/api/v2.6/data-batch", json=batch,
                           headers={"Idempotency-Key": "upgrade"}).status_code == 201
        installed_app(client, "upgrader", "namespaceread:rumpel")
        assert client.post("/api/v2.6/combinator/c",
                           json=[{"endpoint": "rumpel/notable"}]).status_code == 201
        assert client.post("/api/v2.6/data-debit/dd", json=setup_request()).status_code == 201
    store.close()


def _check_upgraded(url: str, tables: set[str]) -> None:
    """What the owner sees after the upgrade: the data the older schema held (`tables`),
    working."""
    from starlette.testclient import TestClient

    from openhat.config import Settings
    from openhat.web.app import create_app
    from tests.conftest import DOMAIN, OWNER, login

    store = open_store(url)
    settings = Settings(database=url, domain=DOMAIN, owner=OWNER)
    try:
        with TestClient(create_app(settings, store), base_url=f"http://{DOMAIN}") as client:
            client.headers["X-Auth-Token"] = login(client)
            notes = client.get("/api/v2.6/data/rumpel/notable").json()
            assert [n["data"] for n in notes] == [{"message": "kept", "n": 1}]
            # the duplicate rule holds for records written before the upgrade
            again = client.post("/api/v2.6/data/rumpel/notable",
                                json={"message": "kept", "n": 1})
            assert again.status_code == 400, again.text
            if "combinators" in tables:
                assert len(client.get("/api/v2.6/combinator/c").json()) == 1
                assert client.get("/api/v2.6/data-debit/dd").json()["dataDebitKey"] == "dd"
            if "applications" in tables:
                app = client.get("/api/v2.6/applications/upgrader")
                assert app.status_code == 200 and app.json()["enabled"] is True, app.text
            if "idempotency_keys" in tables:
                replay = client.post("/api/v2.6/data-batch", json=[], headers={
                    "Idempotency-Key": "upgrade"})
                assert replay.status_code == 422  # the key is still held, for another body
    finally:
        store.close()


@pytest.mark.parametrize("last", [m.version for m in migrations("sqlite")][:-1])
def test_upgrading_a_sqlite_database_with_data(tmp_path: Path, last: int,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _upgrade_with_data(f"sqlite:///{tmp_path}/new.db", f"sqlite:///{tmp_path}/old.db",
                       "sqlite", last, monkeypatch)


@pytest.mark.postgres
@pytest.mark.parametrize("last", [m.version for m in migrations("postgres")][:-1])
def test_upgrading_a_postgres_database_with_data(last: int,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import postgres_schema

    with postgres_schema() as new, postgres_schema() as old:
        _upgrade_with_data(new, old, "postgres", last, monkeypatch)


def _upgrade_with_data(new: str, old: str, dialect: str, last: int,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A database migrated up to `last`, holding (the older columns of) a HAT written by
    today's code, upgrades to the latest schema with its data intact and usable."""
    from openhat.storage import migrations as runner

    _populate(new)
    everything = runner.migrations
    with monkeypatch.context() as patch:
        patch.setattr(runner, "migrations",
                      lambda d: [m for m in everything(d) if m.version <= last])
        store = open_store(old)
        store.migrate()
        store.close()
    copied = _copy_into_older_schema(new, old)
    assert copied["records"] and copied["users"]
    store = open_store(old)
    applied = store.migrate()
    store.close()
    assert applied == [m.label for m in everything(dialect) if m.version > last]
    _check_upgraded(old, set(copied))
