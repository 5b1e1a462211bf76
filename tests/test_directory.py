"""HATs spread over several PostgreSQL databases, and moving a HAT between them, with real
databases (each test makes its own and drops them)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from openhat.applications import service as applications
from openhat.cli import main
from openhat.config import Settings
from openhat.hats.directory import HatDirectory
from openhat.identity import keys, tokens
from openhat.records.service import new_record
from openhat.storage import open_store
from openhat.storage.postgres.move import MoveFailed, move_hat
from openhat.storage.postgres.store import PostgresStore
from openhat.storage.rows import DirectoryEntry, HatUnavailable, NewElement, StoredApplication
from openhat.web.app import create_app
from tests.app_fixtures import manifest
from tests.conftest import hat_id_of, login
from tests.storage import writes

pytestmark = pytest.mark.postgres

API = "/api/v2.6"
A, B = "a.example.test", "b.example.test"


def hats_cli(home: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["hats", *args, "--database", home])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def databases(new_postgres_database: Callable[[], str]) -> tuple[str, str]:
    """A home database with HAT A, and a second database holding HAT B."""
    home, other = new_postgres_database(), new_postgres_database()
    hats_cli(home, "add", A, "--owner", "alice", "--password", "alice-password-1")
    hats_cli(home, "add", B, "--owner", "bob", "--password", "bob-password-12",
             "--at", other)
    return home, other


@pytest.fixture
def app(databases: tuple[str, str]) -> Iterator[Any]:
    home, _ = databases
    app = create_app(Settings(database=home, domain=A))
    with TestClient(app):  # runs the lifespan, which closes the stores afterwards
        yield app


def client_for(app: Any, domain: str, username: str, password: str) -> TestClient:
    client = TestClient(app, base_url=f"http://{domain}")
    client.headers["X-Auth-Token"] = login(client, username, password)
    return client


def rows_of(url: str, hat_id: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {table: int(conn.execute(f"SELECT count(*) FROM {table} WHERE hat_id = %s",
                                        (hat_id,)).fetchone()[0])  # type: ignore[index]
                for table in ("hats", "users", "signing_keys", "records", "record_links",
                              "combinators")}


def test_one_process_serves_hats_of_two_databases(databases: tuple[str, str], app: Any) -> None:
    home, other = databases
    alice = client_for(app, A, "alice", "alice-password-1")
    bob = client_for(app, B, "bob", "bob-password-12")
    for client, text in ((alice, "from a"), (bob, "from b")):
        saved = client.post(f"{API}/data/notes/all", json={"text": text})
        assert saved.status_code == 201, saved.text
    assert [r["data"] for r in alice.get(f"{API}/data/notes/all").json()] == [{"text": "from a"}]
    assert [r["data"] for r in bob.get(f"{API}/data/notes/all").json()] == [{"text": "from b"}]
    assert rows_of(other, hat_id_of(other, B))["records"] == 1
    assert rows_of(home, hat_id_of(other, B))["hats"] == 0  # B's rows are not in the home
    response = bob.get(f"{API}/data/notes/all",
                       headers={"X-Auth-Token": alice.headers["X-Auth-Token"]})
    assert response.status_code == 401
    listed = hats_cli(home, "list")
    assert f"{A}\t" in listed and "home" in listed
    assert other.rsplit("/", 1)[1] in listed.splitlines()[1]


def test_moving_a_hat_keeps_its_data_order_links_and_tokens(databases: tuple[str, str],
                                                            app: Any) -> None:
    home, other = databases
    alice = client_for(app, A, "alice", "alice-password-1")
    batch = [{"endpoint": "notes/all", "data": {"n": i},
              "links": [{"endpoint": "notes/nudge", "data": {"m": i}}]} for i in range(50)]
    assert alice.post(f"{API}/data-batch", json=batch).status_code == 201
    alice.post(f"{API}/combinator/all", json=[{"endpoint": "notes/all"}])
    hat_id = hat_id_of(home, A)
    before = rows_of(home, hat_id)

    output = hats_cli(home, "move", A, "--to", other)
    assert "Moved HAT a.example.test (" in output and "records 100" in output
    assert rows_of(other, hat_id) == before
    assert set(rows_of(home, hat_id).values()) == {0}

    # The same token still works (same key pair), order and links survived, and new records
    # come after the moved ones.
    assert alice.post(f"{API}/data/notes/all", json={"n": 50}).status_code == 201
    found = alice.get(f"{API}/data/notes/all").json()
    assert [r["data"]["n"] for r in found] == list(range(51))
    linked = alice.get(f"{API}/combinator/all").json()
    assert len(linked) == 51
    assert alice.get(f"{API}/data/sources").json() == {"notes": ["all", "nudge"]}

    # and home again: the directory entry goes
    hats_cli(home, "move", A, "--to", home)
    assert rows_of(home, hat_id)["records"] == 101
    assert set(rows_of(other, hat_id).values()) == {0}
    store = open_store(home)
    try:
        assert [e.domain for e in store.directory.entries()] == [B]
    finally:
        store.close()
    assert len(alice.get(f"{API}/data/notes/all").json()) == 51


def test_a_write_during_a_move_waits_then_goes_to_the_new_database(
        databases: tuple[str, str]) -> None:
    home, other = databases
    source, target = PostgresStore(home), PostgresStore(other)
    directory = HatDirectory(source, home)
    try:
        hat_id = hat_id_of(home, A)
        outcome: list[object] = []

        def write() -> None:
            try:
                writes.insert(source, hat_id, [NewElement(new_record("notes/all", {"late": 1}))],
                                       0)
                outcome.append("stored")
            except HatUnavailable as exc:
                outcome.append(exc)

        writer = threading.Thread(target=write)

        def switch() -> None:
            # The copy is done and the source HAT is locked: a write now has to wait.
            writer.start()
            writer.join(0.5)
            assert writer.is_alive(), "the write did not wait for the move"
            with directory.home.write() as tx:
                tx.directory.set(DirectoryEntry(A, hat_id, other))

        move_hat(source, target, hat_id, switch)
        writer.join(10)
        assert len(outcome) == 1 and isinstance(outcome[0], HatUnavailable)
        located = directory.locate(A)
        assert located is not None and located.database_url == other
    finally:
        directory.close()
        source.close()
        target.close()


def test_a_key_rotation_during_a_move_is_not_lost(databases: tuple[str, str]) -> None:
    """A revocation made while a move copies the HAT must end up in the target: the rotation
    holds the HAT's row (store.write(hat_id)), so it waits for the copy and is refused once
    the source rows are gone; asked again, it goes where the HAT is now. A rotation that did
    not hold the row would commit in the source behind the copy and vanish with it."""
    home, other = databases
    source, target = PostgresStore(home), PostgresStore(other)
    directory = HatDirectory(source, home)
    try:
        hat_id = hat_id_of(home, A)
        rotated: list[keys.Rotation] = []
        refused: list[HatUnavailable] = []
        failed: list[Exception] = []  # without the HAT's row: a deadlock with the move

        def rotate() -> None:
            try:
                rotated.append(keys.rotate(source, hat_id, revoke=True))
            except HatUnavailable as exc:
                refused.append(exc)
            except Exception as exc:  # reported below
                failed.append(exc)

        rotator = threading.Thread(target=rotate)

        def switch() -> None:
            # The copy is done and committed in the target; the source rows still exist.
            rotator.start()
            rotator.join(0.5)
            with directory.home.write() as tx:
                tx.directory.set(DirectoryEntry(A, hat_id, other))

        move_hat(source, target, hat_id, switch)
        rotator.join(10)
        assert not failed, failed
        if refused:  # as a client would on the 503: ask again, where the HAT is now
            located = directory.locate(A)
            assert located is not None
            rotated.append(keys.rotate(located.store, hat_id, revoke=True))
        [rotation] = rotated
        moved = target.keys.all(hat_id)
        assert rotation.new.kid in {key.kid for key in moved}, "the rotation was lost"
        assert tokens.signing_key(moved).kid == rotation.new.kid
        assert all(key.revoked for key in moved if key.kid != rotation.new.kid)
        assert len(refused) == 1  # it waited for the move, and was refused at its end
    finally:
        directory.close()
        source.close()
        target.close()


APPLICATION_WRITES: dict[str, tuple[Callable[[PostgresStore, str, str], object],
                                     Callable[[StoredApplication | None], bool]]] = {
    # name: (the write, through the domain; whether the application in the target shows it)
    "set_status": (lambda store, hat_id, user_id: applications.setup(store, hat_id, "notables",
                                                                      user_id),
                   lambda found: found is not None and found.enabled),
    "save": (lambda store, hat_id, _: applications.register(
                 store, hat_id, manifest("notables", "namespaceread:rumpel", version="1.0.1")),
             lambda found: found is not None and '"1.0.1"' in found.manifest),
    "delete": (lambda store, hat_id, _: applications.remove(store, hat_id, "notables"),
               lambda found: found is None),
}


@pytest.mark.parametrize("change", sorted(APPLICATION_WRITES))
def test_an_application_write_during_a_move_is_not_lost(databases: tuple[str, str],
                                                        change: str) -> None:
    """Issue 10: application writes took no HAT lock on PostgreSQL, so one made while a move
    copied the HAT ran at once in the source, behind the copy, and was deleted with the
    source's rows: lost. Now it waits for the move, then raises HatUnavailable (the HAT left
    this database); asked again where the directory now points, it is stored there."""
    home, other = databases
    source, target = PostgresStore(home), PostgresStore(other)
    directory = HatDirectory(source, home)
    write, shows = APPLICATION_WRITES[change]
    try:
        hat_id = hat_id_of(home, A)
        owner = source.users.owner(hat_id)
        assert owner is not None
        applications.register(source, hat_id, manifest("notables", "namespaceread:rumpel"))
        outcome: list[object] = []

        def write_during_move() -> None:
            try:
                write(source, hat_id, owner.user_id)
                outcome.append("stored")
            except HatUnavailable as exc:
                outcome.append(exc)

        writer = threading.Thread(target=write_during_move)
        waited: list[bool] = []

        def switch() -> None:
            # The copy is done and the source HAT is locked: the write has to wait.
            writer.start()
            writer.join(0.5)
            waited.append(writer.is_alive())
            with directory.home.write() as tx:
                tx.directory.set(DirectoryEntry(A, hat_id, other))

        move_hat(source, target, hat_id, switch)
        writer.join(10)
        assert not writer.is_alive() and len(outcome) == 1
        moved = target.applications.get(hat_id, "notables")
        assert isinstance(outcome[0], HatUnavailable), (
            f"the {change} went through during the move; the target shows it: {shows(moved)}")
        assert waited == [True], "the write did not wait for the move"
        assert not shows(moved)  # it did not half happen
        located = directory.locate(A)
        assert located is not None and located.database_url == other
        write(target, hat_id, owner.user_id)  # asked again, where the HAT now is
        assert shows(target.applications.get(hat_id, "notables"))
    finally:
        directory.close()
        source.close()
        target.close()


def test_a_move_is_refused_without_changing_anything(databases: tuple[str, str]) -> None:
    home, other = databases
    hat_id = hat_id_of(home, A)
    with psycopg.connect(home, autocommit=True) as conn:
        conn.execute("CREATE TABLE extra (hat_id TEXT NOT NULL, value TEXT)")
    result = CliRunner().invoke(main, ["hats", "move", A, "--to", other, "--database", home])
    assert result.exit_code == 1
    assert "tables with HAT rows that a move does not know: ['extra']" in result.output
    assert rows_of(home, hat_id)["hats"] == 1 and rows_of(other, hat_id)["hats"] == 0

    with psycopg.connect(home, autocommit=True) as conn:
        conn.execute("DROP TABLE extra")
    source, target = PostgresStore(home), PostgresStore(other)
    try:
        def failing_switch() -> None:
            raise RuntimeError("the directory is down")

        with pytest.raises(RuntimeError):
            move_hat(source, target, hat_id, failing_switch)
        assert rows_of(home, hat_id)["hats"] == 1
        assert set(rows_of(other, hat_id).values()) == {0}  # the copy was removed again
        with psycopg.connect(other, autocommit=True) as conn:
            conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 0)")
        with pytest.raises(MoveFailed, match="different migrations"):
            move_hat(source, target, hat_id, lambda: None)
    finally:
        source.close()
        target.close()

    taken = CliRunner().invoke(main, ["hats", "move", B, "--to", other, "--database", home])
    assert taken.exit_code == 1 and "in that database already" in taken.output


def test_a_hat_moves_with_its_applications_debits_bundles_and_idempotency_keys(
        databases: tuple[str, str], app: Any) -> None:
    """Everything of a HAT, not only records, arrives and works where it moved."""
    from tests.api.debit_fixtures import setup_request
    from tests.app_fixtures import installed_app

    home, other = databases
    alice = client_for(app, A, "alice", "alice-password-1")
    app_token = installed_app(alice, "mover", "namespaceread:notes", "namespacewrite:notes")
    assert alice.post(f"{API}/data-debit/dd", json=setup_request()).status_code == 201
    assert alice.post(f"{API}/data-bundle/b1",
                      json={"n": {"endpoints": [{"endpoint": "notes/all"}]}}).status_code == 201
    first = alice.post(f"{API}/data/notes/all", json={"n": 1},
                       headers={"Idempotency-Key": "once"})
    assert first.status_code == 201

    hats_cli(home, "move", A, "--to", other)

    assert alice.get(f"{API}/applications/mover").json()["enabled"] is True
    assert alice.get(f"{API}/data/notes/all", headers={"X-Auth-Token": app_token}
                     ).status_code == 200  # the application's token too
    assert alice.get(f"{API}/data-debit/dd").json()["dataDebitKey"] == "dd"
    bundled = alice.get(f"{API}/data-bundle/b1").json()
    assert [r["data"] for r in bundled["n"]] == [{"n": 1}], bundled
    replay = alice.post(f"{API}/data/notes/all", json={"n": 1},
                        headers={"Idempotency-Key": "once"})
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json() == first.json()


def test_a_move_into_a_database_holding_that_domain_changes_nothing(
        databases: tuple[str, str]) -> None:
    """A stale copy of the HAT's domain in the target: refused, both sides as they were."""
    from openhat.hats import service as hats

    home, other = databases
    hat_id = hat_id_of(home, A)
    target = open_store(other)
    try:
        stale = hats.create_hat(target, A, "someone", "a-stale-copy-password").hat
    finally:
        target.close()
    result = CliRunner().invoke(main, ["hats", "move", A, "--to", other, "--database", home])
    assert result.exit_code == 1 and A in result.output, result.output
    assert rows_of(home, hat_id)["hats"] == 1
    assert rows_of(other, hat_id)["hats"] == 0
    assert rows_of(other, stale.hat_id)["hats"] == 1  # the copy there is untouched
    store = open_store(home)
    try:
        assert [e.domain for e in store.directory.entries()] == [B]  # not switched
    finally:
        store.close()


