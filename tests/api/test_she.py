"""SHE functions (the original's FunctionManagerSpec, spec 5.2) run inside openhat: the
activity counter counts what was added and its insight reaches the feed; and static data."""

from __future__ import annotations

import dataclasses
import time

import pytest
from starlette.testclient import TestClient

from openhat.clock import now_s
from openhat.config import Settings
from openhat.she import service as she
from openhat.storage.base import Store
from openhat.web.app import create_app
from tests.api.hat_fixtures import API, save
from tests.app_fixtures import installed_app
from tests.conftest import DOMAIN, login

FUNCTIONS = f"{API}/she/function"
COUNTER = f"{FUNCTIONS}/data-feed-counter"
INSIGHTS = f"{API}/data/she/insights/activity-records"


def iso(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(seconds))


def recent_records(owner: TestClient) -> None:
    now = now_s()
    save(owner, [("twitter/tweets", {"text": "a", "lastUpdated": iso(now - 3600)}),
                 ("twitter/tweets", {"text": "b", "lastUpdated": iso(now - 7200)}),
                 ("twitter/tweets", {"text": "old", "lastUpdated": iso(now - 30 * 86400)}),
                 ("spotify/feed", {"played_at": iso(now - 60)})])


def test_functions_list_the_activity_counter(owner: TestClient) -> None:
    response = owner.get(FUNCTIONS)
    assert response.status_code == 200
    [counter] = response.json()
    assert counter["id"] == "data-feed-counter"
    assert counter["trigger"] == {"triggerType": "periodic", "period": "P7D"}
    assert counter["status"] == {"available": True, "enabled": False}
    assert counter["dataBundle"]["name"] == "data-feed-counter"
    assert counter["dataBundle"]["bundle"]["notables/feed"]["endpoints"] == [
        {"endpoint": "rumpel/notablesv1"}]
    assert set(counter["info"]) >= {"version", "versionReleaseDate", "name", "headline",
                                    "description", "termsUrl", "supportContact", "graphics"}
    assert owner.get(COUNTER).json() == counter


def test_unknown_function_is_404(owner: TestClient) -> None:
    for path in ("", "/enable", "/disable", "/trigger"):
        response = owner.get(f"{FUNCTIONS}/no-such-function{path}")
        assert response.status_code == 404
        assert response.json() == {"message": "Function Not Found",
                                   "cause": "Function no-such-function not found"}


def test_enable_disable_and_trigger(owner: TestClient) -> None:
    refused = owner.get(f"{COUNTER}/trigger")
    assert refused.status_code == 400
    assert refused.json() == {"message": "Function Not Enabled",
                              "cause": "Function data-feed-counter not enabled for execution"}
    enabled = owner.get(f"{COUNTER}/enable")
    assert enabled.status_code == 200
    assert enabled.json()["status"] == {"available": True, "enabled": True}
    recent_records(owner)
    triggered = owner.get(f"{COUNTER}/trigger")
    assert triggered.status_code == 200
    assert triggered.json() == {"message": "Function Executed"}
    [insight] = owner.get(INSIGHTS).json()
    counters = insight["data"]["counters"]
    assert counters["twitter/tweets"] == 2  # the month-old tweet is before the week
    assert counters["spotify/feed"] == 1
    assert counters["facebook/feed"] == 0
    status = owner.get(COUNTER).json()["status"]
    assert status["enabled"] is True
    assert "lastExecution" in status and "executionStarted" in status
    # the insight reaches the feed
    feed = owner.get(f"{API}/she/feed/she").json()
    assert [i["title"]["text"] for i in feed] == ["Your recent activity summary"]
    assert feed[0]["content"]["nestedStructure"]["twitter"] == [
        {"content": "Tweets sent", "badge": "2"}]
    assert owner.get(f"{COUNTER}/disable").json()["status"]["enabled"] is False
    assert owner.get(f"{COUNTER}/trigger").status_code == 400


def test_trigger_counts_since_the_last_run_or_all(owner: TestClient) -> None:
    owner.get(f"{COUNTER}/enable")
    recent_records(owner)
    owner.get(f"{COUNTER}/trigger")
    owner.get(f"{COUNTER}/trigger")  # nothing new since the first run
    owner.get(f"{COUNTER}/trigger?useAll=true")
    runs = owner.get(f"{INSIGHTS}?orderBy=timestamp").json()
    assert [r["data"]["counters"]["twitter/tweets"] for r in runs] == [2, 0, 3]
    assert owner.get(f"{COUNTER}/trigger?useAll=maybe").status_code == 400


