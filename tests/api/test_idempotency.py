"""`Idempotency-Key` on writes: a retry returns the first answer and writes nothing twice."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.app_fixtures import installed_app

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
    assert owner.post(f"{API}/data-batch", json=BATCH).status_code == 400


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


def test_keys_are_per_hat_and_reads_ignore_them(owner: TestClient) -> None:
    response = owner.get(f"{API}/data/test/idem", headers={"Idempotency-Key": "k-5"})
    assert response.status_code == 200


def test_unusable_key(owner: TestClient) -> None:
    response = owner.post(f"{API}/data/test/idem", json={"n": 1},
                          headers={"Idempotency-Key": "x" * 300})
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"


def test_delete_with_a_key_replays_success(owner: TestClient) -> None:
    [saved] = owner.post(f"{API}/data/test/idem", json=[{"n": 1}]).json()
    params = {"records": saved["recordId"]}
    first = owner.delete(f"{API}/data", params=params, headers={"Idempotency-Key": "k-6"})
    again = owner.delete(f"{API}/data", params=params, headers={"Idempotency-Key": "k-6"})
    assert first.status_code == again.status_code == 200  # not "Data Missing" the second time


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