def test_a_move_whose_copy_loses_rows_is_refused(databases: tuple[str, str],
                                                 app: Any) -> None:
    """The counts are checked after the copy: a target that drops rows (here a trigger of
    its own) fails the move, and the HAT stays, whole, where it was."""
    home, other = databases
    alice = client_for(app, A, "alice", "alice-password-1")
    assert alice.post(f"{API}/data/notes/all", json=[{"n": i} for i in range(5)]
                      ).status_code == 201
    hat_id = hat_id_of(home, A)
    before = rows_of(home, hat_id)
    with psycopg.connect(other, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION lose_one() RETURNS trigger LANGUAGE plpgsql AS $$"
                     " BEGIN IF NEW.data->>'n' = '3' THEN RETURN NULL; END IF;"
                     " RETURN NEW; END $$")
        conn.execute("CREATE TRIGGER lose_one BEFORE INSERT ON records FOR EACH ROW"
                     " EXECUTE FUNCTION lose_one()")
    result = CliRunner().invoke(main, ["hats", "move", A, "--to", other, "--database", home])
    assert result.exit_code == 1 and "row counts differ" in result.output, result.output
    assert rows_of(home, hat_id) == before
    assert set(rows_of(other, hat_id).values()) == {0}
    assert [r["data"]["n"] for r in alice.get(f"{API}/data/notes/all").json()] == \
        list(range(5))
