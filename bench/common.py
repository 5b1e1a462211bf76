"""Seed-shaped test data and small helpers shared by the benchmarks."""

from __future__ import annotations

import time
from typing import Any


def seed_note(i: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """A note shaped like the seed's (about 400 bytes of JSON) and its linked nudge; `i`
    makes each unique, so none is a duplicate."""
    note = {
        "id": i,
        "lastUpdated": "2017-04-23T14:21:51+01:00",
        "data": {"notablesv1": {
            "authorv1": {"phata": "testing.hubat.net"},
            "created_time": "2017-04-10T14:19:59:+01:00",
            "shared": "true",
            "shared_on": "twitter",
            "message": f"Showcasing the new HAT APIs, note number {i}",
            "public_until": "2017-05-11T14:21:54+01:00",
            "updated_time": "2017-04-23T14:21:58+01:00",
            "kind": "note",
        }},
    }
    nudge = {"type": "time", "nudge": f"Share APIs with the world {i}",
             "time": "2017-04-30T14:22:52+01:00"}
    return note, nudge


def note_batch(start: int, count: int) -> list[dict[str, Any]]:
    """A /data-batch body: `count` notes from number `start`, each with its nudge linked."""
    batch = []
    for i in range(start, start + count):
        note, nudge = seed_note(i)
        batch.append({"endpoint": "rumpel/notable", "data": note,
                      "links": [{"endpoint": "rumpel/nudge", "data": nudge}]})
    return batch


def wait_for_health(base: str, timeout: float = 30) -> None:
    import httpx2 as httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("openhat did not become healthy")
