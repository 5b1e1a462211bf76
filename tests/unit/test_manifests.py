"""Application manifests (openhat/manifests.py): what is read from them, and versions."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from openhat.applications.manifests import is_newer, parse_manifest, version_key
from openhat.errors import BadRequest
from openhat.identity.permissions import Role
from tests.app_fixtures import NOTABLES


@pytest.mark.parametrize("version,key", [
    ("1", (1, 0, 0)),
    ("1.2", (1, 2, 0)),
    ("1.2.3", (1, 2, 3)),
    ("10.0.0", (10, 0, 0)),  # numeric, not text, order
])
def test_version_key(version: str, key: tuple[int, int, int]) -> None:
    assert version_key(version) == key


@pytest.mark.parametrize("a,b,newer", [
    ("1.1.0", "1.0.0", True),
    ("1.0.0", "1.0.0", False),
    ("1.0", "1.0.0", False),  # missing parts are zeros
    ("1.10.0", "1.9.0", True),
    ("0.9.9", "1.0.0", False),
])
def test_is_newer(a: str, b: str, newer: bool) -> None:
    assert is_newer(a, b) is newer


def test_what_is_read_from_a_manifest() -> None:
    manifest = parse_manifest(NOTABLES)
    assert manifest.application_id == "notables"
    assert (manifest.version, manifest.kind, manifest.compatibility) == ("1.0.0", "App", "1.0.0")
    assert manifest.roles == {Role("namespacewrite", "rumpel"), Role("namespaceread", "rumpel"),
                              Role("datadebit", "app-notables")}
    assert manifest.recent_data_endpoint == "rumpel/notablesv1"
    assert manifest.debit_key is None  # no dataRequired
    assert manifest.dependencies == ()


def with_roles(*roles: Any) -> dict[str, Any]:
    body = copy.deepcopy(NOTABLES)
    body["permissions"]["rolesGranted"] = list(roles)
    return body


@pytest.mark.parametrize("granted,role", [
    ({"role": "owner"}, Role("owner")),
    ({"role": "NamespaceRead", "detail": "rumpel"}, Role("namespaceread", "rumpel")),
    ({"role": " namespacewrite ", "detail": " x "}, Role("namespacewrite", "x")),
    ({"role": "unknownrole", "detail": "y"}, Role("unknownrole", "y")),  # kept, never matches
])
def test_role_names_are_read_case_insensitively(granted: dict[str, str], role: Role) -> None:
    assert parse_manifest(with_roles(granted)).roles == {role}


@pytest.mark.parametrize("body,path", [
    ("not an object", "obj"),
    (with_roles("owner"), "obj.permissions.rolesGranted[0].role"),  # a string, not UserRole
    (with_roles({"role": "owner", "detail": 5}), "obj.permissions.rolesGranted[0].detail"),
    (with_roles(*[{"role": "owner"}] * 101), "obj.permissions.rolesGranted"),
    ({**NOTABLES, "id": "-leading-dash"}, "obj.id"),
    ({**NOTABLES, "id": "x" * 101}, "obj.id"),
    ({**NOTABLES, "setup": {"kind": "Elsewhere"}}, "obj.setup.kind"),
    ({**NOTABLES, "setup": {"kind": "External", "dependencies": "plug"}},
     "obj.setup.dependencies"),
    ({**NOTABLES, "status": {"kind": "Internal", "compatibility": "1.0.0.0"}},
     "obj.status.compatibility"),
    ({**NOTABLES, "info": {"version": "1.0.0", "name": "  "}}, "obj.info.name"),
])
def test_invalid_manifests(body: Any, path: str) -> None:
    with pytest.raises(BadRequest) as raised:
        parse_manifest(body)
    assert path in raised.value.body["message"]
