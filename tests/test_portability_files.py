"""File contents in the export archive (docs/export-format.md, version 2): exported from the
HAT's blob store, imported into another deployment's, on both database engines and both
blob stores (the local one and S3 on moto's server); a damaged content leaves nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import pytest
from starlette.testclient import TestClient

from openhat.config import Settings
from openhat.hats import service as hats
from openhat.storage import open_store
from openhat.web.app import create_app
from tests.api.test_files import API, PNG, uploaded
from tests.conftest import DOMAIN, OWNER, PASSWORD, login
from tests.files_fixtures import files_url, s3_endpoint, send  # noqa: F401 (a fixture)
from tests.test_portability import (
    cli,
    database,
    hat_rows,
    members,
    rebuild,
)

SECOND = bytes(range(255, -1, -1)) * 3 + b"tail"  # a second file, another size


@contextmanager
def served(settings: Settings) -> Iterator[TestClient]:
    """The app of `settings` (its database migrated), a logged-in owner's client."""
    store = open_store(settings.database)
    store.migrate()
    try:
        with TestClient(create_app(settings, store), base_url=f"http://{DOMAIN}") as client:
            client.headers["X-Auth-Token"] = login(client)
            yield client
    finally:
        store.close()


def deployment(url: str, folder: Path, blob_url: str) -> Settings:
    return Settings(database=url, domain=DOMAIN, files_dir=str(folder), files_url=blob_url)


def blob_options(settings: Settings) -> list[str]:
    return ["--database", settings.database, "--files-dir", settings.files_dir,
            "--files-url", settings.files_url]


def with_files(settings: Settings) -> list[str]:
    """A HAT with two completed files and one still awaiting its bytes; their ids."""
    store = open_store(settings.database)
    store.migrate()
    hats.create_hat(store, DOMAIN, OWNER, PASSWORD)
    store.close()
    with served(settings) as owner:
        ids = [uploaded(owner)["fileId"],
               uploaded(owner, {"name": "second.bin", "source": "test"}, SECOND,
                        content_type="application/octet-stream")["fileId"]]
        pending = owner.post(f"{API}/files/upload", json={"name": "later.txt", "source": "t"})
        assert pending.status_code == 200
    return ids


def content(client: TestClient, file_id: str) -> bytes:
    redirect = client.get(f"{API}/files/content/{file_id}", follow_redirects=False)
    assert redirect.status_code in (302, 303, 307), redirect.text
    got = send(client, "GET", redirect.headers["location"])
    assert got.status_code == 200
    return got.content


def stored_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.mark.postgres
@pytest.mark.parametrize("blobs", ["local", "s3"])
@pytest.mark.parametrize(("first", "second"), [("sqlite", "postgres"), ("postgres", "sqlite")])
def test_file_contents_travel_with_the_hat(tmp_path: Path, first: str, second: str, blobs: str,
                                           request: pytest.FixtureRequest) -> None:
    with database(first, tmp_path, "a") as a, database(second, tmp_path, "b") as b:
        source = deployment(a, tmp_path / "files-a", files_url(blobs, request))
        target = deployment(b, tmp_path / "files-b", files_url(blobs, request))
        ids = with_files(source)
        path = tmp_path / "hat.tar.gz"
        result = cli("export", "--output", str(path), *blob_options(source))
        assert result.exit_code == 0, result.output
        found = members(path.read_bytes())
        manifest = orjson.loads(found[-1][1])["members"]
        blobs_in = {info.name: data for info, data in found if info.name.startswith("blobs/")}
        assert blobs_in == {f"blobs/files/{ids[0]}": PNG, f"blobs/files/{ids[1]}": SECOND}
        for entry in manifest:
            if entry["name"] in blobs_in:
                data = blobs_in[entry["name"]]
                assert entry["sha256"] == hashlib.sha256(data).hexdigest()
                assert entry["bytes"] == len(data)
        result = cli("import", "--input", str(path), *blob_options(target))
        assert result.exit_code == 0, result.output
        with served(target) as owner:
            assert [content(owner, i) for i in ids] == [PNG, SECOND]
            sizes = [owner.get(f"{API}/files/file/{i}").json()["status"]["size"]
                     for i in ids]
            assert sizes == [len(PNG), len(SECOND)]


