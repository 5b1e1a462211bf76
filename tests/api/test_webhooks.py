"""Webhooks over HTTP, both backends (docs/events.md): delivery to a local receiver, the
HMAC signature, retries with backoff, what an application may register, and the address
rule."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from openhat.config import Settings
from openhat.errors import BadRequest
from openhat.hats.service import NewHat
from openhat.notifications.webhooks import SIGNATURE_HEADER, check_url
from openhat.storage.base import Store
from openhat.web.app import create_app
from tests.api.debit_fixtures import user_token
from tests.app_fixtures import app_token, installed_app, manifest, register
from tests.conftest import DOMAIN, login

API = "/api/v2.6"


class Receiver:
    """A local HTTP receiver: records each POST; answers 500 to the first `failures`."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes, float]] = []
        self.failures = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body, time.monotonic()))
                failing = receiver.failures > 0
                receiver.failures -= failing
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    def wait(self, count: int, seconds: float = 15) -> None:
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.received) >= count, self.received


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.server.shutdown()


@pytest.fixture
def hooked(settings: Settings, store: Store, hat: NewHat) -> Iterator[TestClient]:
    """The owner's client of an app whose webhooks may call loopback, retrying after 1 s."""
    local = replace(settings, webhooks_allow_loopback=1, webhook_retry_seconds=1)
    with TestClient(create_app(local, store), base_url=f"http://{DOMAIN}") as client:
        client.headers["X-Auth-Token"] = login(client)
        yield client


def _register(client: TestClient, url: str, endpoints: list[str],
              token: str | None = None) -> Any:
    headers = {"X-Auth-Token": token} if token else {}
    return client.post(f"{API}/webhooks", json={"url": url, "endpoints": endpoints},
                       headers=headers)


def _verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    fields = dict(part.split("=", 1) for part in headers[SIGNATURE_HEADER].split(","))
    mac = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(mac.hexdigest(), fields["v1"])


