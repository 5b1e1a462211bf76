"""The data feed (spec 5.2): notes, locations and calendar events as feed items."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.api.hat_fixtures import API, save
from tests.api.test_seed import seed_body

FEED = f"{API}/she/feed"
NOTE_TIME = 1492953718  # the seed note's updated_time, 2017-04-23T14:21:58+01:00

EVENT: dict[str, Any] = {"summary": "Dentist", "description": "Check-up",
                         "location": "High Street 1", "start": {
                             "dateTime": "2017-04-24T09:00:00Z"}, "end": {
                             "dateTime": "2017-04-24T09:30:00Z"}}
LOCATION: dict[str, Any] = {"latitude": 51.5, "longitude": -0.12, "dateCreated": 1492900000}


def save_everything(owner: TestClient) -> None:
    stored = owner.post(f"{API}/data-batch", content=seed_body(),
                        headers={"Content-Type": "application/json"})
    assert stored.status_code == 201
    save(owner, [("calendar/google/events", EVENT), ("rumpel/locations", LOCATION),
                 ("rumpel/locations", {"latitude": 1, "longitude": 2})])  # no date: left out


def test_feed_items_newest_first(owner: TestClient) -> None:
    save_everything(owner)
    items = owner.get(f"{FEED}?since=1492000000&until=1493100000").json()
    assert [i["source"] for i in items] == ["google", "notables", "location"]
    event, note, place = items
    assert event == {"source": "google", "date": {"iso": "2017-04-24T09:00:00.000Z",
                                                  "unix": 1493024400},
                     "types": ["event"], "title": {"text": "Dentist", "action": "event"},
                     "content": {"text": "Check-up"}, "location": {"tags": ["High Street 1"]}}
    assert note["date"] == {"iso": "2017-04-23T13:21:58.000Z", "unix": NOTE_TIME}
    assert note["content"] == {"text": "Showcasing the new HAT APIs"}
    assert note["title"] == {"text": "You shared", "action": "shared", "subtitle": "on twitter"}
    assert place["location"] == {"geo": {"longitude": -0.12, "latitude": 51.5}}


def test_feed_window_and_prefix(owner: TestClient) -> None:
    save_everything(owner)
    assert owner.get(f"{FEED}?since={NOTE_TIME}&until={NOTE_TIME}").json()[0]["source"] == \
        "notables"
    assert owner.get(f"{FEED}?since={NOTE_TIME + 1}&until=1493000000").json() == []
    rumpel = owner.get(f"{FEED}/rumpel?since=0&until=1493100000").json()
    assert [i["source"] for i in rumpel] == ["notables", "location"]
    assert owner.get(f"{FEED}/rumpel/locations?since=0&until=1493100000").json()[0][
        "source"] == "location"
    assert owner.get(f"{FEED}/other?since=0").json() == []


def test_default_window_is_recent(owner: TestClient) -> None:
    save_everything(owner)  # 2017: long before the default window
    assert owner.get(FEED).json() == []


def test_feed_needs_the_owner_and_numbers(client: TestClient, owner: TestClient) -> None:
    assert owner.get(f"{FEED}?since=yesterday").status_code == 400
    del client.headers["X-Auth-Token"]
    assert client.get(FEED).status_code == 401
