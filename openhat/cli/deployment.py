"""Opening the deployment a command acts on: the one way every `openhat` command reaches
its databases.

`--database` (or OPENHAT_DATABASE) names the home database; it is opened and migrated, and
its HAT directory opens the other databases the deployment's HATs live in, as they are
needed. Everything opened is closed when the command is done.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from openhat.config import Settings
from openhat.hats.directory import HatDirectory, LocatedHat
from openhat.storage import open_store
from openhat.storage.base import Store
from openhat.storage.rows import Hat, StorageError


def load_settings(options: dict[str, Any]) -> Settings:
    try:
        return Settings.load(options)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


def open_migrated(database: str) -> Store:
    """The store of a database URL, migrated. A usage error for a URL no backend takes, a
    plain one when the database cannot be reached."""
    try:
        store = open_store(database)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    except StorageError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        store.migrate()
    except BaseException:
        store.close()
        raise
    return store


@contextmanager
def deployment(database: str | None) -> Iterator[HatDirectory]:
    """The HAT directory of the home database `database` (None: OPENHAT_DATABASE, or the
    default), closed afterwards with every store it opened."""
    settings = load_settings({"database": database})
    directory = HatDirectory(open_migrated(settings.database), settings.database)
    try:
        yield directory
    finally:
        directory.close()
        directory.home.close()


@contextmanager
def one_hat(database: str | None, domain: str | None) -> Iterator[tuple[Store, Hat]]:
    """The HAT a command acts on, wherever in the deployment it lives (the one `domain`
    names, or the only one there is), with the store holding it; a usage error when it is
    unclear."""
    with deployment(database) as directory:
        found = pick_hat(directory, domain)
        yield found.store, found.hat


def pick_hat(directory: HatDirectory, domain: str | None) -> LocatedHat:
    if domain:
        found = directory.locate(domain)
        if found is None:
            raise click.UsageError(f"no HAT with domain {domain!r} in this deployment")
        return found
    located = directory.all_hats()
    if len(located) == 1:
        return located[0]
    if not located:
        raise click.UsageError("the database holds no HAT yet (run `openhat serve` once)")
    raise click.UsageError("the deployment holds several HATs; choose one with --domain: "
                           + ", ".join(h.hat.domain for h in located))
