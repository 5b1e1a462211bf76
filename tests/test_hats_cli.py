"""`openhat hats add | list | remove`, in-process, on both backends."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from openhat.cli import main
from openhat.identity import users
from openhat.storage import open_store
from tests.conftest import hat_id_of
from tests.files_fixtures import files_url, s3_endpoint  # noqa: F401 (a fixture)


def run(database_url: str, *args: str, input: str | None = None,
        env: dict[str, str] | None = None) -> Result:
    if env is None:
        args = (*args, "--database", database_url)
    return CliRunner().invoke(main, ["hats", *args], input=input, env=env)


def hat_domains(database_url: str) -> list[str]:
    store = open_store(database_url)
    try:
        return [hat.domain for hat in store.hats.all()]
    finally:
        store.close()


def test_add_list_and_remove(database_url: str) -> None:
    added = run(database_url, "add", "Alice.Example.COM", "--owner", "alice",
                "--password", "alice-password-1")
    assert added.exit_code == 0, added.output
    assert "Created HAT alice.example.com with owner 'alice'" in added.output
    assert "shown once" not in added.output

    generated = run(database_url, "add", "bob.example.com", "--owner", "bob")
    assert generated.exit_code == 0, generated.output
    password = re.search(r"password \(shown once\): (\S+)", generated.output)
    assert password, generated.output
    store = open_store(database_url)
    try:
        bob = store.hats.by_domain("bob.example.com")
        assert bob is not None
        assert users.login(store, bob.hat_id, "bob", password.group(1)) is not None
    finally:
        store.close()

    again = run(database_url, "add", "bob.example.com", "--owner", "someone")
    assert again.exit_code == 1
    assert "exists already" in again.output

    listed = run(database_url, "list", env={"OPENHAT_DATABASE": database_url})
    assert listed.exit_code == 0, listed.output
    lines = [line.split("\t") for line in listed.output.splitlines()]
    assert [(line[0], line[2]) for line in lines] == [("alice.example.com", "home"),
                                                     ("bob.example.com", "home")]

    refused = run(database_url, "remove", "bob.example.com", input="n\n")
    assert refused.exit_code == 1 and "Aborted" in refused.output
    assert hat_domains(database_url) == ["alice.example.com", "bob.example.com"]
    confirmed = run(database_url, "remove", "bob.example.com", input="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert hat_domains(database_url) == ["alice.example.com"]
    assert run(database_url, "remove", "alice.example.com", "--yes").exit_code == 0
    assert hat_domains(database_url) == []


@pytest.mark.parametrize(("args", "message"), [
    (("remove", "nobody.example.com", "--yes"), "no HAT nobody.example.com"),
    (("move", "nobody.example.com", "--to", "postgresql://x@127.0.0.1:1/x"),
     "no HAT nobody.example.com"),
    (("add", "x.example.com"), "Missing option '--owner'"),
])
def test_errors_are_messages_not_tracebacks(database_url: str, args: tuple[str, ...],
                                            message: str) -> None:
    result = run(database_url, *args)
    assert result.exit_code in (1, 2)
    assert message in result.output


def test_moving_to_sqlite_works_from_either_engine(database_url: str, tmp_path: object) -> None:
    """Moves between engines (tests/test_portability.py reads the moved HAT back)."""
    assert run(database_url, "add", "a.example.com", "--owner", "a",
               "--password", "a-password-123").exit_code == 0
    result = run(database_url, "move", "a.example.com", "--to", f"sqlite:///{tmp_path}/x.db")
    assert result.exit_code == 0, result.output
    assert "Moved HAT a.example.com" in result.output


@pytest.mark.parametrize("blobs", ["local", "s3"])
def test_removing_a_hat_removes_its_files_contents(database_url: str, tmp_path: Path,
                                                   blobs: str,
                                                   request: pytest.FixtureRequest) -> None:
    """The bytes of a removed HAT's files go with it (another HAT's stay)."""
    from openhat.config import Settings
    from openhat.files.blobs import open_blobs

    url = files_url(blobs, request)
    assert run(database_url, "add", "gone.example.com", "--owner", "o",
               "--password", "a-long-password-1").exit_code == 0
    assert run(database_url, "add", "kept.example.com", "--owner", "o",
               "--password", "a-long-password-2").exit_code == 0
    gone, kept = (hat_id_of(database_url, d) for d in ("gone.example.com", "kept.example.com"))
    blob_store = open_blobs(Settings(database=database_url, files_dir=str(tmp_path),
                                     files_url=url))
    for owner in (gone, kept):
        blob_store.put(owner, "photo-jpg-1", [b"the bytes of ", b"a photo"])
    options = ("--files-dir", str(tmp_path), "--files-url", url)
    removed = run(database_url, "remove", "gone.example.com", "--yes", *options)
    assert removed.exit_code == 0, removed.output
    assert blob_store.stat(gone, "photo-jpg-1") is None
    assert b"".join(blob_store.read(kept, "photo-jpg-1")) == b"the bytes of a photo"
    if blobs == "local":
        assert not (tmp_path / gone).exists()

