"""Administration commands: applications, the owner's password, signing keys.

Each works on the database of `--database` (or OPENHAT_DATABASE) and on the HAT named by
`--domain`; `--domain` may be left out while the database holds a single HAT.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import orjson

from openhat.accounts import verification
from openhat.accounts.wire import valid_email
from openhat.applications import service as applications
from openhat.cli.deployment import one_hat
from openhat.errors import BadRequest, HatError
from openhat.identity import keys, passwords, users
from openhat.wire import parse_json


def hat_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--domain", default=None,
                      help="The HAT to act on (needed when the database holds several).")(fn)
    return click.option("--database", default=None,
                        help="Database URL [env OPENHAT_DATABASE].")(fn)


def fail_on(exc: HatError) -> click.ClickException:
    body = exc.body
    detail = body.get("cause") or body.get("message")
    return click.ClickException(detail if isinstance(detail, str)
                                else orjson.dumps(detail).decode())


# --- apps ----------------------------------------------------------------------------------

@click.group()
def apps() -> None:
    """Register, list and remove applications."""


@apps.command("add")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@hat_options
def apps_add(manifest: Path, database: str | None, domain: str | None) -> None:
    """Register an application from its manifest (the original's Application JSON), or
    update its manifest. It starts disabled: set it up over the API."""
    try:
        body = parse_json(manifest.read_bytes())  # its numbers exactly, as over the API
    except BadRequest as exc:
        raise click.ClickException(f"{manifest} is not JSON: {exc.body['message']}") from exc
    with one_hat(database, domain) as (store, hat):
        try:
            created, status = applications.register(store, hat.hat_id, body)
        except HatError as exc:
            raise fail_on(exc) from exc
    verb = "Registered" if created else "Updated"
    click.echo(f"{verb} application {body['id']} on {hat.domain}"
               f" (enabled: {str(status['enabled']).lower()}).")


@apps.command("list")
@hat_options
def apps_list(database: str | None, domain: str | None) -> None:
    """List the registered applications and their status."""
    with one_hat(database, domain) as (store, hat):
        for found in store.applications.all(hat.hat_id):
            state = "enabled" if found.enabled else ("disabled" if found.setup_version
                                                     else "not set up")
            click.echo(f"{found.application_id}\t{state}")


@apps.command("remove")
@click.argument("application_id")
@hat_options
def apps_remove(application_id: str, database: str | None, domain: str | None) -> None:
    """Forget an application; its tokens stop working."""
    with one_hat(database, domain) as (store, hat):
        try:
            applications.remove(store, hat.hat_id, application_id)
        except HatError as exc:
            raise fail_on(exc) from exc
    click.echo(f"Removed application {application_id} from {hat.domain}.")


# --- owner ---------------------------------------------------------------------------------

@click.group()
def owner() -> None:
    """The HAT owner's account."""


@owner.command("reset-password")
@click.option("--password-stdin", is_flag=True, help="Read the new password from stdin.")
@click.option("--generate", is_flag=True, help="Generate a password and print it once.")
@hat_options
def owner_reset_password(password_stdin: bool, generate: bool, database: str | None,
                         domain: str | None) -> None:
    """Set a new owner password (for a locked-out owner). Every token issued before stops
    working."""
    if generate:
        password = users.generate_password()
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New owner password", hide_input=True,
                                confirmation_prompt=True)
    advice = passwords.weakness(password)
    if advice is not None:
        raise click.ClickException(" ".join([passwords.WEAK + ".", *advice]))
    with one_hat(database, domain) as (store, hat):
        user = passwords.reset_owner_password(store, hat.hat_id, password)
        if user is None:
            raise click.ClickException(f"{hat.domain} has no owner")
    click.echo(f"Password of {user.username} on {hat.domain} changed; earlier tokens are"
               " refused.")
    if generate:
        click.echo(f"New owner password (shown once): {password}")


@owner.command("set-email")
@click.argument("email")
@hat_options
def owner_set_email(email: str, database: str | None, domain: str | None) -> None:
    """Set the owner's email address, counted as verified: password resets mail it."""
    if not valid_email(email):
        raise click.ClickException(f"{email!r} is not an email address")
    with one_hat(database, domain) as (store, hat):
        user = verification.set_owner_email(store, hat.hat_id, email)
        if user is None:
            raise click.ClickException(f"{hat.domain} has no owner")
    click.echo(f"Email address of {user.username} on {hat.domain} set to {email.strip()}.")


# --- keys ----------------------------------------------------------------------------------

@click.group("keys")
def keys_group() -> None:
    """The HAT's token signing keys."""


@keys_group.command("rotate")
@click.option("--revoke", is_flag=True,
              help="Refuse every token signed by the older keys at once (after a leak).")
@hat_options
def keys_rotate(revoke: bool, database: str | None, domain: str | None) -> None:
    """Sign new tokens with a new key. Tokens signed by the older keys stay valid until they
    expire, unless --revoke is given."""
    with one_hat(database, domain) as (store, hat):
        rotation = keys.rotate(store, hat.hat_id, revoke)
    click.echo(f"New signing key {rotation.new.kid} for {hat.domain}.")
    if revoke:
        click.echo(f"Revoked {len(rotation.older)} older key(s): every token they signed is"
                   " refused; log in again.")
    else:
        click.echo(f"Retired {len(rotation.older)} older key(s): tokens they signed stay valid"
                   " until they expire.")


COMMANDS: tuple[click.Command, ...] = (apps, owner, keys_group)
