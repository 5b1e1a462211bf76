"""Creating, renaming and removing the HATs of one database.

A deployment holds one HAT or many; hats/directory.py finds the one a request is for, in
whichever database it lives.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from openhat.accounts import verification
from openhat.clock import now_ms
from openhat.events import HatCreated, HatRemoved, HatRenamed
from openhat.identity import tokens, users
from openhat.storage.base import Store, Tx
from openhat.storage.rows import Hat, SigningKey, User


@dataclass(frozen=True)
class NewHat:
    hat: Hat
    owner_name: str
    generated_password: str | None  # set when no password was given: shown to the user once


def normalise_domain(domain: str) -> str:
    return domain.strip().lower().rstrip(".")


def create_hat(store: Store, domain: str, owner: str, password: str | None,
               owner_email: str = "") -> NewHat:
    """A new HAT with its owner (and the owner's verified address, when given) and RSA key
    pair, in one unit of work. Raises HatExists when the domain is taken in this database."""
    hat, owner_user, key, generated = _new_hat(domain, owner, password)  # slow: before the tx
    with store.write() as tx:
        _add_hat(tx, hat, owner_user, key, owner_email)
    return NewHat(hat, owner, generated)


def ensure_default_hat(store: Store, domain: str, owner: str, password: str,
                       owner_email: str = "") -> NewHat | None:
    """On `serve`: create the HAT on an empty database; with exactly one HAT, keep its domain
    equal to the configured public address (it is the tokens' `iss`). Returns the new HAT.
    One unit of work, so two processes starting at once cannot both act on what they read."""
    domain = normalise_domain(domain)
    with store.write() as tx:
        hats = tx.hats.all()
        elsewhere = tx.directory.entries()  # HATs of this deployment in other databases
        if not hats and not elsewhere:
            hat, owner_user, key, generated = _new_hat(domain, owner, password or None)
            _add_hat(tx, hat, owner_user, key, owner_email)
            return NewHat(hat, owner, generated)
        if len(hats) == 1 and not elsewhere and hats[0].domain != domain:
            rename_hat(tx, hats[0].hat_id, domain)
    return None


def _new_hat(domain: str, owner: str, password: str | None
             ) -> tuple[Hat, User, SigningKey, str | None]:
    """The rows of a new HAT (hashing the password and making the key pair take a while),
    and the password generated when none was given."""
    hat = Hat(str(uuid.uuid4()), normalise_domain(domain), now_ms())
    generated = None if password else users.generate_password()
    owner_user = users.new_owner(hat.hat_id, str(uuid.uuid4()), owner, password or generated or "")
    return hat, owner_user, tokens.generate_key(hat.hat_id), generated


def _add_hat(tx: Tx, hat: Hat, owner: User, key: SigningKey, owner_email: str) -> None:
    tx.hats.create(hat)
    tx.users.add(owner)
    tx.keys.add(key)
    tx.emit(HatCreated(hat.hat_id, hat.domain))
    if owner_email:
        verification.set_verified(tx, owner, owner_email)


def rename_hat(tx: Tx, hat_id: str, domain: str) -> None:
    """Give a HAT another (normalised) domain. Raises HatExists when it is taken."""
    tx.hats.rename(hat_id, domain)
    tx.emit(HatRenamed(hat_id, domain))


def remove_hat(store: Store, hat: Hat) -> None:
    """Delete a HAT and all its rows from its database, in one unit of work."""
    with store.write() as tx:
        tx.hats.delete(hat.hat_id)
        tx.emit(HatRemoved(hat.hat_id, hat.domain))
