"""The server process's own limits (openhat.web.server), tried on a real `openhat serve`:
read deadlines for slow clients, and proxy headers believed only from named proxies."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx2 as httpx
import pytest

from tests.servers import serving

ENV = {"OPENHAT_OWNER_PASSWORD": "a-long-test-password-for-serving"}


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    """True when the server closes `sock` (EOF) within `seconds`."""
    sock.settimeout(seconds)
    try:
        while True:
            if sock.recv(4096) == b"":
                return True
    except TimeoutError:
        return False


def _connect(base: str) -> socket.socket:
    url = urlsplit(base)
    return socket.create_connection((url.hostname, url.port))


@pytest.mark.parametrize("sent", [
    b"",  # connects and says nothing
    b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n",  # headers never finished
    b"POST /api/v2.6/data-batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n"
    b"Content-Type: application/json\r\n\r\n[{",  # body never finished
])
def test_a_request_that_never_arrives_is_cut_off(tmp_path: Path, sent: bytes) -> None:
    with serving(tmp_path, "--database", f"sqlite:///{tmp_path}/hat.db", "--header-timeout",
                 "1", "--body-timeout", "1", env=ENV) as (base, _), _connect(base) as sock:
        sock.sendall(sent)
        assert _closed_within(sock, 5)
        assert httpx.get(f"{base}/healthz").status_code == 200  # the server itself is fine
    assert "Traceback" not in (tmp_path / f"serve-{urlsplit(base).port}.log").read_text()


def test_a_slow_but_complete_request_is_answered_on_a_kept_connection(tmp_path: Path) -> None:
    with serving(tmp_path, "--database", f"sqlite:///{tmp_path}/hat.db", "--header-timeout",
                 "2", env=ENV) as (base, _), _connect(base) as sock:
        for _ in range(2):  # the second request on the same connection gets its own deadline
            sock.sendall(b"GET /healthz HTTP/1.1\r\n")
            time.sleep(0.5)
            sock.sendall(b"Host: 127.0.0.1\r\n\r\n")
            sock.settimeout(5)
            answer = b""
            while not answer.endswith(b"}"):  # healthz answers a small JSON object
                answer += sock.recv(4096)
            assert answer.startswith(b"HTTP/1.1 200")
            time.sleep(1.0)


def _login_statuses(base: str, forwarded: list[str]) -> tuple[list[int], float]:
    """Login attempts (without a password: cheap) each claiming another client address, and
    the seconds they took (the limit refills one attempt every 2 s)."""
    started = time.monotonic()
    statuses = [httpx.get(f"{base}/users/access_token", headers={
        "username": "owner", "X-Forwarded-For": ip}).status_code for ip in forwarded]
    return statuses, time.monotonic() - started


ADDRESSES = [f"198.51.100.{n}" for n in range(16)]


def test_forwarded_for_is_ignored_by_default(tmp_path: Path) -> None:
    """The login limit is keyed on the peer address: a client cannot pick a fresh one."""
    with serving(tmp_path, "--database", f"sqlite:///{tmp_path}/hat.db",
                 env=ENV) as (base, _):
        statuses, seconds = _login_statuses(base, ADDRESSES)
    assert statuses[:10] == [401] * 10
    assert set(statuses[10:]) <= {401, 429} and 429 in statuses[10:]
    assert statuses[10:].count(401) <= seconds / 2  # only what the refill allows


def test_forwarded_for_is_believed_from_a_named_proxy(tmp_path: Path) -> None:
    with serving(tmp_path, "--database", f"sqlite:///{tmp_path}/hat.db",
                 "--forwarded-allow-ips", "127.0.0.1", env=ENV) as (base, _):
        statuses, _ = _login_statuses(base, ADDRESSES)
    assert statuses == [401] * len(ADDRESSES)  # each address has its own allowance


def test_metrics_sum_every_worker(tmp_path: Path) -> None:
    """With --workers 2 each worker counts its own requests; a scrape, whichever worker
    answers it, sums them all (prometheus_client's multi-process mode)."""
    with serving(tmp_path, "--database", f"sqlite:///{tmp_path}/hat.db", "--workers", "2",
                 env=ENV, start_s=180) as (base, _):  # two processes start slowly on 2 cores
        with httpx.Client() as client:  # new connections spread over the workers
            for _ in range(20):
                assert client.get(f"{base}/healthz", headers={"Connection": "close"}) \
                    .status_code == 200
        scrapes = [httpx.get(f"{base}/metrics").text for _ in range(2)]
    for text in scrapes:
        line = next(x for x in text.splitlines() if x.startswith(
            'openhat_http_requests_total{method="GET",route="/healthz",status="200"}'))
        assert float(line.split()[-1]) >= 20  # the readiness polls count too
        assert "openhat_sqlite_wal_bytes" in text
