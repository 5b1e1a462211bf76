"""The starting document: the seed's batch request, byte for byte, must work."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

# A byte-for-byte copy of shared/seed/batch-data-upload.md, the project's starting document.
SEED = Path(__file__).resolve().parents[1] / "data" / "batch-data-upload.md"


def seed_body() -> bytes:
    """The request body exactly as the seed document writes it (its first code block)."""
    text = SEED.read_text()
    start = text.index("```\n", text.index("###Body")) + 4
    return text[start:text.index("```", start)].encode()


def test_seed_batch_is_stored_with_its_link(owner: TestClient) -> None:
    response = owner.post("/api/v2.6/data-batch", content=seed_body(),
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text
    [note] = response.json()
    assert note["endpoint"] == "rumpel/notable"
    assert note["data"]["id"] == 84995
    assert note["data"]["data"]["notablesv1"]["message"] == "Showcasing the new HAT APIs"
    [nudge] = note["links"]
    assert nudge["endpoint"] == "rumpel/nudge"
    assert nudge["data"] == {"type": "time", "nudge": "Share APIs with the world",
                             "time": "2017-04-30T14:22:52+01:00"}
    assert "links" not in nudge
    assert response.headers["X-Auth-Token"]

    notes = owner.get("/api/v2.6/data/rumpel/notable").json()
    assert [r["recordId"] for r in notes] == [note["recordId"]]
    assert notes[0]["data"] == note["data"]
    nudges = owner.get("/api/v2.6/data/rumpel/nudge").json()
    assert [r["recordId"] for r in nudges] == [nudge["recordId"]]
    assert owner.get("/api/v2.6/data/sources").json() == {"rumpel": ["notable", "nudge"]}


def test_seed_batch_sent_twice_is_a_duplicate_and_stores_nothing_more(owner: TestClient) -> None:
    first = owner.post("/api/v2.6/data-batch", content=seed_body(),
                       headers={"Content-Type": "application/json"})
    assert first.status_code == 201
    again = owner.post("/api/v2.6/data-batch", content=seed_body(),
                       headers={"Content-Type": "application/json"})
    assert again.status_code == 400
    assert again.json() == {"message": "Bad Request",
                            "cause": "Could not insert data - Duplicate data"}
    assert len(owner.get("/api/v2.6/data/rumpel/notable").json()) == 1
    assert len(owner.get("/api/v2.6/data/rumpel/nudge").json()) == 1
