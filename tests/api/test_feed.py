"""The data feed (spec 5.2), mapper by mapper: each stores a record shaped like the original's
plug output (the original's DataFeedDirectMapperSpec fixtures) and reads back the item the
original's mapper builds; then the mapper keys of `/she/feed/{prefix}`, the window, the
geotagging from the phone's locations, and the refusals."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.hat_fixtures import API, save

FEED = f"{API}/she/feed"
WINDOW = "since=1400000000&until=1600000000"

TWEET = {"id": 1, "text": "Tweet from Portugal.", "retweeted": False,
         "lastUpdated": "2018-06-02T15:00:17.000Z", "in_reply_to_user_id": None,
         "coordinates": {"type": "Point", "coordinates": [-75.14310264, 40.05701649]},
         "place": {"name": "Washington", "country": "United States"}}
FACEBOOK_PHOTO = {"type": "photo", "message": "Finally!", "created_time":
                  "2017-12-19T06:12:46+0000", "picture": "https://p/small.jpg",
                  "full_picture": "https://p/full.jpg", "link": "https://fb/photo",
                  "place": {"name": "Home", "location": {"city": "London", "country": "UK",
                                                         "latitude": 51.5, "longitude": -0.1}}}
NOTE = {"message": "Hello notes", "currently_shared": True, "shared_on": ["phata"],
        "created_time": "2018-02-15T13:13:37.000Z", "updated_time": "2018-02-16T13:13:37.000Z",
        "photov1": {"link": "https://note/photo.jpg"},
        "locationv1": {"latitude": 51.5, "longitude": -0.12}}
INSTAGRAM_V1 = {"id": "1", "type": "image", "created_time": "1525166700",
                "tags": ["sunset"], "caption": {"text": "Sunset"},
                "images": {"thumbnail": {"url": "https://i/t.jpg"},
                           "standard_resolution": {"url": "https://i/s.jpg"}},
                "location": {"latitude": 1.3, "longitude": 103.8,
                             "street_address": "Marina Bay"}}
INSTAGRAM_V2 = {"id": "2", "ds_api_version": "v2", "ds_created_time": "1525170300",
                "media_type": "IMAGE", "media_url": "https://i/v2.jpg", "caption": "Lunch"}
FITBIT_WEIGHT = {"bmi": 25.46, "fat": 21.5, "date": "2017-10-23", "time": "07:04:37",
                 "logId": 1508742277000, "source": "Aria", "weight": 94.8}
FITBIT_SLEEP = {"endTime": "2017-10-23T07:35:00.000", "timeInBed": 479, "minutesAsleep": 430,
                "minutesAwake": 49, "efficiency": 89, "isMainSleep": True}
FITBIT_ACTIVITY = {"activityName": "Walk", "duration": 1843000, "averageHeartRate": 95,
                   "calories": 201, "originalStartTime": "2017-10-24T12:11:02.000+01:00"}
FITBIT_DAY = {"steps": 5312, "dateCreated": "2017-10-25"}
CALENDAR = {"id": "e1", "summary": "MadHATTERs Tea Party: The Boston Party",
            "description": "Join us<br/>at&nbsp;<a href='https://x'>the party</a>",
            "location": "Boston, MA, USA",
            "start": {"dateTime": "2017-12-12T23:30:00Z", "timeZone": "America/New_York"},
            "end": {"dateTime": "2017-12-13T03:30:00Z", "timeZone": "America/New_York"}}
SPOTIFY = {"played_at": "2018-05-10T19:00:00.000Z", "track": {
    "name": "Song", "duration_ms": 245000, "album": {"name": "Album", "images": [
        {"url": "https://s/cover.jpg"}]}, "artists": [{"name": "A"}, {"name": "B"}]}}
MONZO = {"created": "2018-03-01T10:00:00.000Z", "local_amount": -350,
         "local_currency": "GBP", "category": "eating_out", "is_load": False,
         "notes": "", "description": "COFFEE", "metadata": {},
         "merchant": {"name": "Cafe", "address": {"city": "London", "country": "GB",
                                                  "latitude": 51.5, "longitude": -0.1,
                                                  "short_formatted": "1 High St"}}}
UBER = {"request_id": "r1", "start_time": 1520000000, "end_time": 1520001500,
        "distance": 3.25, "start_city": {"display_name": "London", "latitude": 51.5,
                                         "longitude": -0.12}}
ACTIVITY = {"timestamp": "2018-03-08T00:00:00.000Z", "since": "2018-03-01T00:00:00.000Z",
            "counters": {"twitter/tweets": 3, "notables/feed": 0, "spotify/feed": 12}}


def one(owner: TestClient, endpoint: str, record: dict[str, Any],
        prefix: str = "") -> dict[str, Any]:
    save(owner, [(endpoint, record)])
    items = owner.get(f"{FEED}{prefix}?{WINDOW}").json()
    assert len(items) == 1, items
    return dict(items[0])


def test_tweet(owner: TestClient) -> None:
    got = one(owner, "twitter/tweets", TWEET)
    assert got["source"] == "twitter"
    assert got["date"] == {"iso": "2018-06-02T15:00:17.000Z", "unix": 1527951617}
    assert got["types"] == ["post"]
    assert got["title"] == {"text": "You tweeted"}
    assert got["content"] == {"text": "Tweet from Portugal."}
    assert got["location"] == {"geo": {"longitude": -75.14310264, "latitude": 40.05701649},
                               "address": {"country": "United States", "city": "Washington"}}


@pytest.mark.parametrize("change,heading", [
    ({"retweeted": True}, {"text": "You retweeted", "action": "repeat"}),
    ({"in_reply_to_user_id": 5, "in_reply_to_screen_name": "hat"},
     {"text": "You replied to @hat"}),
])
def test_retweet_and_reply(owner: TestClient, change: dict[str, Any],
                           heading: dict[str, str]) -> None:
    assert one(owner, "twitter/tweets", {**TWEET, **change})["title"] == heading


def test_facebook_photo_post(owner: TestClient) -> None:
    got = one(owner, "facebook/feed", FACEBOOK_PHOTO)
    assert got["source"] == "facebook"
    assert got["date"]["unix"] == 1513663966  # the +0000 offset read
    assert got["types"] == ["post", "photo"]
    assert got["title"] == {"text": "You posted a photo", "action": "photo"}
    assert got["content"] == {"text": "Finally!\n\nhttps://fb/photo", "media": [
        {"thumbnail": "https://p/small.jpg", "url": "https://p/full.jpg"}]}
    assert got["location"]["address"] == {"country": "UK", "city": "London", "name": "Home"}
    assert got["location"]["geo"] == {"longitude": -0.1, "latitude": 51.5}


def test_notes_are_dated_by_created_time(owner: TestClient) -> None:
    got = one(owner, "rumpel/notablesv1", NOTE)
    assert got["source"] == "notables"
    assert got["date"]["iso"] == "2018-02-15T13:13:37.000Z"
    assert got["types"] == ["phata"]
    assert got["title"] == {"text": "You posted", "action": "public"}
    assert got["content"]["media"] == [{"thumbnail": "https://note/photo.jpg",
                                        "url": "https://note/photo.jpg"}]
    assert got["location"] == {"geo": {"longitude": -0.12, "latitude": 51.5}}


def test_instagram_both_plug_versions(owner: TestClient) -> None:
    save(owner, [("instagram/feed", INSTAGRAM_V1), ("instagram/feed", INSTAGRAM_V2),
                 ("instagram/feed", {**INSTAGRAM_V2, "caption": "again"})])  # same id
    items = owner.get(f"{FEED}/instagram?{WINDOW}").json()
    assert [i["content"]["text"] for i in items] == ["again", "Sunset"]
    v2, v1 = items
    assert v2["title"] == {"text": "You posted", "action": "image"}
    assert v2["content"]["media"] == [{"thumbnail": "https://i/v2.jpg", "url": "https://i/v2.jpg"}]
    assert v1["types"] == ["sunset"]
    assert v1["date"]["unix"] == 1525166700
    assert v1["location"] == {"geo": {"longitude": 103.8, "latitude": 1.3},
                              "address": {"name": "Marina Bay"}}


def test_fitbit(owner: TestClient) -> None:
    save(owner, [("fitbit/weight", FITBIT_WEIGHT), ("fitbit/sleep", FITBIT_SLEEP),
                 ("fitbit/activity", FITBIT_ACTIVITY),
                 ("fitbit/activity/day/summary", FITBIT_DAY),
                 ("fitbit/activity/day/summary", {"steps": 0, "dateCreated": "2017-10-26"})])
    items = owner.get(f"{FEED}/fitbit?{WINDOW}").json()
    day, activity, sleep, weight = items
    assert day["title"] == {"text": "You walked 5312 steps", "action": "fitness"}
    assert day["date"]["iso"] == "2017-10-25T23:59:59.000Z"
    assert activity["content"]["text"] == ("- Activity: Walk\n- Duration: 30 minutes\n"
                                           "- Average heart rate: 95\n- Calories burned: 201")
    assert activity["date"]["iso"] == "2017-10-24T11:11:02.000Z"
    assert sleep["title"] == {"text": "You woke up!", "action": "sleep"}
    assert sleep["content"]["text"] == (
        "You spent 7 hours and 59 minutes in bed. You slept for 7 hours and 10 minutes and"
        " were awake for 49 minutes. Your sleep efficiency score tonight was 89.")
    assert weight["types"] == ["fitness", "weight"]
    assert weight["content"]["text"] == "- Weight: 94.8\n- Body Fat: 21.5\n- BMI: 25.46"
    assert weight["date"]["iso"] == "2017-10-23T07:04:37.000Z"
    assert {i["source"] for i in items} == {"fitbit"}
    assert [i["title"]["text"] for i in owner.get(f"{FEED}/fitbit/sleep?{WINDOW}").json()] \
        == ["You woke up!"]


def test_google_calendar(owner: TestClient) -> None:
    got = one(owner, "calendar/google/events", CALENDAR)
    assert got["source"] == "google"
    assert got["types"] == ["event"]
    assert got["title"] == {"text": "MadHATTERs Tea Party: The Boston Party",
                            "subtitle": "12 December 18:30 - 22:30 America/New_York",
                            "action": "event"}
    assert got["content"] == {"text": "Join us\nat the party"}
    assert got["location"] == {"address": {"name": "Boston, MA, USA"}}
    assert got["date"]["unix"] == 1513121400


def test_google_calendar_full_day_event(owner: TestClient) -> None:
    got = one(owner, "calendar/google/events", {
        "id": "e2", "summary": "Holiday", "start": {"date": "2018-01-01"},
        "end": {"date": "2018-01-02"}})
    assert got["title"]["subtitle"] == "01 January "  # the original's trailing space
    assert "location" not in got


def test_spotify(owner: TestClient) -> None:
    got = one(owner, "spotify/feed", SPOTIFY)
    assert got["source"] == "spotify"
    assert got["title"] == {"text": "You listened", "action": "04:05"}
    assert got["content"] == {"text": "Song,\nA, B,\nAlbum", "media": [
        {"thumbnail": "https://s/cover.jpg", "url": "https://s/cover.jpg"}]}


@pytest.mark.parametrize("change,heading", [
    ({}, {"text": "You spent", "subtitle": "\u00a33.5", "action": "money"}),
    ({"local_amount": 1000, "is_load": True},
     {"text": "You topped up", "subtitle": "\u00a310.0", "action": "money"}),
    ({"local_amount": 500, "metadata": {"p2p_transfer_id": "p"}, "originator": False},
     {"text": "You received money from a friend", "subtitle": "\u00a35.0", "action": "money"}),
    ({"local_amount": 350, "metadata": {"is_reversal": "true"}},
     {"text": "Your payment was refunded", "subtitle": "\u00a33.5", "action": "money"}),
])
def test_monzo(owner: TestClient, change: dict[str, Any], heading: dict[str, str]) -> None:
    got = one(owner, "monzo/transactions", {**MONZO, **change})
    assert got["source"] == "monzo"
    assert got["title"] == heading
    assert got["types"] == ["transaction", "eating_out"]
    # empty notes: the original joins the lines, then drops a triple newline
    assert got["content"] == {"text": "Cafe\nCOFFEE\n\n1 High St"}
    assert got["location"]["address"] == {"country": "GB", "city": "London", "name": "Cafe"}


def test_uber(owner: TestClient) -> None:
    # the same ride twice: of consecutive duplicates the last is kept, as the original does
    save(owner, [("uber/rides", {**UBER, "distance": 9}), ("uber/rides", UBER)])
    items = owner.get(f"{FEED}/uber?{WINDOW}").json()
    assert len(items) == 1
    assert items[0]["title"] == {"text": "Your trip on 02/03/2018"}
    assert items[0]["content"] == {"text": "London,\n3.3 miles,\n00 h 25 min"}
    assert items[0]["location"] == {"geo": {"longitude": -0.12, "latitude": 51.5}}


def test_activity_insight(owner: TestClient) -> None:
    got = one(owner, "she/insights/activity-records", ACTIVITY, "/she")
    assert got["source"] == "she"
    assert got["types"] == ["insight", "activity"]
    assert got["title"] == {"text": "Your recent activity summary",
                            "subtitle": "01 March - 07 March", "action": "insight"}
    assert got["content"]["nestedStructure"] == {
        "twitter": [{"content": "Tweets sent", "badge": "3"}],
        "spotify": [{"content": "Songs listened to", "badge": "12"}]}
    assert "Twitter:\n  Tweets sent: 3\n" in got["content"]["text"]


def test_mapper_keys_select_the_feed(owner: TestClient) -> None:
    save(owner, [("twitter/tweets", TWEET), ("rumpel/notablesv1", NOTE),
                 ("fitbit/sleep", FITBIT_SLEEP), ("she/insights/activity-records", ACTIVITY)])
    everything = owner.get(f"{FEED}?{WINDOW}").json()
    assert [i["source"] for i in everything] == ["twitter", "she", "notables", "fitbit"]

    def sources(prefix: str) -> list[str]:
        return [i["source"] for i in owner.get(f"{FEED}/{prefix}?{WINDOW}").json()]

    assert sources("notables/feed") == ["notables"]
    assert sources("notables") == ["notables"]
    assert sources("rumpel") == []  # a record endpoint is not a mapper key
    assert sources("fit") == ["fitbit"]  # keys match by prefix, as the original's
    assert sources("she") == ["she"]
    assert sources("she/activity-records") == ["she"]
    assert sources("she/sentiments") == []


def test_window(owner: TestClient) -> None:
    save(owner, [("twitter/tweets", TWEET)])
    at = 1527951617
    assert len(owner.get(f"{FEED}?since={at}&until={at}").json()) == 1
    assert owner.get(f"{FEED}?since={at + 1}&until={at + 10}").json() == []
    assert owner.get(FEED).json() == []  # 2018: before the default window


def test_items_without_location_are_geotagged(owner: TestClient) -> None:
    spotify = {**SPOTIFY, "played_at": "2018-05-10T19:00:00.000Z"}  # 1525978800
    save(owner, [("spotify/feed", spotify), ("twitter/tweets", TWEET),
                 ("rumpel/locations/ios", {"dateCreated": 1525975200, "latitude": 50.0,
                                           "longitude": 0.0}),
                 ("rumpel/locations/ios", {"dateCreated": 1525982400, "latitude": 52.0,
                                           "longitude": 2.0})])
    items = {i["source"]: i for i in owner.get(f"{FEED}?{WINDOW}").json()}
    assert items["spotify"]["location"] == {"geo": {"longitude": 1.0, "latitude": 51.0}}
    assert items["twitter"]["location"]["geo"]["latitude"] == 40.05701649  # its own kept
    assert "location" not in {i["source"] for i in items.values()}  # locations: no items


def test_far_locations_do_not_geotag(owner: TestClient) -> None:
    save(owner, [("spotify/feed", SPOTIFY),
                 ("rumpel/locations/ios", {"dateCreated": 1525978800 - 8 * 3600,
                                           "latitude": 50.0, "longitude": 0.0})])
    assert "location" not in owner.get(f"{FEED}?{WINDOW}").json()[0]


@pytest.mark.parametrize("record", [
    {**TWEET, "lastUpdated": "not a date"}, {"text": "no date"},
    {**SPOTIFY, "track": {"name": "no album"}},
    # Unix seconds as text that int() could not read: each was a 500 for the whole feed.
    *({**INSTAGRAM_V1, "created_time": t} for t in ("²", "--1525166700", "9" * 5000)),
])
def test_unreadable_records_are_left_out(owner: TestClient, record: dict[str, Any]) -> None:
    endpoint = "spotify/feed" if "track" in record else \
        "instagram/feed" if "images" in record else "twitter/tweets"
    save(owner, [(endpoint, record)])
    assert owner.get(f"{FEED}?{WINDOW}").json() == []


def test_feed_refusals(client: TestClient, owner: TestClient) -> None:
    assert owner.get(f"{FEED}?since=yesterday").status_code == 400
    token = owner.headers.pop("X-Auth-Token")
    assert client.get(FEED).status_code == 401
    assert client.get(FEED, headers={"X-Auth-Token": token + "x"}).status_code == 401
