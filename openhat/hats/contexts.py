"""Request contexts: what authenticates a HAT's requests, kept per process and checked
against the database on every request.

Authenticating a request needs the HAT its Host names, the HAT's signing keys, the token's
user and, for an application's token, the application's grants: four to six queries, one of
them reading private keys. A process keeps them after the first request and then reads only
the two context versions that the database's own triggers raise whenever any of them
changes (storage migration 110). So a key rotation, a password change, a disabled or removed
application, a removed or moved HAT is seen by every process, on every database, on its very
next request, without a time-to-live.

What is kept is always read after the versions it is filed under, so it is never older than
they say: a change that lands in between makes it newer, and the next request, reading the
raised version, reloads it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, TypeVar

from openhat.applications import service as applications
from openhat.hats.directory import HatDirectory, LocatedHat
from openhat.identity import tokens
from openhat.identity.keys import hat_keys
from openhat.identity.permissions import Role
from openhat.storage.rows import SigningKey, User

# Hosts remembered (any Host reaches the only HAT of a single-HAT deployment, so the names a
# client sends are bounded here, not by the client).
MAX_HOSTS = 1024
# Users and applications remembered per HAT.
MAX_PER_HAT = 4096

K = TypeVar("K")
V = TypeVar("V")
Versions = tuple[int, int]  # (the deployment's, the HAT's)


@dataclass
class HatContext:
    """One HAT's request context as of `versions`."""

    located: LocatedHat
    keys: list[SigningKey]
    versions: Versions
    _signed: dict[str, dict[str, Any]] = field(default_factory=dict)
    _users: dict[str, User | None] = field(default_factory=dict)
    _grants: dict[tuple[str, str], frozenset[Role] | None] = field(default_factory=dict)

    def signed(self, token: str) -> dict[str, Any]:
        """The claims of a token one of the HAT's keys signed (tokens.signed: checking an
        RS256 signature and decoding a token costs more than the rest of a small request),
        remembered for as long as the keys are these. Raises NotAuthenticated."""
        claims = self._signed.get(token)
        if claims is None:
            claims = tokens.signed(token, self.keys)
            _bounded(self._signed)[token] = claims
        return dict(claims)

    def user(self, user_id: str) -> User | None:
        """The HAT's user with this id, or None."""
        if user_id not in self._users:
            found = self.located.store.users.by_id(self.located.hat.hat_id, user_id)
            _bounded(self._users)[user_id] = found
        return self._users[user_id]

    def grants(self, application_id: str, registration: str) -> frozenset[Role] | None:
        """What an application's token under `registration` may do (applications.grants)."""
        key = (application_id, registration)
        if key not in self._grants:
            found = applications.grants(self.located.store, self.located.hat.hat_id,
                                        application_id, registration)
            _bounded(self._grants)[key] = found
        return self._grants[key]


class RequestContexts:
    """The contexts of the HATs a process serves, by the Host names requests use."""

    def __init__(self, directory: HatDirectory) -> None:
        self._directory = directory
        self._by_host: dict[str, HatContext] = {}
        self._lock = threading.Lock()

    def current(self, host: str) -> HatContext | None:
        """The context of the HAT `host` names (HatDirectory.resolve), up to date; None when
        no HAT answers that name."""
        cached = self._by_host.get(host)
        if cached is not None and self._versions(cached.located) == cached.versions:
            return cached
        deployment = self._directory.home.hats.context_versions("")[0]
        located = self._directory.resolve(host)
        if located is None:
            return None
        versions = self._versions(located)
        context = HatContext(located, hat_keys(located.store, located.hat.hat_id), versions)
        if versions[0] == deployment:  # else the HATs changed while resolving: not kept
            with self._lock:
                _bounded(self._by_host, MAX_HOSTS)[host] = context
        return context

    def _versions(self, located: LocatedHat) -> Versions:
        home = self._directory.home
        hat_id = located.hat.hat_id
        deployment, hat = home.hats.context_versions(hat_id)
        if located.store is not home:
            hat = located.store.hats.context_versions(hat_id)[1]
        return deployment, hat


def _bounded(kept: dict[K, V], limit: int = MAX_PER_HAT) -> dict[K, V]:
    """`kept`, emptied first when it holds `limit` entries (a cache refills itself)."""
    if len(kept) >= limit:
        kept.clear()
    return kept
