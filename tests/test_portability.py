"""Export, import, moves between engines and backups (docs/export-format.md), black-box: a
HAT filled over HTTP, carried by the `openhat` commands, read back over HTTP."""

from __future__ import annotations

import gzip
import hashlib
import io
import sqlite3
import tarfile
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
from click.testing import CliRunner, Result
from starlette.testclient import TestClient

from openhat.cli import main
from openhat.config import Settings
from openhat.hats import service as hats
from openhat.identity import users
from openhat.portability import decoding
from openhat.storage import open_store
from openhat.storage.postgres import portable as postgres_portable
from openhat.web.app import create_app
from tests.api.debit_fixtures import setup_request
from tests.app_fixtures import API, installed_app
from tests.conftest import DOMAIN, OWNER, PASSWORD, login, postgres_database, postgres_schema
from tests.hat_fixtures import A, B, C

# What is read back through the API before and after a round trip: every kind of data.
READS = (
    "/data/rumpel/notes", "/data/rumpel/notes?orderBy=date&ordering=descending",
    "/data/rumpel/links", "/data/rumpel/profile", "/data/sources", "/combinator/rumpel/all",
    "/data-bundle/ddbundle", "/data-bundle/ddbundle/structure", "/data-debit",
    "/data-debit/dd", "/data-debit/dd/values", "/applications", "/applications/notables",
    "/she/feed",
)


@contextmanager
def database(engine: str, folder: Path, name: str) -> Iterator[str]:
    if engine == "sqlite":
        yield f"sqlite:///{folder / name}.db"
        return
    with postgres_schema() as url:
        yield url


@contextmanager
def served(url: str, domain: str = DOMAIN) -> Iterator[TestClient]:
    """The app over the database `url` (migrated), a client of `domain`."""
    store = open_store(url)
    store.migrate()
    try:
        app = create_app(Settings(database=url, domain=domain), store)
        with TestClient(app, base_url=f"http://{domain}") as client:
            yield client
    finally:
        store.close()


def fill(url: str) -> tuple[str, str]:
    """A HAT with every kind of data, made over HTTP; returns the owner's and an
    application's tokens."""
    store = open_store(url)
    store.migrate()
    hat = hats.create_hat(store, DOMAIN, OWNER, PASSWORD)
    with store.write() as tx:  # a second user (the original's dataDebitUser)
        tx.users.add(users.new_user(hat.hat.hat_id, "reader", PASSWORD, ("datadebit:dd",)))
    store.close()
    with served(url) as owner:
        token = login(owner)
        owner.headers["X-Auth-Token"] = token
        batch = [{"endpoint": "rumpel/notes", "data": A,
                  "links": [{"endpoint": "rumpel/links", "data": {"n": 1, "text": "ü\t\n\\"}}]},
                 {"endpoint": "rumpel/notes", "data": B}, {"endpoint": "rumpel/profile", "data": C}]
        assert owner.post(f"{API}/data-batch", json=batch).status_code == 201
        for i in range(30):  # more than one page of the order index's test data
            assert owner.post(f"{API}/data/rumpel/notes",
                              json={"field": f"v{i}", "date": i, "big": 2.5}).status_code == 201
        queries = [{"endpoint": "rumpel/notes"}, {"endpoint": "rumpel/profile"}]
        assert owner.post(f"{API}/combinator/rumpel/all", json=queries).status_code == 201
        assert owner.post(f"{API}/data-debit/dd", json=setup_request()).status_code == 201
        assert owner.get(f"{API}/data-debit/dd/enable").status_code == 200
        assert owner.put(f"{API}/data-debit/dd", json=setup_request(purpose="again")
                         ).status_code == 200
        app_token = installed_app(owner, "notables", "namespacewrite:rumpel",
                                  "namespaceread:rumpel")
        assert owner.post(f"{API}/data/rumpel/notes", json={"once": True},
                          headers={"Idempotency-Key": "k1"}).status_code == 201
    return token, app_token