def test_an_applications_webhook_is_delivered_signed(hooked: TestClient,
                                                     receiver: Receiver) -> None:
    token = installed_app(hooked, "hooker", "namespaceread:hooked")
    created = _register(hooked, receiver.url, ["hooked"], token)
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    hooked.post(f"{API}/data/other/a", json={"n": 0})  # not asked for
    saved = hooked.post(f"{API}/data/hooked/a", json=[{"n": 1}, {"n": 2}]).json()
    receiver.wait(1)
    headers, body, _ = receiver.received[0]
    assert _verify(secret, headers, body)
    assert not _verify(secret + "x", headers, body)
    events = orjson.loads(body)["events"]
    assert [(e["event"], e["recordId"], e["data"]) for e in events] == [
        ("created", r["recordId"], r["data"]) for r in saved]

    def listed() -> list[Any]:
        found: list[Any] = hooked.get(f"{API}/webhooks", headers={"X-Auth-Token": token}).json()
        return found

    # the delivery is recorded once the receiver has answered, a moment after it has the body
    deadline = time.monotonic() + 15
    while listed()[0]["deliveredThrough"] != events[-1]["id"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listed()[0]["deliveredThrough"] == events[-1]["id"] and "secret" not in listed()[0]


def test_a_failed_delivery_is_retried_with_backoff(hooked: TestClient,
                                                   receiver: Receiver) -> None:
    receiver.failures = 2
    assert _register(hooked, receiver.url, ["retry"]).status_code == 201
    hooked.post(f"{API}/data/retry/a", json={"n": 1})
    receiver.wait(3, seconds=20)
    times = [t for _, _, t in receiver.received]
    assert times[2] - times[1] > times[1] - times[0] > 0.5  # about 1 s, then about 2 s
    bodies = [orjson.loads(b)["events"] for _, b, _ in receiver.received]
    assert bodies[0] == bodies[1] == bodies[2]  # the same events until delivered
    time.sleep(1.5)
    assert len(receiver.received) == 3  # delivered: not sent again
    hook = hooked.get(f"{API}/webhooks").json()[0]
    assert hook["attempts"] == 0 and hook["lastError"] is None


def test_who_may_register_what(hooked: TestClient, receiver: Receiver, store: Store,
                               hat: NewHat) -> None:
    token = installed_app(hooked, "limited", "namespaceread:mine")
    assert _register(hooked, receiver.url, ["theirs"], token).status_code == 403
    assert _register(hooked, receiver.url, [], token).status_code == 201  # all it may read
    holder = user_token(hooked, store, hat, "holder", ("datadebit",))
    assert _register(hooked, receiver.url, [], holder).status_code == 403
    assert _register(hooked, "ftp://example.com/", []).status_code == 400
    assert hooked.post(f"{API}/webhooks", json={"endpoints": []}).status_code == 400
    owners = hooked.get(f"{API}/webhooks").json()
    assert len(owners) == 1  # the owner sees every webhook
    mine = hooked.get(f"{API}/webhooks", headers={"X-Auth-Token": token}).json()
    other_id = owners[0]["id"]
    assert len(mine) == 1
    # an application cannot remove another's (here the owner removes the app's)
    assert hooked.delete(f"{API}/webhooks/{other_id}",
                         headers={"X-Auth-Token": holder}).status_code == 403
    assert hooked.delete(f"{API}/webhooks/{other_id}").status_code == 200
    assert hooked.delete(f"{API}/webhooks/{other_id}").status_code == 404


def test_the_address_rule() -> None:
    for url in ("http://127.0.0.1/hook", "https://127.0.0.1/hook", "https://10.0.0.1/",
                "https://169.254.169.254/latest", "https://[::1]/", "https://user:pw@1.1.1.1/",
                "http://93.184.216.34/"):
        with pytest.raises(BadRequest):
            check_url(url, allow_loopback=False)
    check_url("https://93.184.216.34/hook", allow_loopback=False)
    check_url("http://127.0.0.1:9/hook", allow_loopback=True)
    with pytest.raises(BadRequest):
        check_url("http://10.0.0.1/hook", allow_loopback=True)


def test_a_manifests_webhooks_are_registered_at_setup(hooked: TestClient,
                                                      receiver: Receiver) -> None:
    asked = [{"url": receiver.url, "endpoints": ["manifested"]}]
    register(hooked, manifest("manifester", "namespaceread:manifested", webhooks=asked))
    assert hooked.get(f"{API}/webhooks").json() == []  # registered, not set up: none yet
    assert hooked.get(f"{API}/applications/manifester/setup").status_code == 200
    assert hooked.get(f"{API}/applications/manifester/setup").status_code == 200  # again
    token = app_token(hooked, "manifester")
    mine = hooked.get(f"{API}/webhooks", headers={"X-Auth-Token": token}).json()
    assert [(h["url"], h["endpoints"]) for h in mine] == [(receiver.url, ["manifested"])]
    assert "secret" not in mine[0]
    # the application learns a secret by asking for a new one; another caller cannot
    other = installed_app(hooked, "other", "namespaceread:manifested")
    path = f"{API}/webhooks/{mine[0]['id']}/secret"
    assert hooked.post(path, headers={"X-Auth-Token": other}).status_code == 404
    answered = hooked.post(path, headers={"X-Auth-Token": token})
    assert answered.status_code == 200, answered.text
    secret = answered.json()["secret"]
    saved = hooked.post(f"{API}/data/manifested/a", json={"n": 1}).json()
    receiver.wait(1)
    headers, body, _ = receiver.received[0]
    assert _verify(secret, headers, body)
    assert [e["recordId"] for e in orjson.loads(body)["events"]] == [saved["recordId"]]


@pytest.mark.parametrize(("asked", "status"), [
    ([{"url": "ftp://example.com/", "endpoints": ["mine"]}], 400),  # the address rule
    ([{"url": "http://127.0.0.1:9/hook", "endpoints": ["theirs"]}], 403),  # not granted
])
def test_a_manifest_asking_for_a_webhook_it_may_not_have_is_not_set_up(
        hooked: TestClient, asked: list[dict[str, Any]], status: int) -> None:
    register(hooked, manifest("asker", "namespaceread:mine", webhooks=asked))
    refused = hooked.get(f"{API}/applications/asker/setup")
    assert refused.status_code == status, refused.text
    assert hooked.get(f"{API}/applications/asker").json()["enabled"] is False
    assert hooked.get(f"{API}/webhooks").json() == []


@pytest.mark.parametrize("asked", [
    "https://example.com/", [{"url": 1, "endpoints": ["a"]}], [{"url": "https://a/"}],
    [{"url": "https://a/", "endpoints": ["bad endpoint!"]}],
])
def test_malformed_manifest_webhooks_are_refused_at_registration(hooked: TestClient,
                                                                 asked: Any) -> None:
    response = hooked.post(f"{API}/applications",
                           json=manifest("malformed", "namespaceread:a", webhooks=asked))
    assert response.status_code == 400, response.text
    assert "obj.webhooks" in response.text
