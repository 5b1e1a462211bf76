"""Files through the local blob store: a 200 MB upload (streamed to the signed contentUrl)
and download (303, then streamed) against a running `openhat serve`, and what they cost the
server in memory.

It prints the server's peak RSS (VmHWM) before and after, and the growth, which must stay
under 100 MB (the body is streamed to disk, never held whole), plus both transfer rates
next to a plain copy of the same bytes on the same disk (the floor). Not a test: machines
vary; run it after `bash scripts/test` has made `.venv`:

    .venv/bin/python -m bench.files [--megabytes 200]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx

from bench.common import wait_for_health
from bench.ingest import free_port

CHUNK = 1024 * 1024
PASSWORD = "bench-files-password-1"


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size so far (Linux: VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("no VmHWM in /proc (Linux only)")


BLOCK = os.urandom(CHUNK)


def payload(megabytes: int) -> Iterator[bytes]:
    for _ in range(megabytes):
        yield BLOCK


def transfer(base: str, token: str, megabytes: int, name: str) -> tuple[float, float, bool]:
    """Upload and download one file; returns (upload s, download s, bytes intact)."""
    auth = {"X-Auth-Token": token}
    with httpx.Client(timeout=600) as client:
        started = client.post(f"{base}/api/v2.6/files/upload", headers=auth,
                              json={"name": name, "source": "bench"}).json()
        expected = hashlib.sha256()
        for block in payload(megabytes):
            expected.update(block)
        t0 = time.perf_counter()
        put = client.put(started["contentUrl"], content=payload(megabytes),
                         headers={"Content-Type": "application/octet-stream",
                                  "x-amz-server-side-encryption": "AES256"})
        upload_s = time.perf_counter() - t0
        assert put.status_code == 200, put.text
        done = client.put(f"{base}/api/v2.6/files/file/{started['fileId']}/complete",
                          headers=auth)
        assert done.status_code == 200, done.text
        got = hashlib.sha256()
        t0 = time.perf_counter()
        with client.stream("GET", f"{base}/api/v2.6/files/content/{started['fileId']}",
                           headers=auth, follow_redirects=True) as response:
            for block in response.iter_bytes(CHUNK):
                got.update(block)
        download_s = time.perf_counter() - t0
    return upload_s, download_s, got.digest() == expected.digest()


def disk_floor(folder: Path, megabytes: int) -> float:
    """Seconds to write the same bytes to the same disk and read them back (fsync'd)."""
    path = folder / "floor.bin"
    t0 = time.perf_counter()
    with path.open("wb") as out:
        for block in payload(megabytes):
            out.write(block)
        out.flush()
        os.fsync(out.fileno())
    with path.open("rb") as source:
        while source.read(CHUNK):
            pass
    seconds = time.perf_counter() - t0
    path.unlink()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, default=200)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="openhat-bench-files-"))
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OPENHAT_")},
           "OPENHAT_OWNER_PASSWORD": PASSWORD}
    server = subprocess.Popen(
        [sys.executable, "-m", "openhat", "serve", "--port", str(port), "--database",
         f"sqlite:///{folder}/bench.db", "--files-max-bytes", str((args.megabytes + 1) * CHUNK),
         "--log-level", "warning"], env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base)
        token = httpx.get(f"{base}/users/access_token",
                          headers={"username": "owner", "password": PASSWORD}
                          ).json()["accessToken"]
        transfer(base, token, 2, "warm-up.bin")  # every code path once, before measuring
        before = peak_rss_mb(server.pid)
        upload_s, download_s, intact = transfer(base, token, args.megabytes, "big.bin")
        after = peak_rss_mb(server.pid)
        floor_s = disk_floor(folder, args.megabytes)
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
    mb = args.megabytes
    print(f"{mb} MB through the local blob store (bytes intact: {intact})")
    print(f"server peak RSS: {before:.1f} MB before, {after:.1f} MB after:"
          f" +{after - before:.1f} MB (budget +100 MB)")
    print(f"upload {mb / upload_s:.0f} MB/s, download {mb / download_s:.0f} MB/s;"
          f" disk floor (write + read) {mb / floor_s:.0f} MB/s;"
          f" upload + download / floor = {floor_s / (upload_s + download_s):.2f}")
    if not intact or after - before >= 100:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