def reads(client: TestClient, token: str) -> dict[str, Any]:
    out = {}
    for path in READS:
        response = client.get(f"{API}{path}", headers={"X-Auth-Token": token})
        assert response.status_code == 200, (path, response.text)
        out[path] = response.json()
    return out


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def export(url: str, path: Path) -> None:
    result = cli("export", "--output", str(path), "--database", url)
    assert result.exit_code == 0, result.output


def import_(url: str, path: Path, *extra: str) -> Result:
    return cli("import", "--input", str(path), "--database", url, *extra)


def hat_rows(url: str) -> dict[str, int]:
    """Rows per table of the whole database (nothing written shows as all zeros)."""
    from openhat.storage.sql.portable import PORTABLE_TABLES

    store = open_store(url)
    store.migrate()
    try:
        with store.snapshot() as reader:
            return {t.name: sum(reader.count(t, h.hat_id) for h in store.hats.all())
                    for t in PORTABLE_TABLES} | {"hats": len(store.hats.all())}
    finally:
        store.close()


@pytest.mark.postgres
@pytest.mark.parametrize(("first", "second"), [("sqlite", "postgres"), ("postgres", "sqlite")])
def test_round_trip_reads_back_identically(tmp_path: Path, first: str, second: str) -> None:
    """Exported from one engine, imported into the other and back: every read answers the
    same, the owner's password and the tokens issued before still work."""
    with database(first, tmp_path, "a") as a, database(second, tmp_path, "b") as b, \
            database(first, tmp_path, "c") as c:
        token, app_token = fill(a)
        with served(a) as client:
            before = reads(client, token)
            app_before = client.get(f"{API}/data/rumpel/notes",
                                    headers={"X-Auth-Token": app_token}).json()
        export(a, tmp_path / "a.tar.gz")
        imported = import_(b, tmp_path / "a.tar.gz")
        assert imported.exit_code == 0, imported.output
        assert "Imported HAT hat.example.test" in imported.output
        export(b, tmp_path / "b.tar.gz")
        assert import_(c, tmp_path / "b.tar.gz").exit_code == 0
        for url in (b, c):
            with served(url) as client:
                assert reads(client, token) == before
                assert client.get(f"{API}/data/rumpel/notes", headers={
                    "X-Auth-Token": app_token}).json() == app_before
                assert login(client)  # the password hash came along
                assert login(client, "reader")
                replay = client.post(f"{API}/data/rumpel/notes", json={"once": True},
                                     headers={"Idempotency-Key": "k1", "X-Auth-Token": token})
                assert replay.status_code == 201  # the kept answer, not a duplicate
                again = client.post(f"{API}/data/rumpel/notes", json={"once": True},
                                    headers={"X-Auth-Token": token})
                assert again.status_code == 400  # the record is there: a duplicate
                saved = client.post(f"{API}/data/rumpel/notes", json={"new": 1},
                                    headers={"X-Auth-Token": token})
                assert saved.status_code == 201
                notes = client.get(f"{API}/data/rumpel/notes",
                                   headers={"X-Auth-Token": token}).json()
                assert notes[-1]["data"] == {"new": 1}  # inserted after the imported ones
        assert hat_rows(b) == hat_rows(c)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("archive")
    url = f"sqlite:///{folder / 'source.db'}"
    fill(url)
    export(url, folder / "hat.tar.gz")
    return (folder / "hat.tar.gz").read_bytes()


