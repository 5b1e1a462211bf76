"""`Idempotency-Key` on writes: a retry returns the first answer and writes nothing twice."""

from __future__ import annotations

from starlette.testclient import TestClient

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
