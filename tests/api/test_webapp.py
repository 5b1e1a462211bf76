"""The web app's files as the server serves them: its page and assets, the policy that lets
them run, and the API's JSON 404s kept for every path that is not the app's."""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from openhat.config import Settings
from openhat.hats.service import NewHat
from openhat.storage.base import Store
from openhat.web.app import create_app
from openhat.web.webapp import STATIC
from tests.files_fixtures import new_bucket, s3_endpoint  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[2]
APP_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src {0}; "
              "connect-src {0}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def test_the_page_and_its_assets_are_served_with_the_apps_policy(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-security-policy"] == APP_POLICY.format("'self'")
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    script = client.get("/static/app.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert client.get("/static/app.css").headers["content-type"].startswith("text/css")


def test_the_page_has_no_inline_script_or_style() -> None:
    """The policy allows only the app's own files: no inline code may be needed."""
    html = (STATIC / "index.html").read_text()
    assert re.findall(r"<script\b[^>]*>", html) == ['<script type="module" src="/static/app.js">']
    assert not re.search(r"<style|\sstyle=|\son\w+=|javascript:", html, re.IGNORECASE)


def test_the_api_keeps_its_policy(client: TestClient) -> None:
    answer = client.get("/api/v2.6/version")
    assert answer.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/nothing"), ("GET", "/api/v2.6/nothing"), ("GET", "/users/nothing"),
    ("GET", "/control/nothing"), ("GET", "/system/nothing"), ("GET", "/.well-known/x"),
    ("GET", "/publickey/x"), ("GET", "/healthz/x"), ("GET", "/metrics/x"),
    ("GET", "/static/nothing.js"), ("GET", "/static/../config.py"),  # no file, no escape
    ("GET", "/index.html"), ("GET", "/hatlogin"),  # the app's pages live after `#`
    ("POST", "/"), ("DELETE", "/static/app.js"),  # the app's paths are read-only
])
def test_other_paths_keep_the_apis_json_404(client: TestClient, method: str, path: str) -> None:
    answer = client.request(method, path)
    assert answer.status_code == 404
    assert answer.json()["error"] == "Handler Not Found"


def test_every_asset_is_shipped_in_the_package() -> None:
    """`pip install .` (the README's first command) copies only what package-data names."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["openhat"]
    package = ROOT / "openhat"
    shipped = {p for pattern in patterns for p in package.glob(pattern) if p.is_file()}
    assets = {p for p in STATIC.rglob("*") if p.is_file()}
    assert assets and assets <= shipped


def test_every_module_the_app_imports_exists() -> None:
    """A missing or misnamed module would leave a blank page; the browser tests load every
    page, this names the file."""
    for module in STATIC.rglob("*.js"):
        for target in re.findall(r'from "(\.[^"]+)"', module.read_text()):
            assert (module.parent / target).resolve().is_file(), f"{module.name}: {target}"


def test_with_s3_the_apps_policy_admits_the_buckets_origin(
        settings: Settings, store: Store, hat: NewHat, request: pytest.FixtureRequest) -> None:
    """File previews and uploads go to the bucket's signed URLs: the app's policy names
    that origin (and only for the app's pages: the API keeps its own)."""
    endpoint = request.getfixturevalue("s3_endpoint")
    url = f"s3://{new_bucket(endpoint)}?endpoint={endpoint}"
    origin = endpoint.rstrip("/")
    with TestClient(create_app(replace(settings, files_url=url), store),
                    base_url="http://hat.example.test") as client:
        page = client.get("/")
        assert page.headers["content-security-policy"] == APP_POLICY.format(
            f"'self' {origin}")
        assert client.get("/api/v2.6/version").headers["content-security-policy"] == \
            "default-src 'none'; frame-ancestors 'none'"