def test_schedule_runs_enabled_functions_when_due(owner: TestClient, store: Store) -> None:
    assert she.run_due(store) == 0  # nothing enabled
    owner.get(f"{COUNTER}/enable")
    recent_records(owner)
    assert she.run_due(store) == 1  # never ran: due
    assert she.run_due(store) == 0  # ran just now: not due for a week
    assert len(owner.get(INSIGHTS).json()) == 1


def test_schedule_thread_of_the_server(settings: Settings, store: Store, hat: object) -> None:
    app = create_app(dataclasses.replace(settings, she_interval_seconds=1), store)
    with TestClient(app, base_url=f"http://{DOMAIN}") as c:
        c.headers["X-Auth-Token"] = login(c)
        c.get(f"{COUNTER}/enable")
        deadline = time.monotonic() + 10
        while not c.get(INSIGHTS).json() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(c.get(INSIGHTS).json()) == 1


def test_function_rules(owner: TestClient, client: TestClient) -> None:
    plain = installed_app(owner, "plain", "namespaceread:rumpel")
    manager = installed_app(owner, "counter-manager", "applicationmanage:data-feed-counter")
    owner_app = installed_app(owner, "owner-app", "owner")
    owner.get(f"{COUNTER}/enable")
    for path in ("", "/data-feed-counter", "/data-feed-counter/enable",
                 "/data-feed-counter/disable", "/data-feed-counter/trigger"):
        assert client.get(f"{FUNCTIONS}{path}", headers={"X-Auth-Token": ""}).status_code \
            == 401
        assert client.get(f"{FUNCTIONS}{path}", headers={"X-Auth-Token": plain}).status_code \
            == 403
    assert client.get(f"{COUNTER}/trigger", headers={"X-Auth-Token": manager}).status_code \
        == 200
    assert client.get(f"{COUNTER}/enable", headers={"X-Auth-Token": manager}).status_code \
        == 403
    assert client.get(FUNCTIONS, headers={"X-Auth-Token": owner_app}).status_code == 200


@pytest.mark.parametrize("prefix", ["/api/v2", "/api/v2.0"])
def test_functions_under_the_v2_prefixes(owner: TestClient, prefix: str) -> None:
    assert owner.get(f"{prefix}/she/function").json()[0]["id"] == "data-feed-counter"
    assert owner.get(f"{prefix}/she/static/facebook").status_code == 404  # v2.6 only


# --- static data ---------------------------------------------------------------------------

def test_static_profile_data(owner: TestClient) -> None:
    save(owner, [
        ("facebook/profile", {"name": "Old", "hat_updated_time": 1}),
        ("facebook/profile", {"name": "Alice", "hat_updated_time": 2, "friends": [1],
                              "languages": ["en"], "location": {"name": "London"}}),
        ("facebook/likes/pages", {"number_of_pages_liked": 12, "created_time": 5}),
        ("twitter/tweets", {"id": 7, "user": {"screen_name": "alice", "entities": {}}}),
        ("spotify/profile", {"display_name": "A", "followers": {"total": 3},
                             "images": [], "dateCreated": 1}),
    ])
    facebook = owner.get(f"{API}/she/static/facebook").json()
    assert facebook == [{"name": "profile", "values": {"name": "Alice", "hat_updated_time": 2,
                                                        "location": "London"}},
                        {"name": "pages", "values": {"number_of_pages_liked": 12}}]
    assert owner.get(f"{API}/she/static/twitter/profile").json() == [
        {"name": "tweets", "values": {"screen_name": "alice"}}]
    assert owner.get(f"{API}/she/static/spotify").json() == [
        {"name": "profile", "values": {"display_name": "A", "followers": 3,
                                       "dateCreated": 1}}]
    assert owner.get(f"{API}/she/static/nothing-here").json() == []


def test_static_data_rules(owner: TestClient, client: TestClient) -> None:
    plain = installed_app(owner, "plain", "namespaceread:facebook")
    assert client.get(f"{API}/she/static/facebook", headers={"X-Auth-Token": ""}) \
        .status_code == 401
    assert client.get(f"{API}/she/static/facebook", headers={"X-Auth-Token": plain}) \
        .status_code == 403
