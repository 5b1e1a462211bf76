"""Small app requests against a running `openhat serve` at its defaults, as ratios to the
server's own `/healthz` measured in the same run (issue 11).

For SQLite and PostgreSQL in turn: start `openhat serve` with nothing but `--database` and
`--port`, log in, write 1,000 small records, then drive each request with wrk (Debian's
package: `apt-get install wrk`) at 16 connections:

- `GET /healthz`: no token, no database, the HTTP stack's ceiling;
- `GET /api/v2.6/data/bench/readings?take=1` with the owner's token;
- `POST /api/v2.6/data/bench/writes`, one small record (each one different), owner's token;
- `GET /api/v2.6/data/bench/readings?take=1000`, a 1,000-record page.

It prints the rate, p50 and p99 of each and the ratios to `/healthz`, and the CPU share wrk
itself used: wrk's threads run on the same 2 cores, so its share says how much of the
machine the load generator took from the server (well under one core: not the bottleneck).

Usage: python -m bench.requests [--seconds 10] [--connections 16] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import psycopg

from bench.common import wait_for_health
from bench.ingest import free_port

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-password-123456"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"

# One new record per request: a thread's id and a counter make each body unique (a repeated
# body is a duplicate, refused with 400).
POST_SCRIPT = """
local counter = 0
local prefix = ""
function setup(thread) thread:set("id", tostring(math.random(1, 1000000000))) end
function init(args) prefix = id end
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil,
    '{"reading":' .. counter .. ',"source":"' .. prefix .. '","unit":"bpm"}')
end
"""


@dataclass(frozen=True)
class Result:
    rate: float  # requests per second
    p50_ms: float
    p99_ms: float
    non_2xx: int
    wrk_cpu: float  # wrk's CPU seconds per second of the run


def wrk(url: str, seconds: int, connections: int, token: str | None = None,
        method: str = "GET", script: str | None = None) -> Result:
    """Run wrk against `url` and read its summary."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if token is not None:
        args += ["-H", f"X-Auth-Token: {token}"]
    if method == "POST":
        args += ["-H", "Content-Type: application/json"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        if script is not None:
            lua.write(f'wrk.method = "{method}"\n{script}')
            lua.flush()
            args += ["-s", lua.name]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Result(rate, _percentile(out, "50"), _percentile(out, "99"),
                  int(non_2xx.group(1)) if non_2xx else 0, cpu / wall)


def _percentile(out: str, which: str) -> float:
    """A latency percentile of wrk's `--latency` table, in milliseconds."""
    found = re.search(rf"^\s+{which}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    assert found is not None, out
    value, unit = float(found.group(1)), found.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


@contextmanager
def served(database: str) -> Iterator[str]:
    """`openhat serve` at its defaults (only the database and port given)."""
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OPENHAT_")},
           "OPENHAT_OWNER_PASSWORD": PASSWORD, "OPENHAT_LOG_LEVEL": "warning"}
    process = subprocess.Popen(
        [sys.executable, "-m", "openhat", "serve", "--database", database, "--port",
         str(port)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base, timeout=120)
        yield base
    finally:
        process.terminate()
        process.wait(30)


@contextmanager
def database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        folder = tempfile.mkdtemp()
        try:
            yield f"sqlite:///{folder}/bench.db"
        finally:
            shutil.rmtree(folder)
        return
    name = f"openhat_bench_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE template0".encode())
    try:
        yield POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())


def run(backend: str, seconds: int, connections: int) -> None:
    with database(backend) as url, served(url) as base:
        token = httpx.get(f"{base}/users/access_token",
                          headers={"username": "owner", "password": PASSWORD}
                          ).json()["accessToken"]
        readings = [{"reading": i, "unit": "bpm"} for i in range(1000)]
        assert httpx.post(f"{base}/api/v2.6/data/bench/readings", json=readings,
                          headers={"X-Auth-Token": token}).status_code == 201
        wrk(f"{base}/healthz", 2, connections)  # warm up
        results = {
            "GET /healthz": wrk(f"{base}/healthz", seconds, connections),
            "GET one record": wrk(f"{base}/api/v2.6/data/bench/readings?take=1", seconds,
                                  connections, token),
            "POST one record": wrk(f"{base}/api/v2.6/data/bench/writes", seconds,
                                   connections, token, "POST", POST_SCRIPT),
            "GET 1,000 records": wrk(f"{base}/api/v2.6/data/bench/readings?take=1000",
                                     seconds, connections, token),
        }
    ceiling = results["GET /healthz"].rate
    print(f"\n{backend}: {connections} connections, {seconds} s each, server defaults")
    print(f"{'request':<20}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'/healthz':>10}"
          f"{'non-2xx':>9}{'wrk cpu':>9}")
    for name, r in results.items():
        print(f"{name:<20}{r.rate:>10.0f}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}"
              f"{r.rate / ceiling:>10.2f}{r.non_2xx:>9}{r.wrk_cpu:>9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("bench.requests needs wrk: apt-get install wrk")
    for backend in args.backends.split(","):
        run(backend, args.seconds, args.connections)


if __name__ == "__main__":
    main()
