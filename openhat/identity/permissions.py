"""Roles and the original's two authorization rules (spec 2.5).

`with_role` is for user tokens (owner login and other users); `app_role` is for application
tokens. A route allows a caller when either rule passes. The owner passes every `with_role`
rule; an app passes `app_role` only while it is enabled and holds a matching grant (or holds
`owner` itself).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Role:
    kind: str
    extra: str = ""

    @classmethod
    def parse(cls, text: str) -> Role:
        """`namespacewrite:rumpel`, `namespacewrite(rumpel)` or `owner`."""
        if text.endswith(")") and "(" in text:
            kind, _, extra = text[:-1].partition("(")
        else:
            kind, _, extra = text.partition(":")
        return cls(kind.strip().lower(), extra.strip())

    def __str__(self) -> str:
        return f"{self.kind}:{self.extra}" if self.extra else self.kind

    def satisfies(self, required: Role) -> bool:
        """A granted role satisfies a required one of the same kind when the extras are equal
        or the required extra is the wildcard `*`."""
        return self.kind == required.kind and required.extra in (self.extra, "*")


OWNER = Role("owner")
PLATFORM = Role("platform")
DATACREDIT_ANY = Role("datacredit")


def namespace_read(namespace: str) -> Role:
    return Role("namespaceread", namespace)


def namespace_write(namespace: str) -> Role:
    return Role("namespacewrite", namespace)


@dataclass(frozen=True)
class Principal:
    """Who is calling, as far as authorization is concerned."""

    user_roles: frozenset[Role]
    access_scope: str | None = None
    application: str | None = None  # the app id of an application token
    app_enabled: bool = False
    app_roles: frozenset[Role] = field(default_factory=frozenset)

    @property
    def is_owner(self) -> bool:
        return OWNER in self.user_roles


def with_role(p: Principal, *required: Role) -> bool:
    """User-token rule: the token's accessScope is one of the user's roles, it is not an app
    token, and the user holds a listed role exactly, or is the owner."""
    if p.application is not None:
        return False
    if p.access_scope is not None and p.access_scope.lower() not in {
            r.kind for r in p.user_roles}:
        return False
    return p.is_owner or any(r in p.user_roles for r in required)


def app_role(p: Principal, *required: Role) -> bool:
    """Application-token rule: the app is enabled and one of its grants satisfies a listed
    role, or the app was granted `owner` (which covers all but token retrieval)."""
    if p.application is None:
        return False
    if p.app_enabled and _any_satisfies(p.app_roles, required):
        return True
    return p.app_enabled and OWNER in p.app_roles and any(
        r.kind != "retrieveapplicationtoken" for r in required)


def _any_satisfies(granted: Iterable[Role], required: Iterable[Role]) -> bool:
    return any(g.satisfies(r) for g in granted for r in required)


def allows(p: Principal, roles: tuple[Role, ...],
           app_roles: tuple[Role, ...] | None = None) -> bool:
    """`with_role(roles) || app_role(app_roles)` (app_roles default to the same roles)."""
    return with_role(p, *roles) or app_role(p, *(roles if app_roles is None else app_roles))


def can_write_namespace(p: Principal, namespace: str) -> bool:
    """The batch's per-namespace check (spec 3.4)."""
    role = namespace_write(namespace)
    return with_role(p, role) or (p.app_enabled and _any_satisfies(p.app_roles, [role]))


# Route rules, named after what they guard.
def read_namespace(p: Principal, namespace: str) -> bool:
    return allows(p, (OWNER, namespace_read(namespace)))


def write_namespace(p: Principal, namespace: str) -> bool:
    return allows(p, (namespace_write(namespace),))


def write_data(p: Principal) -> bool:
    """PUT /data, DELETE /data, /data-link, /data-batch (before the per-namespace checks)."""
    return allows(p, (DATACREDIT_ANY, OWNER), (namespace_write("*"), OWNER))


def list_sources(p: Principal) -> bool:
    return allows(p, (OWNER, PLATFORM, DATACREDIT_ANY), (OWNER, PLATFORM, namespace_write("*")))


def owner_only(p: Principal) -> bool:
    return allows(p, (OWNER,))


def manage_users(p: Principal) -> bool:
    """`POST /users/user` and `PUT /users/user/{id}/...` (the original's
    `WithRole(Owner, Platform) || ContainsApplicationRole(Owner, Platform)`)."""
    return allows(p, (OWNER, PLATFORM))


def any_login(p: Principal) -> bool:
    """Any token but a service token (`accessScope` naming none of its user's roles, as the
    `validate` tokens of `/users/application_token` and `hatlogin`): those are good only
    for `/users/access_token/validate`."""
    return p.application is not None or p.access_scope is None or \
        p.access_scope.lower() in {r.kind for r in p.user_roles}