def _corrupt_blob(data: bytes) -> bytes:
    """One byte of a file's content changed, the tar.gz rebuilt (valid gzip and tar, the
    same size): only the checksum tells."""
    parts = members(data)
    for n, (info, body) in enumerate(parts):
        if info.name.startswith("blobs/files/"):
            parts[n] = (info, body[:100] + bytes([body[100] ^ 0xFF]) + body[101:])
            break
    return rebuild(parts)


def _stray_blob(data: bytes) -> bytes:
    """The content of a file the archive does not hold (its manifest made to match)."""
    parts = members(data)
    blob = next(p for p in parts if p[0].name.startswith("blobs/files/"))
    info = type(blob[0])("blobs/files/nosuchfile.png")
    parts.insert(-1, (info, b"x"))
    manifest = orjson.loads(parts[-1][1])
    manifest["members"].append({"name": info.name, "bytes": 1,
                                "sha256": hashlib.sha256(b"x").hexdigest()})
    parts[-1] = (parts[-1][0], orjson.dumps(manifest))
    return rebuild(parts)


@pytest.mark.parametrize(("damage", "message"), [
    (_corrupt_blob, "do not match its manifest"),
    (_stray_blob, "no completed file"),
])
def test_a_damaged_content_is_refused_with_nothing_written(
        database_url: str, tmp_path: Path, damage: object, message: str) -> None:
    source = deployment(f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "files-a", "")
    with_files(source)
    path = tmp_path / "hat.tar.gz"
    assert cli("export", "--output", str(path), *blob_options(source)).exit_code == 0
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    target = deployment(database_url, tmp_path / "files-b", "")
    empty = hat_rows(database_url)
    result = cli("import", "--input", str(path), *blob_options(target))
    assert result.exit_code == 1, result.output
    assert message in result.output and "nothing was imported" in result.output
    assert hat_rows(database_url) == empty
    assert stored_files(tmp_path / "files-b") == []


def test_a_version_1_archive_still_imports(database_url: str, tmp_path: Path) -> None:
    """An archive of version 1 (no contents) imports; its files find their bytes in a
    shared store. A version 1 archive holding contents is refused."""
    source = deployment(f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "files", "")
    ids = with_files(source)
    path = tmp_path / "hat.tar.gz"
    assert cli("export", "--output", str(path), *blob_options(source)).exit_code == 0
    parts = members(path.read_bytes())

    def version_1(keep_blobs: bool) -> bytes:
        out = [p for p in parts if keep_blobs or not p[0].name.startswith("blobs/")]
        header = orjson.loads(out[0][1]) | {"version": 1}
        out[0] = (out[0][0], orjson.dumps(header))
        manifest = orjson.loads(out[-1][1]) | {"version": 1}
        manifest["members"] = [{**m, "bytes": len(body),
                                "sha256": hashlib.sha256(body).hexdigest()}
                               for m, (_, body) in zip(manifest["members"], out, strict=False)
                               if keep_blobs or not m["name"].startswith("blobs/")]
        out[-1] = (out[-1][0], orjson.dumps(manifest))
        return rebuild(out)

    target = deployment(database_url, tmp_path / "files", "")  # the same blob store
    path.write_bytes(version_1(keep_blobs=True))
    result = cli("import", "--input", str(path), *blob_options(target))
    assert result.exit_code == 1 and "unexpected member blobs/files/" in result.output
    path.write_bytes(version_1(keep_blobs=False))
    result = cli("import", "--input", str(path), *blob_options(target))
    assert result.exit_code == 0, result.output
    with served(target) as owner:
        assert content(owner, ids[0]) == PNG
