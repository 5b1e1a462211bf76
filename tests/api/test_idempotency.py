"""`Idempotency-Key` on writes: a retry returns the first answer and writes nothing twice."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.app_fixtures import installed_app
from tests.rawsql import execute

API = "/api/v2.6"
BATCH = [{"endpoint": "test/idem", "data": {"n": 1},
          "links": [{"endpoint": "test/idem-link", "data": {"n": 2}}]}]


def test_retried_batch_is_written_once_and_answered_the_same(owner: TestClient) -> None:
    first = owner.post(f"{API}/data-batch", json=BATCH, headers={"Idempotency-Key": "k-1"})
    again = owner.post(f"{API}/data-batch", json=BATCH, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["X-Auth-Token"]  # still a refreshed token
    assert len(owner.get(f"{API}/data/test/idem").json()) == 1
    assert len(owner.get(f"{API}/data/test/idem-link").json()) == 1


def test_without_a_key_a_retry_is_a_duplicate(owner: TestClient) -> None:
    assert owner.post(f"{API}/data-batch", json=BATCH).status_code == 201
    retry = owner.post(f"{API}/data-batch", json=BATCH)
    assert retry.status_code == 400
    assert retry.json() == {"message": "Bad Request",
                            "cause": "Could not insert data - Duplicate data"}
    assert "Idempotent-Replayed" not in retry.headers
    assert len(owner.get(f"{API}/data/test/idem").json()) == 1
    assert len(owner.get(f"{API}/data/test/idem-link").json()) == 1


def test_key_reused_for_another_request_is_refused(owner: TestClient) -> None:
    assert owner.post(f"{API}/data/test/idem", json={"n": 1},
                      headers={"Idempotency-Key": "k-2"}).status_code == 201
    response = owner.post(f"{API}/data/test/idem", json={"n": 2},
                          headers={"Idempotency-Key": "k-2"})
    assert response.status_code == 422
    assert response.json()["message"] == "Unprocessable Entity"
    assert len(owner.get(f"{API}/data/test/idem").json()) == 1


def test_failed_request_does_not_keep_its_key(owner: TestClient) -> None:
    bad = [{"endpoint": "test/idem", "data": {"n": 1}}, {"endpoint": "test/idem", "data": {"n": 1}}]
    assert owner.post(f"{API}/data-batch", json=bad,
                      headers={"Idempotency-Key": "k-3"}).status_code == 400
    fixed = owner.post(f"{API}/data-batch", json=bad[:1], headers={"Idempotency-Key": "k-3"})
    assert fixed.status_code == 201  # the failed attempt released the key: the fix runs
    assert len(owner.get(f"{API}/data/test/idem").json()) == 1


def test_reads_ignore_keys(owner: TestClient) -> None:
    """Keys per HAT: tests/api/test_multi_hat.py. A read with a key is answered afresh."""
    headers = {"Idempotency-Key": "k-5"}
    assert owner.get(f"{API}/data/test/idem", headers=headers).json() == []
    owner.post(f"{API}/data/test/idem", json={"n": 1})
    again = owner.get(f"{API}/data/test/idem", headers=headers)
    assert [r["data"] for r in again.json()] == [{"n": 1}]
    assert "Idempotent-Replayed" not in again.headers


def test_put_with_a_key_updates_once_and_replays(owner: TestClient) -> None:
    [saved] = owner.post(f"{API}/data/test/idem", json=[{"n": 1}]).json()
    body = [{"endpoint": "test/idem", "recordId": saved["recordId"], "data": {"n": 2}}]
    headers = {"Idempotency-Key": "k-put"}
    first = owner.put(f"{API}/data", json=body, headers=headers)
    assert first.status_code == 201, first.text
    owner.put(f"{API}/data", json=[{**body[0], "data": {"n": 3}}])  # a later, keyless change
    again = owner.put(f"{API}/data", json=body, headers=headers)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    # the replay wrote nothing: the later change stands
    assert [r["data"] for r in owner.get(f"{API}/data/test/idem").json()] == [{"n": 3}]


def test_unusable_key(owner: TestClient) -> None:
    response = owner.post(f"{API}/data/test/idem", json={"n": 1},
                          headers={"Idempotency-Key": "x" * 300})
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"
    assert "Idempotency-Key" in response.text
    assert owner.get(f"{API}/data/test/idem").json() == []  # refused before the write


def test_delete_with_a_key_replays_success(owner: TestClient) -> None:
    [saved] = owner.post(f"{API}/data/test/idem", json=[{"n": 1}]).json()
    params = {"records": saved["recordId"]}
    first = owner.delete(f"{API}/data", params=params, headers={"Idempotency-Key": "k-6"})
    again = owner.delete(f"{API}/data", params=params, headers={"Idempotency-Key": "k-6"})
    assert first.status_code == again.status_code == 200  # not "Data Missing" the second time
    assert again.json() == first.json() == {"message": "All records deleted"}
    assert again.headers["Idempotent-Replayed"] == "true"
    assert owner.get(f"{API}/data/test/idem").json() == []


def test_a_key_never_replays_another_callers_answer(owner: TestClient) -> None:
    """Security finding 7: an application without access to `secret` sent the owner's key
    and body, and was handed the owner's record ids and data."""
    body = [{"endpoint": "secret/idem", "data": {"diary": "private"}}]
    headers = {"Idempotency-Key": "shared-key"}
    assert owner.post(f"{API}/data-batch", json=body, headers=headers).status_code == 201
    token = installed_app(owner, "other-app", "namespacewrite:public")
    response = owner.post(f"{API}/data-batch", json=body,
                          headers={**headers, "X-Auth-Token": token})
    assert response.status_code == 403
    assert "private" not in response.text
    assert "Idempotent-Replayed" not in response.headers


