"""Application manifests: the original's `Application` JSON (spec 5.4), checked and read.

The original fetches manifests from a central directory (the DEX); openhat keeps them on the
HAT, registered by its owner. A manifest is stored as given, so clients see every field the
developer wrote; only the fields openhat acts on are checked here: the id, kind, version,
name, granted roles, setup kind, status kind and compatibility version, dependencies, the
data debit the app requires, and the endpoint its freshness is read from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from openhat.debits.rules import APPLICATION_KEY_PREFIX
from openhat.debits.wire import checked_request
from openhat.errors import BadRequest
from openhat.identity.permissions import Role
from openhat.records.wire import valid_endpoint
from openhat.wire import Errors, error, is_object, raise_if

APPLICATION_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,99}")
KINDS = ("App", "DataPlug", "Tool", "Contract")
SETUP_KINDS = ("External", "Internal")
STATUS_KINDS = ("Internal", "External")
VERSION = re.compile(r"\d{1,9}(\.\d{1,9}){0,2}")
MAX_ROLES = 100
MAX_WEBHOOKS = 10  # callbacks one manifest may ask for (openhat's `webhooks` field)


@dataclass(frozen=True)
class ManifestWebhook:
    """A callback the application's manifest asks for (docs/events.md): registered for the
    application when it is set up."""

    url: str
    endpoints: tuple[str, ...]


@dataclass(frozen=True)
class Manifest:
    application_id: str
    version: str  # info.version, `x.y.z`
    kind: str  # App, DataPlug, Tool or Contract
    roles: frozenset[Role]  # permissions.rolesGranted
    compatibility: str  # status.compatibility: set-ups older than this need updating
    dependencies: tuple[str, ...]  # setup.dependencies: ids set up together with this one
    data_required: Any  # permissions.dataRequired (a v2 DataDebitRequest) or None
    recent_data_endpoint: str | None  # status.recentDataCheckEndpoint
    webhooks: tuple[ManifestWebhook, ...] = ()  # openhat's `webhooks` (the original has none)

    @property
    def debit_key(self) -> str | None:
        """The data debit that setting the app up creates (the original's `app-<id>`)."""
        return (None if self.data_required is None
                else f"{APPLICATION_KEY_PREFIX}{self.application_id}")


def version_key(version: str) -> tuple[int, int, int]:
    """`1.2` → (1, 2, 0): versions compare numerically, part by part."""
    parts = [int(p) for p in version.split(".")] + [0, 0]
    return parts[0], parts[1], parts[2]


def is_newer(version: str, than: str) -> bool:
    return version_key(version) > version_key(than)


def parse_manifest(value: Any) -> Manifest:
    """The manifest's checked fields. Raises BadRequest with every problem in the original's
    JsError form (`{"obj.info.version": [{"msg": [...], "args": []}]}`)."""
    errors: Errors = {}
    if not is_object(value, "obj", errors):
        raise_if(errors)
    app_id = _string(value, ("id",), errors)
    if app_id is not None and not APPLICATION_ID.fullmatch(app_id):
        error(errors, "obj.id", "error.pattern")
    kind = _choice(value, ("kind", "kind"), KINDS, errors)
    version = _version(value, ("info", "version"), errors)
    _string(value, ("info", "name"), errors)
    _choice(value, ("setup", "kind"), SETUP_KINDS, errors)
    _choice(value, ("status", "kind"), STATUS_KINDS, errors)
    compatibility = _version(value, ("status", "compatibility"), errors)
    roles = _roles(_at(value, ("permissions", "rolesGranted")), errors)
    dependencies = _dependencies(_at(value, ("setup", "dependencies")), errors)
    recent = _at(value, ("status", "recentDataCheckEndpoint"))
    if recent is not None and (not isinstance(recent, str) or not valid_endpoint(recent)):
        error(errors, "obj.status.recentDataCheckEndpoint", "Endpoint invalid")
    data_required = _at(value, ("permissions", "dataRequired"))
    if data_required is not None:
        _check_debit_request(data_required, errors)
    hooks = _webhooks(_at(value, ("webhooks",)), errors)
    raise_if(errors)
    assert app_id and kind and version and compatibility and roles is not None
    return Manifest(app_id, version, kind, roles, compatibility, dependencies, data_required,
                    recent if isinstance(recent, str) else None, hooks)


def _webhooks(value: Any, errors: Errors) -> tuple[ManifestWebhook, ...]:
    """`[{"url": "https://...", "endpoints": ["ns", "ns/ep"]}, ...]`: the URL is checked
    as a webhook's when the application is set up, the endpoints here."""
    if value is None:
        return ()
    if not isinstance(value, list):
        error(errors, "obj.webhooks", "error.expected.jsarray")
        return ()
    if len(value) > MAX_WEBHOOKS:
        error(errors, "obj.webhooks", f"error.maxLength: {MAX_WEBHOOKS}")
        return ()
    found = []
    for i, hook in enumerate(value):
        path = f"obj.webhooks[{i}]"
        url = hook.get("url") if isinstance(hook, dict) else None
        endpoints = hook.get("endpoints") if isinstance(hook, dict) else None
        if not isinstance(url, str):
            error(errors, f"{path}.url", "error.expected.jsstring")
        if not isinstance(endpoints, list) or not endpoints or not all(
                isinstance(e, str) and valid_endpoint(e) and not e.endswith("/")
                and "//" not in e for e in endpoints):
            error(errors, f"{path}.endpoints", "Endpoint invalid")
        elif isinstance(url, str):
            found.append(ManifestWebhook(url, tuple(dict.fromkeys(endpoints))))
    return tuple(found)


def _at(value: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _path(path: tuple[str, ...]) -> str:
    return "obj." + ".".join(path)


def _string(value: Any, path: tuple[str, ...], errors: Errors) -> str | None:
    found = _at(value, path)
    if found is None:
        error(errors, _path(path), "error.path.missing")
    elif not isinstance(found, str):
        error(errors, _path(path), "error.expected.jsstring")
    elif not found.strip():
        error(errors, _path(path), "error.minLength")
    else:
        return found
    return None


def _choice(value: Any, path: tuple[str, ...], choices: tuple[str, ...],
            errors: Errors) -> str | None:
    found = _string(value, path, errors)
    if found is not None and found not in choices:
        error(errors, _path(path), f"error.expected.one.of: {', '.join(choices)}")
        return None
    return found


def _version(value: Any, path: tuple[str, ...], errors: Errors) -> str | None:
    found = _string(value, path, errors)
    if found is not None and not VERSION.fullmatch(found):
        error(errors, _path(path), "error.expected.version")
        return None
    return found


def _roles(value: Any, errors: Errors) -> frozenset[Role] | None:
    """`[{"role": "namespacewrite", "detail": "rumpel"}, ...]` (UserRole JSON)."""
    path = "obj.permissions.rolesGranted"
    if value is None:
        error(errors, path, "error.path.missing")
        return None
    if not isinstance(value, list):
        error(errors, path, "error.expected.jsarray")
        return None
    if len(value) > MAX_ROLES:
        error(errors, path, f"error.maxLength: {MAX_ROLES}")
        return None
    roles = set()
    for i, item in enumerate(value):
        role = item.get("role") if isinstance(item, dict) else None
        detail = item.get("detail") if isinstance(item, dict) else None
        if not isinstance(role, str) or not role.strip():
            error(errors, f"{path}[{i}].role", "error.path.missing")
        elif detail is not None and not isinstance(detail, str):
            error(errors, f"{path}[{i}].detail", "error.expected.jsstring")
        else:
            roles.add(Role(role.strip().lower(), (detail or "").strip()))
    return frozenset(roles)


def _dependencies(value: Any, errors: Errors) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        error(errors, "obj.setup.dependencies", "error.expected.jsarray")
        return ()
    return tuple(dict.fromkeys(value))


def _check_debit_request(value: Any, errors: Errors) -> None:
    """permissions.dataRequired is the v2 DataDebitRequest the app's data debit is made of."""
    try:
        checked_request(value)
    except BadRequest as exc:
        problems = exc.body["message"]
        for key, found in problems.items() if isinstance(problems, dict) else ():
            errors.setdefault(key.replace("obj", "obj.permissions.dataRequired", 1),
                              []).extend(found)
