"""A batch that fails inside the database part-way through leaves nothing behind, on both
backends: the failure is injected by a trigger in the database itself (as a full disk or a
broken constraint would fail a statement), after the records went in and while the links
go in. SQLite refuses duplicates before it writes anything, so this is the one way to see
its rollback of statements that already ran."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.rawsql import execute

API = "/api/v2.6"
BATCH = [{"endpoint": "test/first", "data": {"n": 1},
          "links": [{"endpoint": "test/linked", "data": {"n": 2}}]},
         {"endpoint": "test/second", "data": {"n": 3}}]


def fail_link_inserts(database_url: str) -> None:
    if database_url.startswith("sqlite:///"):
        execute(database_url, "CREATE TRIGGER injected BEFORE INSERT ON record_links"
                              " BEGIN SELECT RAISE(ABORT, 'injected failure'); END")
        return
    execute(database_url, "CREATE FUNCTION injected() RETURNS trigger LANGUAGE plpgsql AS"
                          " $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$")
    execute(database_url, "CREATE TRIGGER injected BEFORE INSERT ON record_links"
                          " FOR EACH ROW EXECUTE FUNCTION injected()")


def test_a_batch_failing_in_the_database_stores_nothing(owner: TestClient, database_url: str,
                                                        caplog: Any) -> None:
    assert owner.post(f"{API}/data/test/first", json={"n": 0}).status_code == 201
    fail_link_inserts(database_url)
    response = owner.post(f"{API}/data-batch", json=BATCH)
    assert response.status_code == 500
    assert response.json()["message"]  # the HAT error body, no stack trace
    assert "injected" not in response.text
    assert owner.get(f"{API}/data/sources").json() == {"test": ["first"]}
    assert [r["data"] for r in owner.get(f"{API}/data/test/first").json()] == [{"n": 0}]
    # without links the same kind of write still works
    assert owner.post(f"{API}/data/test/second", json={"n": 3}).status_code == 201
