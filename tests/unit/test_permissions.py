"""The original's authorization rules (spec 2.5), table-driven."""

from __future__ import annotations

import pytest

from openhat.identity.permissions import (
    Principal,
    Role,
    can_write_namespace,
    list_sources,
    owner_only,
    read_namespace,
    write_data,
    write_namespace,
)

OWNER = Principal(frozenset({Role("owner")}), access_scope="owner")
CREDIT = Principal(frozenset({Role("datacredit"), Role("datacredit", "namespace")}),
                   access_scope="datacredit")


def app(*grants: str, enabled: bool = True) -> Principal:
    return Principal(frozenset({Role("owner")}), application="app", app_enabled=enabled,
                     app_roles=frozenset(Role.parse(g) for g in grants))


@pytest.mark.parametrize("text,role", [
    ("owner", Role("owner")),
    ("namespacewrite:rumpel", Role("namespacewrite", "rumpel")),
    ("namespaceread(rumpel)", Role("namespaceread", "rumpel")),
    ("DataDebit:abc", Role("datadebit", "abc")),
])
def test_role_parsing(text: str, role: Role) -> None:
    assert Role.parse(text) == role


@pytest.mark.parametrize("principal,expected", [
    (OWNER, True),
    (CREDIT, False),  # datacredit is not namespaceread
    (app("namespaceread:rumpel"), True),
    (app("namespacewrite:rumpel"), False),  # write does not imply read
    (app("namespaceread:other"), False),
    (app("namespaceread:rumpel", enabled=False), False),
    (app("owner"), True),
    (app("owner", enabled=False), False),
])
def test_read_namespace(principal: Principal, expected: bool) -> None:
    assert read_namespace(principal, "rumpel") is expected


@pytest.mark.parametrize("principal,expected", [
    (OWNER, True),
    (CREDIT, False),
    (app("namespacewrite:rumpel"), True),
    (app("namespaceread:rumpel"), False),
    (app("namespacewrite:rumpel", enabled=False), False),
])
def test_write_namespace(principal: Principal, expected: bool) -> None:
    assert write_namespace(principal, "rumpel") is expected
    assert can_write_namespace(principal, "rumpel") is expected


@pytest.mark.parametrize("principal,write,sources,owner", [
    (OWNER, True, True, True),
    (CREDIT, True, True, False),  # coarse rule passes; namespaces are checked after
    (app("namespacewrite:rumpel"), True, True, False),  # "*" matches any namespacewrite
    (app("namespaceread:rumpel"), False, False, False),
    (app("owner"), True, True, True),
])
def test_coarse_rules(principal: Principal, write: bool, sources: bool, owner: bool) -> None:
    assert write_data(principal) is write
    assert list_sources(principal) is sources
    assert owner_only(principal) is owner


def test_access_scope_must_be_one_of_the_users_roles() -> None:
    forged_scope = Principal(frozenset({Role("datacredit")}), access_scope="owner")
    assert not owner_only(forged_scope)
    assert not write_data(Principal(frozenset({Role("owner")}), access_scope="platform"))
