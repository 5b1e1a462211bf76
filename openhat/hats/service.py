"""Creating HATs and finding the one a request is for.

A deployment holds one HAT or many. A request's `Host` names its HAT; when the database holds
exactly one HAT, that HAT answers whatever the Host (so a single-HAT setup needs no name
set-up, and reaching it by `localhost` or by its IP both work).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from openhat.clock import now_ms
from openhat.identity import tokens, users
from openhat.storage.base import Store
from openhat.storage.rows import Hat


@dataclass(frozen=True)
class NewHat:
    hat: Hat
    owner_name: str
    generated_password: str | None  # set when no password was given: shown to the user once


def normalise_domain(domain: str) -> str:
    return domain.strip().lower().rstrip(".")


def create_hat(store: Store, domain: str, owner: str, password: str | None) -> NewHat:
    """A new HAT with its owner and RSA key pair. Raises HatExists when the domain is taken."""
    hat = Hat(str(uuid.uuid4()), normalise_domain(domain), now_ms())
    generated = None if password else users.generate_password()
    owner_user = users.new_owner(hat.hat_id, str(uuid.uuid4()), owner, password or generated or "")
    store.create_hat(hat, owner_user, tokens.generate_key(hat.hat_id))
    return NewHat(hat, owner, generated)


def ensure_default_hat(store: Store, domain: str, owner: str, password: str) -> NewHat | None:
    """On `serve`: create the HAT on an empty database; with exactly one HAT, keep its domain
    equal to the configured public address (it is the tokens' `iss`). Returns the new HAT."""
    hats = store.list_hats()
    elsewhere = store.directory_entries()  # HATs of this deployment in other databases
    if not hats and not elsewhere:
        return create_hat(store, domain, owner, password or None)
    domain = normalise_domain(domain)
    if len(hats) == 1 and not elsewhere and hats[0].domain != domain:
        store.rename_hat(hats[0].hat_id, domain)
    return None


def resolve(store: Store, host: str) -> Hat | None:
    """The HAT a request's Host header names, or the only HAT; None when there is none."""
    hat = store.hat_by_domain(normalise_domain(host))
    if hat is not None:
        return hat
    hats = store.list_hats()
    return hats[0] if len(hats) == 1 else None