def members(data: bytes) -> list[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return [(m, tar.extractfile(m).read()) for m in tar]  # type: ignore[union-attr]


def rebuild(parts: list[tuple[tarfile.TarInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for info, data in parts:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_the_archive_is_readable_without_openhat(archive: bytes) -> None:
    """docs/export-format.md: header first, NDJSON parts, the manifest last with every
    member's SHA-256 and the row counts."""
    import hashlib

    found = members(archive)
    names = [info.name for info, _ in found]
    assert names[0] == "openhat-export.json" and names[-1] == "manifest.json"
    header = orjson.loads(found[0][1])
    assert header["format"] == "openhat-export" and header["version"] == 2
    assert header["hat"]["domain"] == DOMAIN
    manifest = orjson.loads(found[-1][1])
    assert [m["name"] for m in manifest["members"]] == names[:-1]
    for entry, (_, data) in zip(manifest["members"], found, strict=False):
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    records = [orjson.loads(line) for info, data in found
               if info.name.startswith("tables/records/") for line in data.splitlines()]
    assert len(records) == manifest["tables"]["records"]["rows"] == 35
    assert {"field": "v3", "date": 3, "big": 2.5} in [r["data"] for r in records]
    users_ = [orjson.loads(line) for info, data in found
              if info.name.startswith("tables/users/") for line in data.splitlines()]
    assert {u["username"] for u in users_} == {OWNER, "reader"}
    assert all(u["password_hash"].startswith("$argon2") for u in users_)


def _flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:]


def _edit_records(data: bytes) -> bytes:
    """A record's data changed and the archive rebuilt (valid gzip and tar): only the
    checksum tells."""
    parts = members(data)
    parts = [(info, body.replace(b'"v3"', b'"v4"') if "records" in info.name else body)
             for info, body in parts]
    return rebuild(parts)


def _drop_manifest(data: bytes) -> bytes:
    return rebuild(members(data)[:-1])


def _drop_a_part(data: bytes) -> bytes:
    return rebuild([p for p in members(data) if "tables/users/" not in p[0].name])


def _consistent(parts: list[tuple[tarfile.TarInfo, bytes]]) -> bytes:
    """The archive of `parts` with its manifest made to match them (checksums, sizes, rows):
    only the rows themselves can tell what is wrong."""
    manifest = orjson.loads(parts[-1][1])
    rows: dict[str, int] = {}
    for entry, (info, body) in zip(manifest["members"], parts, strict=False):
        entry["sha256"], entry["bytes"] = hashlib.sha256(body).hexdigest(), len(body)
        if "rows" in entry:
            entry["rows"] = len(body.splitlines())
            table = info.name.split("/")[1]
            rows[table] = rows.get(table, 0) + entry["rows"]
    manifest["tables"] = {name: {"rows": n} for name, n in rows.items()}
    return rebuild([*parts[:-1], (parts[-1][0], orjson.dumps(manifest))])


def _bad_row(data: bytes) -> bytes:
    """A row that does not fit its table."""
    return _consistent([(info, body.replace(b'"enabled":true', b'"enabled":"yes"')
                         if info.name.startswith("tables/users/") else body)
                        for info, body in members(data)])


def _twice(data: bytes) -> bytes:
    """A record's row twice (its id is the table's key)."""
    return _consistent([(info, body + body.splitlines(keepends=True)[0]
                         if info.name.startswith("tables/records/") else body)
                        for info, body in members(data)])


@pytest.mark.parametrize(("damage", "message"), [
    (lambda d: d[: len(d) // 2], "truncated"),  # cut in the middle
    (lambda d: d[:-6], "truncated"),  # only the gzip trailer lost
    (_flip, ""),  # one bit: refused, with whichever reason the flipped byte gives
    (_edit_records, "do not match its manifest"),  # a consistent tar.gz, a changed row
    (_drop_manifest, "no manifest"),
    (_drop_a_part, "do not match its manifest"),
    (_bad_row, "enabled must be of kind bool"),
    (_twice, "more than once"),
    (lambda d: gzip.compress(b"not a tar"), "damaged"),
    (lambda d: b"", "damaged"),
])
def test_a_damaged_archive_is_refused_with_nothing_written(
        database_url: str, tmp_path: Path, archive: bytes, damage: Any, message: str) -> None:
    path = tmp_path / "damaged.tar.gz"
    path.write_bytes(damage(archive))
    empty, kept = hat_rows(database_url), indexes(database_url)
    result = import_(database_url, path)
    assert result.exit_code == 1, result.output
    assert message in result.output and "nothing was imported" in result.output
    assert hat_rows(database_url) == empty
    assert indexes(database_url) == kept  # those a load set aside came back with the rollback


def indexes(url: str) -> list[tuple[str, str]]:
    """Every index of the database, with its definition."""
    if url.startswith("sqlite"):
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
            return conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                                " ORDER BY name").fetchall()
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname ="
                            " current_schema() ORDER BY indexname").fetchall()


def test_a_large_import_decodes_in_a_worker_process(database_url: str, tmp_path: Path,
                                                    archive: bytes,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """From PROCESS_ROWS rows on, the lines are decoded in a worker process while this one
    loads: the same HAT lands as when decoded here, with every index of the schema, and a
    row that does not fit is refused all the same, with nothing written."""
    path, here = tmp_path / "hat.tar.gz", f"sqlite:///{tmp_path / 'here.db'}"
    path.write_bytes(archive)
    assert import_(here, path).exit_code == 0
    with served(here) as client:
        expected = reads(client, login(client))
    monkeypatch.setattr(decoding, "PROCESS_ROWS", 1)
    assert hat_rows(database_url)["hats"] == 0  # (and the schema migrated)
    kept = indexes(database_url)
    for damage, message in ((_bad_row, "enabled must be of kind bool"),
                            (_twice, "more than once")):
        (tmp_path / "damaged.tar.gz").write_bytes(damage(archive))
        refused = import_(database_url, tmp_path / "damaged.tar.gz")
        assert refused.exit_code == 1 and message in refused.output, refused.output
        assert hat_rows(database_url)["records"] == 0 and indexes(database_url) == kept
    result = import_(database_url, path)
    assert result.exit_code == 0, result.output
    with served(database_url) as client:
        assert reads(client, login(client)) == expected
    assert indexes(database_url) == kept


def schema_objects(url: str) -> dict[str, int]:
    """The OID of every index and unique constraint of the PostgreSQL schema, by name and
    definition (an index built again has a new OID)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT 'index ' || indexname || ': ' || indexdef,"
            " (indexname::regclass)::oid::int FROM pg_indexes"
            " WHERE schemaname = current_schema() UNION ALL"
            " SELECT 'constraint ' || conname || ': ' || pg_get_constraintdef(oid), oid::int"
            " FROM pg_constraint WHERE connamespace = current_schema()::regnamespace"
            " AND contype IN ('p', 'u')").fetchall()
    return dict(rows)


@pytest.mark.postgres
def test_a_large_import_into_a_database_of_its_own_builds_its_indexes_after_the_load(
        tmp_path: Path, archive: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    """Into a PostgreSQL database holding no other HAT, a table receiving REBUILD_ROWS rows
    or more is loaded without its indexes and unique constraints, which are built again
    before the commit: the schema ends as it was (with new indexes), rows sharing a key
    are refused with nothing written and the schema untouched, and beside another HAT's
    rows every index is kept as it is."""
    monkeypatch.setattr(postgres_portable, "REBUILD_ROWS", 1)
    (tmp_path / "hat.tar.gz").write_bytes(archive)
    (tmp_path / "twice.tar.gz").write_bytes(_twice(archive))
    with postgres_database() as url:  # advisory locks (the maintenance lock) are per database
        assert hat_rows(url)["hats"] == 0  # (and the schema migrated)
        before = schema_objects(url)
        refused = import_(url, tmp_path / "twice.tar.gz")
        assert refused.exit_code == 1 and "more than once" in refused.output, refused.output
        assert hat_rows(url)["records"] == 0 and schema_objects(url) == before
        result = import_(url, tmp_path / "hat.tar.gz")
        assert result.exit_code == 0, result.output
        after = schema_objects(url)
        assert after.keys() == before.keys()
        rebuilt = {name for name, oid in after.items() if oid != before[name]}
        assert {"index records_pkey", "constraint records_no_duplicates",
                "index records_by_endpoint", "index record_links_by_record"} <= {
            name.split(":")[0] for name in rebuilt}
        with served(url) as client:
            token = login(client)
            assert client.get(f"{API}/data/rumpel/notes", headers={"X-Auth-Token": token}
                              ).status_code == 200
    with postgres_database() as url:
        store = open_store(url)
        store.migrate()
        hats.create_hat(store, "other.example.test", OWNER, PASSWORD)
        store.close()
        before = schema_objects(url)
        assert import_(url, tmp_path / "hat.tar.gz").exit_code == 0
        assert schema_objects(url) == before


def test_a_second_import_is_refused_with_nothing_written(database_url: str, tmp_path: Path,
                                                         archive: bytes) -> None:
    path = tmp_path / "hat.tar.gz"
    path.write_bytes(archive)
    assert import_(database_url, path).exit_code == 0
    imported = hat_rows(database_url)
    again = import_(database_url, path)
    assert again.exit_code == 1
    assert "has a HAT hat.example.test" in again.output and "nothing was imported" in again.output
    # under another domain the HAT's id is still taken
    renamed = import_(database_url, path, "--domain", "other.example.test")
    assert renamed.exit_code == 1 and "nothing was imported" in renamed.output
    assert hat_rows(database_url) == imported


def test_domain_re_homes_the_hat(database_url: str, tmp_path: Path, archive: bytes) -> None:
    path = tmp_path / "hat.tar.gz"
    path.write_bytes(archive)
    result = import_(database_url, path, "--domain", "New.Example.TEST")
    assert result.exit_code == 0, result.output
    with served(database_url, "new.example.test") as client:
        token = login(client)
        notes = client.get(f"{API}/data/rumpel/notes", headers={"X-Auth-Token": token})
        assert notes.status_code == 200 and len(notes.json()) == 33


def test_export_to_stdout_and_of_one_hat_among_several(database_url: str) -> None:
    store = open_store(database_url)
    store.migrate()
    hats.create_hat(store, "one.example.test", "one", "one-password-1")
    hats.create_hat(store, "other.example.test", "other", "other-password-1")
    store.close()
    unclear = cli("export", "--output", "-", "--database", database_url)
    assert unclear.exit_code == 2 and "--domain" in unclear.output
    result = CliRunner().invoke(main, ["export", "--output", "-", "--database", database_url,
                                       "--domain", "other.example.test"])
    assert result.exit_code == 0, result.output
    found = members(result.stdout_bytes)
    assert orjson.loads(found[0][1])["hat"]["domain"] == "other.example.test"


def test_owner_export_over_http(owner: TestClient, database_url: str, tmp_path: Path) -> None:
    assert owner.post(f"{API}/data/rumpel/notes", json={"a": 1}).status_code == 201
    response = owner.get(f"{API}/export")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/gzip"
    assert "attachment" in response.headers["content-disposition"]
    path = tmp_path / "http.tar.gz"
    path.write_bytes(response.content)
    with database("sqlite", tmp_path, "copy") as url:
        assert import_(url, path).exit_code == 0
        assert hat_rows(url)["records"] == 1


def test_export_over_http_is_the_owners_alone(owner: TestClient) -> None:
    app_token = installed_app(owner, "notables", "owner")
    assert owner.get(f"{API}/export", headers={"X-Auth-Token": app_token}).status_code == 403
    assert owner.get(f"{API}/export", headers={"X-Auth-Token": ""}).status_code == 401


@pytest.mark.postgres
@pytest.mark.parametrize(("home", "away"), [("sqlite", "postgres"), ("postgres", "sqlite")])
def test_hats_move_between_engines_and_back(tmp_path: Path, home: str, away: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """`openhat hats move` from one engine to the other and home again: the same reads,
    the old tokens, the password; the rows left nowhere behind. (Into PostgreSQL as a
    large move goes: each table's indexes built after its load.)"""
    monkeypatch.setattr(postgres_portable, "REBUILD_ROWS", 1)
    with database(home, tmp_path, "home") as home_url, \
            database(away, tmp_path, "away") as away_url:
        token, _ = fill(home_url)
        with served(home_url) as client:
            before = reads(client, token)
        moved = cli("hats", "move", DOMAIN, "--to", away_url, "--database", home_url)
        assert moved.exit_code == 0, moved.output
        assert "records 35" in moved.output
        assert hat_rows(home_url)["hats"] == 0 and hat_rows(away_url)["records"] == 35
        with served(home_url) as client:
            assert reads(client, token) == before
            assert login(client)
            assert client.post(f"{API}/data/rumpel/notes", json={"away": True},
                               headers={"X-Auth-Token": token}).status_code == 201
        assert hat_rows(away_url)["records"] == 36
        back = cli("hats", "move", DOMAIN, "--to", home_url, "--database", home_url)
        assert back.exit_code == 0, back.output
        assert hat_rows(away_url)["hats"] == 0 and hat_rows(home_url)["records"] == 36
        with served(home_url) as client:
            after = reads(client, token)
            assert after["/data/rumpel/notes"][-1]["data"] == {"away": True}
            assert {k: v for k, v in after.items() if "notes" not in k and k != "/she/feed"
                    and "values" not in k and "combinator" not in k} == {
                k: v for k, v in before.items() if "notes" not in k and k != "/she/feed"
                and "values" not in k and "combinator" not in k}
        again = cli("hats", "move", DOMAIN, "--to", home_url, "--database", home_url)
        assert again.exit_code == 1 and "in that database already" in again.output


def test_a_move_to_a_database_holding_the_hat_is_refused(tmp_path: Path) -> None:
    home, away = f"sqlite:///{tmp_path / 'home.db'}", f"sqlite:///{tmp_path / 'away.db'}"
    fill(home)
    fill(away)  # the same domain, another HAT
    refused = cli("hats", "move", DOMAIN, "--to", away, "--database", home)
    assert refused.exit_code == 1 and "has a HAT" in refused.output
    assert hat_rows(home)["records"] == hat_rows(away)["records"] == 35


def test_online_backup_while_writing_and_restore(tmp_path: Path) -> None:
    """`openhat backup` copies the database as of one commit while another thread writes;
    the copy, put in place of the database, serves the HAT."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    token, _ = fill(url)
    store = open_store(url)
    store.migrate()
    hat = store.hats.all()[0]
    stop = threading.Event()

    def write() -> None:
        from openhat.records.service import new_record
        from openhat.storage.rows import NewElement

        i = 0
        while not stop.is_set():
            with store.write(hat.hat_id) as tx:
                tx.records.insert(hat.hat_id, [NewElement(new_record("load/x", {"i": i, "j": j}))
                                               for j in range(50)], 1000)
            i += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        result = cli("backup", "--output", str(tmp_path / "backup.db"), "--database", url)
    finally:
        stop.set()
        writer.join()
        store.close()
    assert result.exit_code == 0, result.output
    restored = f"sqlite:///{tmp_path / 'backup.db'}"
    rows = hat_rows(restored)
    assert rows["records"] >= 35 and (rows["records"] - 35) % 50 == 0  # whole commits only
    assert rows["records"] - 35 < hat_rows(url)["records"] - 35 or rows == hat_rows(url)
    with served(restored) as client:
        assert login(client)
        assert reads(client, token)["/data/rumpel/profile"]


def test_backup_of_postgres_points_at_pg_dump(database_url: str, tmp_path: Path) -> None:
    result = cli("backup", "--output", str(tmp_path / "x.db"), "--database", database_url)
    if database_url.startswith("sqlite"):
        assert result.exit_code == 0 and (tmp_path / "x.db").exists()
    else:
        assert result.exit_code == 1 and "pg_dump" in result.output
        assert not (tmp_path / "x.db").exists()


EXACT = (b'{"big": 123456789012345678901234567890, "long": 0.30000000000000000000000000001,'
         b' "pi": 3.14159265358979323846264338327950288, "neg": -98765432109876543210}')
DIGITS = (b"123456789012345678901234567890", b"0.30000000000000000000000000001",
          b"3.14159265358979323846264338327950288", b"-98765432109876543210")


def _stored_exactly(url: str) -> None:
    with served(url) as client:
        token = login(client)
        found = client.get(f"{API}/data/numbers/exact", headers={"X-Auth-Token": token})
        assert found.status_code == 200 and all(d in found.content for d in DIGITS), found.text


@pytest.mark.postgres
@pytest.mark.parametrize(("first", "second"), [("sqlite", "postgres"), ("postgres", "sqlite")])
def test_numbers_keep_their_value_through_export_import_and_moves(tmp_path: Path, first: str,
                                                                  second: str) -> None:
    """Integers past 64 bits and decimals longer than a double's, in an archive and in a
    move between engines (issue 12: every route and whatever export exists)."""
    with database(first, tmp_path, "one") as one, database(second, tmp_path, "two") as two, \
            database(second, tmp_path, "three") as three:
        fill(one)
        with served(one) as client:
            saved = client.post(f"{API}/data/numbers/exact", content=EXACT, headers={
                "X-Auth-Token": login(client), "Content-Type": "application/json"})
            assert saved.status_code == 201, saved.text
        export(one, tmp_path / "hat.tgz")
        assert all(d in gzip_members(tmp_path / "hat.tgz") for d in DIGITS)
        assert import_(two, tmp_path / "hat.tgz").exit_code == 0
        _stored_exactly(two)
        moved = cli("hats", "move", DOMAIN, "--to", three, "--database", one)
        assert moved.exit_code == 0, moved.output
        with served(one) as client:  # served from `three` now, through the directory
            token = login(client)
            found = client.get(f"{API}/data/numbers/exact", headers={"X-Auth-Token": token})
            assert all(d in found.content for d in DIGITS), found.text


def gzip_members(path: Path) -> bytes:
    """Every member's bytes of an archive, joined."""
    with tarfile.open(path, "r:gz") as tar:
        return b"".join(tar.extractfile(m).read() for m in tar.getmembers()  # type: ignore[union-attr]
                        if m.isfile())


@pytest.mark.postgres
def test_an_import_during_an_index_build_analyzes_after_its_commit(tmp_path: Path) -> None:
    """While an order index is being built (the maintenance lock is held), an import into
    PostgreSQL does not ANALYZE in its transaction (that would deadlock with the build): it
    commits, and the ANALYZE runs once the build is over, before the command ends."""
    with database("sqlite", tmp_path, "source") as source, postgres_schema() as target:
        fill(source)
        export(source, tmp_path / "hat.tar.gz")
        store = open_store(target)
        store.migrate()
        store.close()

        def analyzed() -> int:
            with psycopg.connect(target) as conn:
                row = conn.execute("SELECT analyze_count FROM pg_stat_user_tables WHERE"
                                   " relname = 'records' AND schemaname = current_schema()"
                                   ).fetchone()
            return int(row[0]) if row else 0

        before = analyzed()
        results: list[Result] = []
        with psycopg.connect(target, autocommit=True) as holder:
            holder.execute("SELECT pg_advisory_lock(7401, 0)")
            command = threading.Thread(
                target=lambda: results.append(import_(target, tmp_path / "hat.tar.gz")))
            command.start()
            deadline = time.monotonic() + 60
            while hat_rows(target)["hats"] == 0 and time.monotonic() < deadline:
                time.sleep(0.1)  # committed while the lock is held
            assert hat_rows(target)["hats"] == 1 and command.is_alive()
            assert analyzed() == before
            holder.execute("SELECT pg_advisory_unlock(7401, 0)")
            command.join(60)
        assert results and results[0].exit_code == 0, results
        deadline = time.monotonic() + 10
        while analyzed() == before and time.monotonic() < deadline:
            time.sleep(0.1)  # the statistics counters are flushed a moment later
        assert analyzed() > before
