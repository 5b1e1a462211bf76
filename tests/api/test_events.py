"""Change notifications over HTTP on a real `openhat serve --workers 2`, on both backends
(docs/events.md): an event per change in order, whichever worker took the write; resuming;
what apps and debit holders may hear; streams ending when access ends; rolled-back writes
announcing nothing; slow consumers dropped; the streams-per-token limit."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx2 as httpx
import pytest

from openhat.identity import users
from openhat.storage import open_store
from tests.api.debit_fixtures import setup_request
from tests.app_fixtures import manifest
from tests.conftest import postgres_schema
from tests.servers import serving
from tests.sse import END, SseEvent, Stream

PASSWORD = "a-long-test-password-for-serving"
API = "/api/v2.6"
SETTINGS = ("--workers", "2", "--events-heartbeat-seconds", "1", "--events-buffer", "20",
            "--events-stall-seconds", "2", "--events-streams-per-token", "2")


@dataclass
class Server:
    base: str
    database: str
    owner: str  # the owner's token

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"X-Auth-Token": token or self.owner}

    def post(self, path: str, body: Any, token: str | None = None) -> httpx.Response:
        return httpx.post(f"{self.base}{API}{path}", json=body, headers=self.headers(token))

    def call(self, method: str, path: str, token: str | None = None) -> httpx.Response:
        return httpx.request(method, f"{self.base}{API}{path}", headers=self.headers(token))

    def stream(self, query: str = "", token: str | None = None,
               headers: dict[str, str] | None = None) -> Stream:
        return Stream(f"{self.base}{API}/events{query}",
                      {**self.headers(token), **(headers or {})})

    def save(self, endpoint: str, *values: Any, token: str | None = None) -> list[str]:
        response = self.post("/data-batch", [{"endpoint": endpoint, "data": v}
                                             for v in values], token)
        assert response.status_code == 201, response.text
        return [str(r["recordId"]) for r in response.json()]


def _login(base: str, username: str, password: str = PASSWORD) -> str:
    response = httpx.get(f"{base}/users/access_token",
                         headers={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["accessToken"])


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                               marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Server]:
    tmp: Path = tmp_path_factory.mktemp("events")
    if request.param == "sqlite":
        database = f"sqlite:///{tmp}/hat.db"
        with serving(tmp, "--database", database, *SETTINGS,
                     env={"OPENHAT_OWNER_PASSWORD": PASSWORD}) as (base, _):
            yield Server(base, database, _login(base, "owner"))
        return
    with postgres_schema() as database, serving(
            tmp, "--database", database, *SETTINGS,
            env={"OPENHAT_OWNER_PASSWORD": PASSWORD}) as (base, _):
        yield Server(base, database, _login(base, "owner"))


def _app(server: Server, app_id: str, *grants: str) -> str:
    """Register and set up an application; its token."""
    assert server.post("/applications", manifest(app_id, *grants)).status_code == 201
    assert server.call("GET", f"/applications/{app_id}/setup").status_code == 200
    response = server.call("GET", f"/applications/{app_id}/access-token")
    return str(response.json()["accessToken"])


def _user(server: Server, username: str, *roles: str) -> str:
    """A second user of the HAT (added in its database, as the debit tests do); its token."""
    store = open_store(server.database)
    try:
        hat = store.hats.all()[0]
        with store.write() as tx:
            tx.users.add(users.new_user(hat.hat_id, username, PASSWORD, roles))
    finally:
        store.close()
    return _login(server.base, username)


def _events(stream: Stream, count: int) -> list[SseEvent]:
    found = [stream.next() for _ in range(count)]
    assert END not in found, found
    return found


def test_an_event_per_change_in_order_from_either_worker(server: Server) -> None:
    with server.stream("?endpoint=kinds") as stream:
        assert stream.status == 200
        first, second = server.save("kinds/a", {"n": 1}, {"n": 2})
        for n in range(3, 9):  # several writes: both workers take some
            server.save("kinds/b", {"n": n})
        # heard before the changes below: an event carries the data as it is when sent
        created = _events(stream, 8)
        response = httpx.put(f"{server.base}{API}/data", headers=server.headers(),
                             json=[{"endpoint": "kinds/a", "recordId": first,
                                    "data": {"n": 10}}])
        assert response.status_code == 201, response.text
        assert server.call("DELETE", f"/data?records={second}").status_code == 200
        assert server.call("DELETE", "/data/kinds/b").status_code == 200
        got = created + _events(stream, 3)
    assert [e.event for e in got] == ["created"] * 8 + ["updated", "deleted", "deleted"]
    ids = [int(e.id or 0) for e in got]
    assert ids == sorted(ids) and len(set(ids)) == 11
    assert got[0].data == {"endpoint": "kinds/a", "recordId": first, "data": {"n": 1}}
    assert [e.data["data"]["n"] for e in got[2:8]] == [3, 4, 5, 6, 7, 8]
    assert got[8].data == {"endpoint": "kinds/a", "recordId": first, "data": {"n": 10}}
    assert got[9].data == {"endpoint": "kinds/a", "recordId": second}  # no data: deleted
    assert got[10].data == {"endpoint": "kinds/b", "recordId": None}  # the whole endpoint


def test_a_stream_hears_each_write_whichever_worker_took_it(server: Server) -> None:
    """Delivered, one by one, in order (the 2 s latency target is measured by
    bench/events.py, not by a timed test: this machine's load would decide it)."""
    with server.stream("?endpoint=quick") as stream:
        for n in range(4):
            server.save("quick/a", {"n": n})
            assert stream.next(timeout=30).data["data"] == {"n": n}


def test_heartbeats_keep_an_idle_stream_open(server: Server) -> None:
    with server.stream("?endpoint=idle") as stream:
        assert stream.status == 200, stream.body
        assert stream.next(timeout=30, comments=True).data == "heartbeat"


def test_resume_after_a_gap(server: Server) -> None:
    with server.stream("?endpoint=gap") as stream:
        server.save("gap/a", {"n": 0})
        seen = stream.next()
    missed = [server.save("gap/a", {"n": n})[0] for n in (1, 2, 3)]
    other = server.save("elsewhere/a", {"n": 4})  # not asked for: not replayed
    assert other
    for query, headers in (("", {"Last-Event-ID": str(seen.id)}),
                           (f"&Last-Event-ID={seen.id}", {})):
        with server.stream("?endpoint=gap" + query, headers=headers) as stream:
            got = _events(stream, 3)
        assert [e.data["recordId"] for e in got] == missed
    # Not an id handed out: text, newer than the newest, `²` (str.isdigit() says yes, int()
    # fails: was a 500), other scripts' digits, a sign, a space, more digits than int() reads.
    for bad in ("not-a-number", "999999999", "²", "٣", "-1", "+1", " 1", "9" * 5000):
        # As a header too, where it survives as it is (latin-1, no spaces around it).
        header = bad == bad.strip() and (bad.isascii() or bad == "²")
        asked = [("", {"Last-Event-ID": bad})] if header else []
        for query, headers in [*asked, (f"&Last-Event-ID={quote(bad)}", {})]:
            with server.stream("?endpoint=gap" + query, headers=headers) as stream:
                assert stream.status == 400, (bad, stream.body)


def test_an_application_hears_only_its_namespaces(server: Server) -> None:
    token = _app(server, "listener", "namespaceread:granted", "namespacewrite:granted")
    with server.stream("?endpoint=secret", token=token) as refused:
        assert refused.status == 403
    with server.stream("?endpoint=granted&endpoint=secret", token=token) as refused:
        assert refused.status == 403
    with server.stream("", token=token) as stream:
        assert stream.status == 200
        server.save("secret/a", {"n": 1})
        kept = server.save("granted/a", {"n": 2})
        got = stream.next()
    assert got.data["recordId"] == kept[0]


def test_a_disabled_applications_stream_ends(server: Server) -> None:
    token = _app(server, "quitter", "namespaceread:quits")
    with server.stream("?endpoint=quits", token=token) as stream:
        server.save("quits/a", {"n": 1})
        assert stream.next().event == "created"
        assert server.call("GET", "/applications/quitter/disable").status_code == 200
        server.save("quits/a", {"n": 2})
        closing = stream.next()
        assert closing.event == "closed" and closing.id is None
        assert stream.next() is END
    with server.stream("?endpoint=quits", token=token) as again:
        assert again.status == 401


def test_a_debit_holder_hears_its_bundle_while_the_debit_is_active(server: Server) -> None:
    token = _user(server, "holder", "datadebit")
    body = setup_request("evbundle", dataDebitKey="evdebit")
    created = server.post("/data-debit/evdebit", body, token)
    assert created.status_code == 201, created.text
    with server.stream("?endpoint=test/test", token=token) as inactive:
        assert inactive.status == 403  # not enabled yet
    assert server.call("GET", "/data-debit/evdebit/enable").status_code == 200
    with server.stream("?endpoint=test/other", token=token) as outside:
        assert outside.status == 403  # not in the bundle
    with server.stream("", token=token) as stream:
        server.save("test/other", {"field": "not in the bundle"})
        kept = server.save("test/test", {"field": "in the bundle"})
        assert stream.next().data["recordId"] == kept[0]
        disabled = server.call("GET", "/data-debit/evdebit/disable?atPeriodEnd=false")
        assert disabled.status_code == 200
        assert stream.next().event == "closed"
        assert stream.next() is END


def test_a_rolled_back_batch_announces_nothing(server: Server) -> None:
    with server.stream("?endpoint=rollback") as stream:
        duplicate = server.post("/data-batch", [{"endpoint": "rollback/a", "data": {"n": 1}},
                                                {"endpoint": "rollback/a", "data": {"n": 1}}])
        assert duplicate.status_code == 400  # the second is a duplicate: nothing stored
        kept = server.save("rollback/a", {"n": 2})
        got = stream.next()
    assert got.data["recordId"] == kept[0]


def test_a_slow_consumer_is_dropped_with_a_final_event(server: Server) -> None:
    url = urlsplit(server.base)
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting
        sock.connect((url.hostname, url.port))
        sock.sendall(f"GET {API}/events?endpoint=slow HTTP/1.1\r\nHost: {url.netloc}\r\n"
                     f"X-Auth-Token: {server.owner}\r\n\r\n".encode())
        time.sleep(0.5)
        big = "x" * 25_000
        for n in range(40):  # ~20 MB of events the consumer does not read: more than the
            server.save("slow/a", *[{"n": n, "i": i, "pad": big} for i in range(20)])
        time.sleep(4)  # socket buffers hold, then longer than the stall limit
        sock.settimeout(10)
        received = b""
        deadline = time.monotonic() + 60
        while (chunk := sock.recv(1 << 20)) and time.monotonic() < deadline:
            received += chunk
    assert b"event: overflow" in received
    assert received.count(b"event: created") < 800  # dropped before the end


def test_streams_per_token_are_limited(server: Server) -> None:
    token = _login(server.base, "owner")  # a token of its own (the limit is per token)
    opened: list[Stream] = []
    try:
        statuses = []
        for _ in range(5):  # at most 2 per worker, 2 workers
            stream = server.stream("?endpoint=limit", token=token)
            opened.append(stream)
            statuses.append(stream.status)
        assert statuses.count(200) in (2, 3, 4) and 429 in statuses
    finally:
        for stream in opened:
            stream.close()
