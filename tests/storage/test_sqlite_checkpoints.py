"""The SQLite writer never checkpoints; the store's Checkpointer thread copies the WAL back
into the database file and keeps the WAL from growing without end (sqlite_checkpoints.py)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from openhat.hats import service as hats
from openhat.records import service as records
from openhat.storage.query import endpoint_page
from openhat.storage.rows import NewElement
from openhat.storage.sqlite import checkpoints as sqlite_checkpoints
from openhat.storage.sqlite.store import SqliteStore
from tests.storage import writes

NOW = 1_700_000_000_000


def write(store: SqliteStore, hat_id: str, start: int, count: int) -> None:
    elements = [NewElement(records.new_record("ns/ep", {"n": i, "text": "x" * 200}))
                for i in range(start, start + count)]
    writes.insert(store, hat_id, elements, NOW)


def test_writes_reach_the_database_file_without_autocheckpoint(tmp_path: Path) -> None:
    path = str(tmp_path / "hat.db")
    store = SqliteStore(path)
    store.migrate()
    assert store._writer.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
    hat_id = hats.create_hat(store, "a.example.test", "owner", "pa55w0rd").hat.hat_id
    before = os.path.getsize(path)
    write(store, hat_id, 0, 2000)
    deadline = time.monotonic() + 10
    while os.path.getsize(path) < before + 2000 * 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert os.path.getsize(path) >= before + 2000 * 200
    store.close()
    reopened = SqliteStore(path)
    assert len(reopened.records.page(hat_id, endpoint_page("ns/ep", take=5000))) == 2000
    reopened.close()


def test_a_long_wal_is_restarted_under_the_write_lock(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_checkpoints, "RESTART_FRAMES", 50)
    path = str(tmp_path / "hat.db")
    store = SqliteStore(path)
    store.migrate()
    hat_id = hats.create_hat(store, "a.example.test", "owner", "pa55w0rd").hat.hat_id
    assert store._checkpointer is not None
    store._checkpointer.close()  # its thread would checkpoint too: only the calls below may
    store._checkpointer = None
    turns: list[str] = []

    @contextmanager
    def exclusive() -> Iterator[None]:
        with store._exclusive():
            turns.append("restart")
            yield

    checkpointer = sqlite_checkpoints.Checkpointer(path, exclusive)
    checkpointer.close()  # its thread is not needed: checkpoints run by hand below
    conn = sqlite3.connect(path, isolation_level=None)
    checkpointer.checkpoint(conn)  # what migrating and creating the HAT wrote
    turns.clear()
    write(store, hat_id, 0, 10)  # a few frames: a PASSIVE checkpoint is enough
    checkpointer.checkpoint(conn)
    assert turns == []
    write(store, hat_id, 10, 1000)  # past RESTART_FRAMES
    checkpointer.checkpoint(conn)
    assert turns == ["restart"]
    size = os.path.getsize(f"{path}-wal")
    write(store, hat_id, 1010, 10)  # the WAL restarted: written from its start again
    assert os.path.getsize(f"{path}-wal") == size
    conn.close()
    store.close()


def test_close_stops_the_checkpoint_thread(tmp_path: Path) -> None:
    def running() -> int:
        return sum(t.name == "sqlite-checkpoints" for t in threading.enumerate())

    before = running()
    store = SqliteStore(str(tmp_path / "hat.db"))
    assert running() == before + 1
    store.close()
    assert running() == before