def test_the_same_key_is_the_callers_own_for_each_caller(owner: TestClient) -> None:
    """Two callers may use one key string for two different requests (no 422 mismatch)."""
    token = installed_app(owner, "writer-app", "namespacewrite:public")
    headers = {"Idempotency-Key": "k-per-caller"}
    assert owner.post(f"{API}/data/public/idem", json={"by": "owner"},
                      headers=headers).status_code == 201
    mine = owner.post(f"{API}/data/public/idem", json={"by": "app"},
                      headers={**headers, "X-Auth-Token": token})
    assert mine.status_code == 201
    assert "Idempotent-Replayed" not in mine.headers
    again = owner.post(f"{API}/data/public/idem", json={"by": "app"},
                       headers={**headers, "X-Auth-Token": token})
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == mine.json()


def test_a_key_expires_after_a_day(owner: TestClient, database_url: str) -> None:
    headers = {"Idempotency-Key": "k-old"}
    assert owner.post(f"{API}/data/test/idem", json={"n": 1}, headers=headers).status_code == 201
    owner.delete(f"{API}/data/test/idem")
    execute(database_url, "UPDATE idempotency_keys SET created_at = created_at - 86400001")
    again = owner.post(f"{API}/data/test/idem", json={"n": 1}, headers=headers)
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers  # a new write, not the old answer
    assert [r["data"] for r in owner.get(f"{API}/data/test/idem").json()] == [{"n": 1}]


def test_a_retry_while_the_first_request_runs_is_409(owner: TestClient,
                                                     database_url: str) -> None:
    """The state a request leaves while it runs (claimed, no answer yet): a copy sent then
    gets 409 and writes nothing."""
    headers = {"Idempotency-Key": "k-running"}
    assert owner.post(f"{API}/data/test/idem", json={"n": 1}, headers=headers).status_code == 201
    owner.delete(f"{API}/data/test/idem")
    execute(database_url, "UPDATE idempotency_keys SET status = NULL, body = NULL")
    response = owner.post(f"{API}/data/test/idem", json={"n": 1}, headers=headers)
    assert response.status_code == 409, response.text
    assert "still in progress" in response.text
    assert owner.get(f"{API}/data/test/idem").json() == []


def test_non_2xx_answers_are_not_kept(owner: TestClient) -> None:
    headers = {"Idempotency-Key": "k-403"}
    token = installed_app(owner, "reader", "namespaceread:test")
    refused = owner.post(f"{API}/data/test/idem", json={"n": 1},
                         headers={**headers, "X-Auth-Token": token})
    assert refused.status_code == 403
    again = owner.post(f"{API}/data/test/idem", json={"n": 1},
                       headers={**headers, "X-Auth-Token": token})
    assert again.status_code == 403 and "Idempotent-Replayed" not in again.headers
    assert owner.get(f"{API}/data/test/idem").json() == []
