"""The `openhat` command. `serve` is the default: `openhat` alone serves a HAT."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import click

from openhat.cli import portability
from openhat.cli.admin import COMMANDS
from openhat.cli.deployment import deployment, load_settings, open_migrated
from openhat.config import SETTINGS
from openhat.hats import service as hats
from openhat.storage import redact_url
from openhat.storage.rows import HatExists, HatUnavailable, StorageError


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
                                          settings.owner_password, settings.owner_email)
    finally:
        store.close()
    if created is not None:
        click.echo(f"Created HAT {created.hat.domain} with owner '{created.owner_name}'.")
        if created.generated_password:
            click.echo(f"Generated owner password (shown once): {created.generated_password}")
    from openhat.web import server
    from openhat.web.app import tune_gc

    tune_gc()
    click.echo(f"Serving HAT API at http://{settings.host}:{settings.port}"
               f" (public address {settings.public_domain})")
    server.run(settings)


@main.command()
@click.option("--database", default=None, help="Database URL [env OPENHAT_DATABASE].")
def migrate(database: str | None) -> None:
    """Apply pending database migrations."""
    settings = load_settings({"database": database})
    store = open_migrated(settings.database)
    store.close()
    click.echo("Database is up to date.")


# --- openhat hats ... ------------------------------------------------------------------------

DATABASE_OPTION = click.option("--database", default=None,
                               help="Home database URL [env OPENHAT_DATABASE].")


@main.group("hats")
def hats_group() -> None:
    """Add, list, remove and move the HATs of a deployment (chosen by the request's Host)."""


@hats_group.command("add")
@click.argument("domain")
@click.option("--owner", required=True, help="The owner's username.")
@click.option("--password", default=None,
              help="The owner's password; generated and printed once when not given.")
@click.option("--at", "at_url", default=None, metavar="URL",
              help="Keep the HAT in this PostgreSQL database instead of the home database.")
@DATABASE_OPTION
def hats_add(domain: str, owner: str, password: str | None, at_url: str | None,
             database: str | None) -> None:
    """Create a HAT for DOMAIN (the Host its clients use) with its owner and key pair."""
    with deployment(database) as directory:
        try:
            created = directory.add(domain, owner, password, at_url)
        except HatExists as exc:
            raise click.ClickException(f"a HAT {exc} exists already") from exc
        except (ValueError, StorageError) as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Created HAT {created.hat.domain} with owner '{owner}'.")
    if created.generated_password:
        click.echo(f"Generated owner password (shown once): {created.generated_password}")


@hats_group.command("list")
@DATABASE_OPTION
def hats_list(database: str | None) -> None:
    """List the HATs: domain, id, and the database each lives in."""
    with deployment(database) as directory:
        for found in directory.all_hats():
            where = "home" if found.database_url is None else redact_url(found.database_url)
            click.echo(f"{found.hat.domain}\t{found.hat.hat_id}\t{where}")


@hats_group.command("remove")
@click.argument("domain")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@DATABASE_OPTION
@portability.FILES_DIR
@portability.FILES_URL
def hats_remove(domain: str, yes: bool, database: str | None, files_dir: str | None,
                files_url: str | None) -> None:
    """Delete a HAT and ALL its data (records, users, keys, bundles, files' contents,
    ...)."""
    blobs = portability.blob_store(database, files_dir, files_url)
    with deployment(database) as directory:
        found = directory.locate(domain)
        if found is None:
            raise click.ClickException(f"no HAT {hats.normalise_domain(domain)}")
        if not yes:
            click.confirm(f"Delete HAT {hats.normalise_domain(domain)} and all its data?",
                          abort=True)
        directory.remove(domain)
    blobs.remove_hat(found.hat.hat_id)  # after the rows: no file is left without its bytes
    click.echo(f"Removed HAT {hats.normalise_domain(domain)}.")


@hats_group.command("move")
@click.argument("domain")
@click.option("--to", "to_url", required=True, metavar="URL",
              help="The database to move the HAT to (the home URL moves it home).")
@DATABASE_OPTION
def hats_move(domain: str, to_url: str, database: str | None) -> None:
    """Move a HAT to another database (PostgreSQL or SQLite, either way): copy its rows,
    verify the counts, switch the directory, delete the old rows. Its writes wait while it
    is copied; reads go on."""
    with deployment(database) as directory:
        try:
            counts = directory.move(domain, to_url)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from exc
        except HatExists as exc:
            raise click.ClickException(f"the target database has a HAT {exc} already") from exc
        except (ValueError, HatUnavailable, StorageError) as exc:
            raise click.ClickException(str(exc)) from exc
    rows = ", ".join(f"{table} {count}" for table, count in counts.items() if count)
    click.echo(f"Moved HAT {hats.normalise_domain(domain)} ({rows}).")


for _command in (*COMMANDS, *portability.COMMANDS):
    main.add_command(_command)
