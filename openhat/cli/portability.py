"""`openhat export`, `openhat import` and `openhat backup`: a whole HAT out of a deployment
and into another (docs/export-format.md), and an online copy of a SQLite database
(docs/operations.md)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import click
from tqdm import tqdm

from openhat.cli.deployment import deployment, load_settings, open_migrated, pick_hat
from openhat.files.blobs import BlobStore, open_blobs
from openhat.portability import service as portability
from openhat.portability.archive import ArchiveError, Progress
from openhat.storage.rows import HatExists, StorageError

QUIET = click.option("--quiet", is_flag=True, help="No progress bar.")
DATABASE = click.option("--database", default=None, help="Database URL [env OPENHAT_DATABASE].")
FILES_DIR = click.option("--files-dir", default=None,
                         help="The local blob store's directory [env OPENHAT_FILES_DIR].")
FILES_URL = click.option("--files-url", default=None,
                         help="The S3 blob store, s3://BUCKET?… [env OPENHAT_FILES_URL].")


def blob_store(database: str | None, files_dir: str | None, files_url: str | None) -> BlobStore:
    """The blob store of the deployment (the server's settings), for the files' contents."""
    settings = load_settings({"database": database, "files_dir": files_dir,
                              "files_url": files_url})
    try:
        return open_blobs(settings)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


class Bar(Progress):
    """A progress bar on stderr (counts and rates), only on a terminal."""

    def __init__(self, verb: str, quiet: bool) -> None:
        self._verb = verb
        self._quiet = quiet or not sys.stderr.isatty()
        self._bar: tqdm[None] | None = None

    def start(self, rows: dict[str, int]) -> None:
        self._bar = tqdm(total=sum(rows.values()), desc=self._verb, unit=" rows",
                         unit_scale=True, disable=self._quiet, file=sys.stderr)

    def advance(self, table: str, rows: int) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(table, refresh=False)
            self._bar.update(rows)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


@contextmanager
def _progress(verb: str, quiet: bool) -> Iterator[Bar]:
    bar = Bar(verb, quiet)
    try:
        yield bar
    finally:
        bar.close()


@contextmanager
def _output(path: str) -> Iterator[IO[bytes]]:
    """`-`: stdout. Else a file written beside its final name and renamed into place when
    complete, so a failed run never leaves a partial archive under that name."""
    if path == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    final = Path(path)
    partial = final.with_name(f".{final.name}.partial")
    try:
        with partial.open("wb") as out:
            yield out
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)


@click.command("export")
@click.option("--output", required=True, metavar="FILE", help="The archive to write; - for stdout.")
@click.option("--domain", default=None, help="The HAT to export (needed when there are several).")
@DATABASE
@FILES_DIR
@FILES_URL
@QUIET
def export_command(output: str, domain: str | None, database: str | None,
                   files_dir: str | None, files_url: str | None, quiet: bool) -> None:
    """Write one HAT, whole, as an archive (docs/export-format.md): the owner and users, the
    signing keys, records, links, combinators, bundles, data debits, applications, files
    with their contents."""
    blobs = blob_store(database, files_dir, files_url)
    with deployment(database) as directory:
        found = pick_hat(directory, domain)
        with _progress("export", quiet) as bar, _output(output) as out:
            for chunk in portability.export_archive(found.store, blobs, found.hat, bar):
                out.write(chunk)
    if output != "-":
        click.echo(f"Exported HAT {found.hat.domain} to {output}.", err=True)


@click.command("import")
@click.option("--input", "input_path", required=True, metavar="FILE",
              type=click.Path(exists=True, dir_okay=False, allow_dash=True),
              help="The archive to read; - for stdin.")
@click.option("--domain", default=None, help="Import the HAT under this domain instead.")
@DATABASE
@FILES_DIR
@FILES_URL
@QUIET
def import_command(input_path: str, domain: str | None, database: str | None,
                   files_dir: str | None, files_url: str | None, quiet: bool) -> None:
    """Create a HAT from an export archive, keeping its ids, order and times, its files'
    contents into the blob store; refused, with nothing written, when the deployment has
    the HAT already or the archive is damaged."""
    blobs = blob_store(database, files_dir, files_url)
    with deployment(database) as directory, _progress("import", quiet) as bar, \
            click.open_file(input_path, "rb") as source:
        try:
            imported = portability.import_archive(
                directory.home, blobs, source, domain, bar,
                taken=lambda name: directory.locate(name) is not None)
        except ArchiveError as exc:
            raise click.ClickException(f"{exc}; nothing was imported") from exc
        except HatExists as exc:
            raise click.ClickException(f"the deployment has a HAT {exc} (or its id) already;"
                                       " nothing was imported") from exc
        except StorageError as exc:
            raise click.ClickException(str(exc)) from exc
    rows = ", ".join(f"{table} {n}" for table, n in imported.rows.items() if n)
    click.echo(f"Imported HAT {imported.hat.domain} ({rows}).", err=True)


@click.command("backup")
@click.option("--output", required=True, metavar="FILE", help="The copy of the database to write.")
@DATABASE
def backup_command(output: str, database: str | None) -> None:
    """Copy a SQLite database while the server keeps writing (SQLite's online backup); for
    PostgreSQL use pg_dump (docs/operations.md)."""
    settings = load_settings({"database": database})
    store = open_migrated(settings.database)
    try:
        store.backup(output)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()
    click.echo(f"Backed up the database to {output}.", err=True)


COMMANDS: tuple[click.Command, ...] = (export_command, import_command, backup_command)
