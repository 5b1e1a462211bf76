"""Change notifications and the audit log, measured (docs/events.md, docs/audit.md).

(a) delivery latency: an event stream open on `openhat serve --workers 2`, single-record
    writes one after another (each taken by whichever worker), and the time from each
    write's answer to its event on the stream: median and p99 (the target: p99 < 2 s);
(b) cost: records/s through POST /data-batch (bench/ingest.py's client) and requests/s of a
    small-request loop (4 clients, a 10-record GET and a 1-record POST in turn), for this
    checkout and for `--before DIR` (a checkout without the feature, e.g. the main branch),
    alternating, so that the ratio comes from the same run.

Usage: python bench/events.py [--database URL] [--writes 200] [--before /work/main]
       [--notes 20000] [--requests 4000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import orjson

from bench.common import wait_for_health
from bench.ingest import free_port, server_ingest

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-password-123456"


def serve(code: Path, database: str, port: int) -> subprocess.Popen[bytes]:
    """`openhat serve --workers 2` of the checkout at `code` (first on PYTHONPATH)."""
    env = {**os.environ, "OPENHAT_OWNER_PASSWORD": PASSWORD, "OPENHAT_LOG_LEVEL": "warning",
           "PYTHONPATH": str(code)}
    return subprocess.Popen([sys.executable, "-m", "openhat", "serve", "--database", database,
                             "--port", str(port), "--workers", "2"], env=env, cwd=code,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def token(base: str) -> str:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("GET", "/users/access_token", headers={"username": "owner",
                                                          "password": PASSWORD})
    answer = orjson.loads(conn.getresponse().read())
    conn.close()
    return str(answer["accessToken"])


def latency(base: str, auth: str, writes: int) -> tuple[float, float]:
    """Median and p99 seconds from a write's answer to its event on an open stream."""
    host, port = base.removeprefix("http://").split(":")
    seen: dict[str, float] = {}
    sock = socket.create_connection((host, int(port)))
    sock.sendall(f"GET /api/v2.6/events?endpoint=bench HTTP/1.1\r\nHost: {host}\r\n"
                 f"X-Auth-Token: {auth}\r\n\r\n".encode())

    def read() -> None:
        pending = b""
        while chunk := _recv(sock):
            now = time.perf_counter()
            pending += chunk
            while b'"recordId":"' in pending:
                _, _, rest = pending.partition(b'"recordId":"')
                record_id, _, pending = rest.partition(b'"')
                seen[record_id.decode()] = now

    threading.Thread(target=read, daemon=True).start()
    time.sleep(0.5)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    answered: dict[str, float] = {}
    for n in range(writes):
        conn.request("POST", "/api/v2.6/data/bench/latency", body=orjson.dumps({"n": n}),
                     headers={"X-Auth-Token": auth, "Content-Type": "application/json",
                              "Connection": "close"})  # a new connection: either worker
        record = orjson.loads(conn.getresponse().read())
        answered[record["recordId"]] = time.perf_counter()
        conn.close()
        time.sleep(0.02)
    time.sleep(2.5)
    sock.close()
    delays = sorted(seen.get(r, float("inf")) - t for r, t in answered.items())
    return statistics.median(delays), delays[min(len(delays) - 1, int(len(delays) * 0.99))]


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:  # closed by the measuring thread
        return b""


def request_loop(base: str, auth: str, requests: int, clients: int = 4) -> float:
    """Requests per second of small reads and writes in turn, from `clients` threads."""
    host, port = base.removeprefix("http://").split(":")
    left = [requests]
    lock = threading.Lock()

    def client(n: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        headers = {"X-Auth-Token": auth, "Content-Type": "application/json"}
        i = 0
        while True:
            with lock:
                if left[0] <= 0:
                    conn.close()
                    return
                left[0] -= 1
            i += 1
            if i % 2:
                conn.request("GET", "/api/v2.6/data/loop/read?take=10", headers=headers)
            else:
                conn.request("POST", "/api/v2.6/data/loop/write",
                             body=orjson.dumps({"client": n, "i": i}), headers=headers)
            response = conn.getresponse()
            response.read()
            assert response.status in (200, 201), response.status

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return requests / (time.perf_counter() - start)


def measure(code: Path, database: str, notes: int, requests: int) -> tuple[float, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(code, database, port)
    try:
        wait_for_health(base, 120)
        auth = token(base)
        for n in range(10):  # something for the reads to find
            conn = http.client.HTTPConnection("127.0.0.1", port)
            conn.request("POST", "/api/v2.6/data/loop/read", body=orjson.dumps({"n": n}),
                         headers={"X-Auth-Token": auth, "Content-Type": "application/json"})
            conn.getresponse().read()
        ingest = server_ingest(base, auth, notes, 4, 1000)
        return ingest, request_loop(base, auth, requests)
    finally:
        server.terminate()
        server.wait(20)


def fresh(database: str, tmp: str, name: str) -> str:
    return f"sqlite:///{tmp}/{name}.db" if database == "sqlite" else database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="sqlite",
                        help="sqlite (a temporary file each run) or a PostgreSQL URL (an "
                             "empty database: each run adds its HAT)")
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--before", type=Path, default=None)
    parser.add_argument("--notes", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = serve(ROOT, fresh(args.database, tmp, "latency"), port)
        try:
            wait_for_health(base, 120)
            median, p99 = latency(base, token(base), args.writes)
        finally:
            server.terminate()
            server.wait(20)
        print(f"event delivery after the write's answer, --workers 2, {args.writes} writes:"
              f" median {median * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms (target p99 < 2000)")
        if args.before is None:
            return
        runs: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
        for n in range(args.rounds):
            for name, code in (("before", args.before), ("after", ROOT)):
                runs[name].append(measure(code, fresh(args.database, tmp, f"{name}{n}"),
                                          args.notes, args.requests))
    for n, label in ((0, "POST /data-batch rec/s"), (1, "small requests/s    ")):
        before = statistics.mean(r[n] for r in runs["before"])
        after = statistics.mean(r[n] for r in runs["after"])
        print(f"{label}: before {before:8.0f}  after {after:8.0f}  after/before"
              f" {after / before:.3f}  (runs: {[round(r[n]) for r in runs['before']]} /"
              f" {[round(r[n]) for r in runs['after']]})")


if __name__ == "__main__":
    main()
