"""`GET /api/v2.6/system/status` (spec 5.5, the original's SystemStatusSpec): the eight items,
measured for the HAT asking, on both backends."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from openhat.system.status import ago
from tests.app_fixtures import installed_app
from tests.conftest import login

API = "/api/v2.6"
TITLES = ["Previous Login", "Owner Email", "Database Storage", "File Storage",
          "Database Storage Used", "File Storage Used", "Database Storage Used Share",
          "File Storage Used Share"]


def items(client: TestClient, **headers: str) -> dict[str, Any]:
    response = client.get(f"{API}/system/status", headers=headers)
    assert response.status_code == 200, response.text
    assert [item["title"] for item in response.json()] == TITLES
    return {item["title"]: item["kind"] for item in response.json()}


def test_status_items(client: TestClient) -> None:
    first = login(client)
    status = items(client, **{"X-Auth-Token": first})
    assert status["Previous Login"] == {"metric": "Never", "kind": "Text"}  # one login so far
    assert status["Owner Email"] == {"metric": "", "kind": "Text"}
    assert status["Database Storage"] == {"metric": 100, "units": "MB", "kind": "Numeric"}
    assert status["File Storage"] == {"metric": 100, "units": "MB", "kind": "Numeric"}
    assert status["Database Storage Used"]["metric"] == 0
    second = login(client)
    assert items(client, **{"X-Auth-Token": second})["Previous Login"] == {
        "metric": "moments ago", "kind": "Text"}


def test_usage_grows_with_the_data(owner: TestClient) -> None:
    before = items(owner)["Database Storage Used"]["metric"]
    note = {"message": "x" * 40_000}
    for n in range(30):
        assert owner.post(f"{API}/data/test/big", json={**note, "n": n}).status_code == 201
    after = items(owner)
    assert after["Database Storage Used"]["metric"] > before
    used = after["Database Storage Used"]["metric"]
    share = after["Database Storage Used Share"]
    assert share["units"] == "%" and abs(share["metric"] - used) < 0.02  # of 100 MB: MB = %


def test_refused_to_apps_without_the_grant_and_to_strangers(owner: TestClient) -> None:
    token = installed_app(owner, "reader", "namespaceread:rumpel")
    refused = owner.get(f"{API}/system/status", headers={"X-Auth-Token": token})
    assert refused.status_code == 403
    assert owner.get(f"{API}/system/status", headers={"X-Auth-Token": ""}).status_code == 401


def test_ago() -> None:
    now = 10**12
    assert ago(now - 5_000, now) == "moments ago"
    assert ago(now - 60_000, now) == "1 minute ago"
    assert ago(now - 7_200_000, now) == "2 hours ago"
    assert ago(now - 3 * 86_400_000, now) == "3 days ago"
