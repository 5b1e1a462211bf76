"""Housekeeping routes (spec 5.5): version, metrics, front-end action reports, the cache,
the database update, the legacy migration and the Apple app-site association."""

from __future__ import annotations

import dataclasses
import logging
import re

import pytest
from starlette.testclient import TestClient

from openhat import __version__
from openhat.config import Settings
from openhat.storage.base import Store
from openhat.system import caches
from openhat.web.app import create_app
from tests.app_fixtures import API, installed_app
from tests.conftest import DOMAIN, login

NOT_AUTHENTICATED = {"error": "Not Authenticated", "message": "Not Authenticated"}
FORBIDDEN = {"error": "Forbidden", "message": "Access Denied"}


def client_for(settings: Settings, store: Store, host: str = "127.0.0.1",
               **changes: object) -> TestClient:
    app = create_app(dataclasses.replace(settings, **changes), store)  # type: ignore[arg-type]
    return TestClient(app, base_url=f"http://{DOMAIN}", client=(host, 40000))


def test_version_names_the_hat_api_and_openhat(client: TestClient) -> None:
    assert client.get(f"{API}/version").json() == {
        "Version": "v2.8.18", "api": "v2.6", "openhat": __version__}


# --- /metrics ------------------------------------------------------------------------------

def test_metrics_count_requests_by_route_template_and_writes(
        settings: Settings, store: Store, hat: object) -> None:
    with client_for(settings, store) as local:
        local.headers["X-Auth-Token"] = login(local)
        local.post(f"{API}/data/metricsns/secret-endpoint", json=[{"a": "xyz"}, {"b": 2}])
        local.get(f"{API}/data/metricsns/secret-endpoint")
        local.get(f"{API}/no-such-route/for-anyone")
        local.get("/healthz")  # its endpoint is shared with /api/v2.6/healthz
        response = local.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    template = "/api/v2.6/data/{namespace}/{endpoint:path}"
    assert re.search(r'openhat_http_requests_total\{method="POST",route="' + re.escape(template)
                     + r'",status="201"\} [1-9]', text)
    assert re.search(r'openhat_http_request_duration_seconds_count\{method="GET",route="'
                     + re.escape(template) + r'"\} [1-9]', text)
    assert 'route="unmatched",status="404"' in text
    assert 'openhat_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert re.search(r"^openhat_records_written_total [1-9]", text, re.M)
    assert re.search(r"^openhat_record_bytes_written_total [1-9]", text, re.M)
    assert "openhat_write_batch_records_bucket" in text
    assert "openhat_db_connections_open" in text
    if settings.database.startswith("sqlite"):
        assert re.search(r"^openhat_sqlite_wal_bytes \d", text, re.M)
    else:
        assert "openhat_db_pool_max 10.0" in text
    # no per-HAT data: neither the namespace, the endpoint, the HAT nor its owner
    for private in ("metricsns", "secret-endpoint", DOMAIN, "hatuser", "xyz"):
        assert private not in text


