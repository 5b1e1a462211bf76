"""Application manifests (the original's Application JSON) and helpers to register, set up
and get tokens for them, shared by the application, permission and fuzz tests."""

from __future__ import annotations

import copy
from typing import Any

from starlette.testclient import TestClient

API = "/api/v2.6"

# Shaped like the original's test app `notables` (spec 7: grants namespacewrite:rumpel,
# namespaceread:rumpel, datadebit:app-notables).
NOTABLES: dict[str, Any] = {
    "id": "notables",
    "kind": {"kind": "App", "url": "https://notables.example.com",
             "iosUrl": "notables://", "androidUrl": "notables://"},
    "info": {
        "version": "1.0.0",
        "name": "Notables",
        "headline": "All your words",
        "description": {"text": "Notes", "markdown": "Notes", "html": "<p>Notes</p>"},
        "dataUsePurpose": "Writing notes to your HAT",
        "graphics": {"banner": {"normal": ""}, "logo": {"normal": ""}, "screenshots": []},
        "published": True,
        "rating": {"score": "A", "points": 10},
        "supportContact": "contact@notables.example.com",
        "termsUrl": "https://notables.example.com/terms",
    },
    "developer": {"id": "dex", "name": "Notables Ltd", "url": "https://notables.example.com",
                  "country": "United Kingdom"},
    "permissions": {
        "rolesGranted": [
            {"role": "namespacewrite", "detail": "rumpel"},
            {"role": "namespaceread", "detail": "rumpel"},
            {"role": "datadebit", "detail": "app-notables"},
        ],
    },
    "setup": {"kind": "External", "url": "https://notables.example.com/setup",
              "onboarding": [], "validRedirectUris": ["https://notables.example.com/"]},
    "status": {"kind": "Internal", "compatibility": "1.0.0", "expectedStatus": 200,
               "dataPreviewEndpoint": "/rumpel/notablesv1",
               "recentDataCheckEndpoint": "rumpel/notablesv1",
               "versionReleaseDate": "2018-07-24T12:00:00.000Z", "statusUrl": ""},
}


def manifest(app_id: str, *grants: str, version: str = "1.0.0", **changes: Any) -> dict[str, Any]:
    """NOTABLES under another id, granted `grants` (`"namespacewrite:rumpel"`, `"owner"`)."""
    out = copy.deepcopy(NOTABLES)
    out["id"] = app_id
    out["info"]["version"] = version
    roles = []
    for grant in grants:
        role, _, detail = grant.partition(":")
        roles.append({"role": role, "detail": detail} if detail else {"role": role})
    out["permissions"]["rolesGranted"] = roles
    out.update(changes)
    return out


def register(owner: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = owner.post(f"{API}/applications", json=body)
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


def app_token(owner: TestClient, app_id: str) -> str:
    response = owner.get(f"{API}/applications/{app_id}/access-token")
    assert response.status_code == 200, response.text
    return str(response.json()["accessToken"])


def installed_app(owner: TestClient, app_id: str, *grants: str, enabled: bool = True) -> str:
    """Register an application with `grants`, set it up (or set it up and disable it), and
    return a token of it."""
    register(owner, manifest(app_id, *grants))
    assert owner.get(f"{API}/applications/{app_id}/setup").status_code == 200
    token = app_token(owner, app_id)
    if not enabled:
        assert owner.get(f"{API}/applications/{app_id}/disable").status_code == 200
    return token
