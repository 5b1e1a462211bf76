"""Health and version."""

from __future__ import annotations

from starlette.testclient import TestClient

from openhat import __version__


def test_healthz(client: TestClient) -> None:
    for path in ("/healthz", "/api/v2.6/healthz"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.json() == {"Status": "OK"}


def test_version(client: TestClient) -> None:
    assert client.get("/api/v2.6/version").json()["openhat"] == __version__


def test_security_headers(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