def test_metrics_refused_off_loopback_without_the_token(
        settings: Settings, store: Store, hat: object) -> None:
    with client_for(settings, store, host="203.0.113.9") as remote:
        response = remote.get("/metrics")
        assert response.status_code == 403
        assert response.json()["error"] == "Forbidden"
    with client_for(settings, store, host="203.0.113.9", metrics_token="s3cret") as remote:
        assert remote.get("/metrics").status_code == 403
        assert remote.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code \
            == 403
        assert remote.get("/metrics", headers={"Authorization": "s3cret"}).status_code == 403
        ok = remote.get("/metrics", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
        assert "openhat_http_requests_total" in ok.text


# --- /report-frontend-action ---------------------------------------------------------------

def test_frontend_action_is_logged(owner: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="openhat.frontend"):
        response = owner.post(f"{API}/report-frontend-action",
                              json={"actionCode": "open-feed", "message": "m", "logGroup": "g"})
    assert response.status_code == 200
    assert response.json() == {"message": "open-feed logged"}
    assert any("open-feed" in r.getMessage() and DOMAIN in r.getMessage()
               for r in caplog.records)


def test_frontend_action_by_an_application_names_it(owner: TestClient,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    token = installed_app(owner, "reporter", "namespaceread:rumpel")
    with caplog.at_level(logging.INFO, logger="openhat.frontend"):
        response = owner.post(f"{API}/report-frontend-action", json={"actionCode": "x"},
                              headers={"X-Auth-Token": token})
    assert response.status_code == 200
    assert any("via reporter@1.0.0" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("body", [
    {}, {"actionCode": 5}, {"actionCode": "a", "message": 1}, [], "x",
])
def test_frontend_action_refuses_a_bad_body(owner: TestClient, body: object) -> None:
    response = owner.post(f"{API}/report-frontend-action", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"


def test_frontend_action_needs_a_token(client: TestClient) -> None:
    response = client.post(f"{API}/report-frontend-action", json={"actionCode": "a"})
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


# --- /system/destroy-cache and /system/update ------------------------------------------------

def test_destroy_cache_runs_every_registered_clearer(owner: TestClient) -> None:
    cleared: list[str] = []
    caches.register("test cache", lambda: cleared.append("done"))
    try:
        response = owner.delete(f"{API}/system/destroy-cache")
    finally:
        caches.register("test cache", lambda: None)
    assert response.status_code == 200
    assert response.json() == {"message": "beforeDestroy DONE"}
    assert cleared == ["done"]
    assert "parsed signing keys" in caches.clear_all()
    # the HAT still answers after its caches are gone
    assert owner.get(f"{API}/data/sources").status_code == 200


def test_system_update_applies_migrations(owner: TestClient) -> None:
    response = owner.get("/system/update")
    assert response.status_code == 200
    assert response.json() == {"message": "Database updated"}


@pytest.mark.parametrize("method,path", [
    ("DELETE", f"{API}/system/destroy-cache"), ("GET", "/system/update"),
    ("GET", f"{API}/migrate?fromSource=a&fromTableName=b&toNamespace=c&toEndpoint=d"),
])
def test_owner_only_housekeeping_refusals(owner: TestClient, client: TestClient, method: str,
                                          path: str) -> None:
    token = installed_app(owner, "housekeeper", "owner")
    anonymous = client.request(method, path, headers={"X-Auth-Token": ""})
    assert anonymous.status_code == 401
    assert anonymous.json() == NOT_AUTHENTICATED
    as_app = client.request(method, path, headers={"X-Auth-Token": token})
    assert as_app.status_code == 403
    assert as_app.json() == FORBIDDEN


# --- /migrate ------------------------------------------------------------------------------

@pytest.mark.parametrize("prefix", ["/api/v2.6", "/api/v2", "/api/v2.0"])
def test_legacy_migration_has_nothing_to_migrate(owner: TestClient, prefix: str) -> None:
    response = owner.get(f"{prefix}/migrate", params={
        "fromSource": "facebook", "fromTableName": "posts", "toNamespace": "facebook",
        "toEndpoint": "feed"})
    assert response.status_code == 200
    assert response.json() == {"message": "Migrated 0 records"}


def test_legacy_migration_names_a_missing_parameter(owner: TestClient) -> None:
    response = owner.get(f"{API}/migrate", params={"fromSource": "facebook"})
    assert response.status_code == 400
    assert response.json() == {"error": "Bad Request",
                               "message": "Missing parameter: fromTableName"}


# --- /.well-known/apple-app-site-association -------------------------------------------------

def test_apple_app_site_association_from_the_setting(settings: Settings, store: Store,
                                                     hat: object) -> None:
    document = '{"applinks": {"apps": [], "details": [{"appID": "X.y", "paths": ["*"]}]}}'
    with client_for(settings, store, apple_app_site_association=document) as c:
        response = c.get("/.well-known/apple-app-site-association")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["applinks"]["details"][0]["appID"] == "X.y"


@pytest.mark.parametrize("configured", ["", "not json", "[1]"])
def test_apple_app_site_association_absent_or_broken_is_404(
        settings: Settings, store: Store, hat: object, configured: str) -> None:
    with client_for(settings, store, apple_app_site_association=configured) as c:
        response = c.get("/.well-known/apple-app-site-association")
    assert response.status_code == 404
    assert response.json()["error"] == "Not Found"
