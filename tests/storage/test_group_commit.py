"""SQLite group commit (storage/sqlite/groups.py): concurrent units of work share commits,
each is all or nothing on its own, and none returns before its rows are committed."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from openhat.storage.sqlite.store import SqliteStore

WRITERS = 16
EACH = 25


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "g.db"


@pytest.fixture
def store(path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(str(path))
    yield opened
    opened.close()


def _table(store: SqliteStore) -> None:
    with store._write() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS t (writer INTEGER, n INTEGER)")


def _committed(path: Path) -> list[tuple[int, int]]:
    """The rows another connection sees: committed ones only."""
    with sqlite3.connect(path) as conn:
        return [tuple(r) for r in conn.execute("SELECT writer, n FROM t ORDER BY rowid")]


def _write_concurrently(store: SqliteStore, path: Path,
                        fail: set[tuple[int, int]]) -> list[str]:
    problems: list[str] = []
    start = threading.Barrier(WRITERS)

    def writer(w: int) -> None:
        start.wait()
        for n in range(EACH):
            try:
                with store._write() as conn:
                    conn.execute("INSERT INTO t VALUES (?, ?)", (w, n))
                    if (w, n) in fail:
                        raise RuntimeError("this unit fails")
            except RuntimeError:
                continue
            # acknowledged: committed, for every other connection
            if (w, n) not in _committed(path):
                problems.append(f"{w}/{n} acknowledged before its commit")

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return problems


def test_concurrent_units_share_commits_and_each_is_acknowledged_committed(
        store: SqliteStore, path: Path) -> None:
    _table(store)
    before = (store._groups.units, store._groups.commits)
    fail = {(w, n) for w in range(WRITERS) for n in range(EACH) if (w * EACH + n) % 7 == 3}
    assert _write_concurrently(store, path, fail) == []
    rows = _committed(path)
    expected = {(w, n) for w in range(WRITERS) for n in range(EACH)} - fail
    assert sorted(rows) == sorted(expected)  # the failed units only are missing
    for w in range(WRITERS):  # each writer's rows in the order it wrote them
        mine = [n for writer, n in rows if writer == w]
        assert mine == sorted(mine)
    units = store._groups.units - before[0]
    commits = store._groups.commits - before[1]
    assert units == WRITERS * EACH
    assert commits < units  # shared: 16 writers at once never each commit alone


def test_a_unit_alone_commits_at_once(store: SqliteStore, path: Path) -> None:
    _table(store)
    commits = store._groups.commits
    for n in range(3):
        with store._write() as conn:
            conn.execute("INSERT INTO t VALUES (0, ?)", (n,))
        assert _committed(path)[-1] == (0, n)
    assert store._groups.commits - commits == 3


def test_a_failed_commit_fails_every_unit_of_its_group(store: SqliteStore,
                                                       path: Path) -> None:
    """A COMMIT the database refuses (here a deferred foreign key) reaches each unit."""
    with store._write() as conn:
        conn.execute("CREATE TABLE p (id INTEGER PRIMARY KEY)")
        conn.execute("CREATE TABLE c (p INTEGER REFERENCES p (id)"
                     " DEFERRABLE INITIALLY DEFERRED)")
    with pytest.raises(sqlite3.IntegrityError), store._write() as conn:
        conn.execute("INSERT INTO c VALUES (42)")
    with store._write() as conn:  # the writer goes on
        conn.execute("INSERT INTO p VALUES (1)")
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT count(*) FROM c").fetchone() == (0,)
        assert other.execute("SELECT count(*) FROM p").fetchone() == (1,)
