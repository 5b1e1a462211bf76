"""The `openhat` command. `serve` is the default: `openhat` alone serves a HAT."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

import click
import uvicorn

from openhat import hats
from openhat.cli_admin import COMMANDS
from openhat.config import SETTINGS, Settings
from openhat.storage import open_store
from openhat.storage.base import Store


class DefaultGroup(click.Group):
    """A group that runs `serve` when no subcommand is named."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0].startswith("-") and args[0] not in ("--help", "--version")):
            args = ["serve", *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultGroup)
@click.version_option(package_name="openhat")
def main() -> None:
    """openhat: an open, HAT-compatible personal data server."""


def setting_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """One `--flag` per setting, each also read from its OPENHAT_* variable."""
    for setting in reversed(SETTINGS):
        flag = "--" + setting.name.replace("_", "-")
        fn = click.option(flag, setting.name, type=setting.type, default=None,
                          help=f"{setting.help} [env {setting.env}; default"
                               f" {setting.default!r}]")(fn)
    return fn


def load_settings(options: dict[str, Any]) -> Settings:
    try:
        return Settings.load(options)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


def open_migrated(database: str) -> Store:
    try:
        store = open_store(database)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    store.migrate()
    return store


@main.command()
@setting_options
def serve(**options: Any) -> None:
    """Serve the HAT API (creates the HAT on first start)."""
    settings = load_settings(options)
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    store = open_migrated(settings.database)
    try:
        created = hats.ensure_default_hat(store, settings.public_domain, settings.owner,
                                          settings.owner_password)
    finally:
        store.close()
    if created is not None:
        click.echo(f"Created HAT {created.hat.domain} with owner '{created.owner_name}'.")
        if created.generated_password:
            click.echo(f"Generated owner password (shown once): {created.generated_password}")
    from openhat.web.app import create_app, tune_gc

    tune_gc()
    click.echo(f"Serving HAT API at http://{settings.host}:{settings.port}"
               f" (public address {settings.public_domain})")
    if settings.workers <= 1:
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                    log_level=settings.log_level, access_log=False)
        return
    for setting in SETTINGS:  # worker processes rebuild the settings from the environment
        os.environ[setting.env] = str(getattr(settings, setting.name))
    uvicorn.run("openhat.web.app:app_from_env", factory=True, host=settings.host,
                port=settings.port, workers=settings.workers, log_level=settings.log_level,
                access_log=False)


@main.command()
@click.option("--database", default=None, help="Database URL [env OPENHAT_DATABASE].")
def migrate(database: str | None) -> None:
    """Apply pending database migrations."""
    settings = load_settings({"database": database})
    store = open_migrated(settings.database)
    store.close()
    click.echo("Database is up to date.")


for _command in COMMANDS:
    main.add_command(_command)
