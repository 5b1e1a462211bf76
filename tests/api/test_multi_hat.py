"""Many HATs in one deployment, chosen by Host: nothing ever crosses between them (on both
backends, over HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from openhat.hats import service as hats
from openhat.hats.directory import HatDirectory
from openhat.storage.base import Store
from openhat.storage.query import endpoint_page
from tests.conftest import DOMAIN, login

API = "/api/v2.6"
OTHER = "other.example.test"
NOT_AUTHENTICATED = {"error": "Not Authenticated", "message": "Not Authenticated"}
BATCH = [{"endpoint": "rumpel/notable", "data": {"message": "mine"},
          "links": [{"endpoint": "rumpel/nudge", "data": {"nudge": "hello"}}]}]


@pytest.fixture
def other(app: Any, store: Store) -> Iterator[TestClient]:
    """A second HAT in the same database, with the same owner name, and its owner's client."""
    hats.create_hat(store, OTHER, "hatuser", "another-password-2")
    with TestClient(app, base_url=f"http://{OTHER}") as client:
        client.headers["X-Auth-Token"] = login(client, "hatuser", "another-password-2")
        yield client


def test_a_token_of_one_hat_is_refused_by_another(owner: TestClient,
                                                 other: TestClient) -> None:
    for token, client in ((owner.headers["X-Auth-Token"], other),
                          (other.headers["X-Auth-Token"], owner)):
        response = client.get(f"{API}/data/rumpel/notable", headers={"X-Auth-Token": token})
        assert response.status_code == 401
        assert response.json() == NOT_AUTHENTICATED
    # the same owner name with the other HAT's password does not log in either
    response = other.get("/users/access_token",
                         headers={"username": "hatuser", "password": "pa55w0rd"})
    assert response.status_code == 401


def test_records_links_and_sources_never_cross(owner: TestClient, other: TestClient) -> None:
    [note] = owner.post(f"{API}/data-batch", json=BATCH).json()
    nudge_id = note["links"][0]["recordId"]

    assert other.get(f"{API}/data/sources").json() == {}
    assert other.get(f"{API}/data/rumpel/notable").json() == []
    assert other.get(f"{API}/data-record/{note['recordId']}").status_code == 400  # Data Missing
    assert other.delete(f"{API}/data", params={"records": note["recordId"]}).status_code == 400
    linked = other.post(f"{API}/data-link", params={"records": [note["recordId"], nudge_id]})
    assert linked.status_code == 400
    updated = other.put(f"{API}/data", json=[{"endpoint": "rumpel/notable",
                                             "recordId": note["recordId"], "data": {"x": 1}}])
    assert updated.status_code == 400
    assert other.delete(f"{API}/data/rumpel/notable").status_code == 200

    # the same data in the other HAT is no duplicate
    assert other.post(f"{API}/data-batch", json=BATCH).status_code == 201
    mine = owner.get(f"{API}/data/rumpel/notable").json()
    assert [r["recordId"] for r in mine] == [note["recordId"]]
    assert mine[0]["data"] == {"message": "mine"}
    assert len(other.get(f"{API}/data/rumpel/notable").json()) == 1


def test_combinators_and_bundles_never_cross(owner: TestClient, other: TestClient) -> None:
    owner.post(f"{API}/data-batch", json=BATCH)
    assert owner.post(f"{API}/combinator/notes",
                      json=[{"endpoint": "rumpel/notable"}]).status_code == 201
    assert len(owner.get(f"{API}/combinator/notes").json()) == 1
    assert other.get(f"{API}/combinator/notes").status_code == 404
    bundle = {"notes": {"endpoints": [{"endpoint": "rumpel/notable"}]}}
    assert owner.post(f"{API}/data-bundle/mine", json=bundle).status_code == 201
    assert other.get(f"{API}/data-bundle/mine").status_code == 404
    # the other HAT's combinator of the same name reads the other HAT's records
    other.post(f"{API}/combinator/notes", json=[{"endpoint": "rumpel/notable"}])
    assert other.get(f"{API}/combinator/notes").json() == []


def test_an_unknown_host_is_not_found_once_there_are_two_hats(client: TestClient,
                                                               store: Store) -> None:
    assert client.get("/publickey", headers={"Host": "anything.test"}).status_code == 200
    hats.create_hat(store, OTHER, "someone", "another-password-3")
    for path in ("/publickey", "/users/access_token", f"{API}/data/sources"):
        response = client.get(path, headers={"Host": "anything.test"})
        assert response.status_code == 404
        assert response.json() == {"error": "Not Found", "message": "HAT unavailable"}
    assert client.get("/publickey", headers={"Host": OTHER.upper() + "."}).status_code == 200


def test_each_hat_signs_with_its_own_key(owner: TestClient, other: TestClient) -> None:
    assert owner.get("/publickey").text != other.get("/publickey").text


def test_removing_a_hat_leaves_the_others_intact(owner: TestClient, other: TestClient,
                                                 store: Store, settings: Any) -> None:
    owner.post(f"{API}/data-batch", json=BATCH)
    other.post(f"{API}/data-batch", json=BATCH)
    other.post(f"{API}/combinator/notes", json=[{"endpoint": "rumpel/notable"}])
    gone = store.hats.by_domain(OTHER)
    assert gone is not None
    assert HatDirectory(store, settings.database).remove(OTHER)
    assert store.hats.by_domain(OTHER) is None
    assert store.keys.all(gone.hat_id) == []
    assert store.records.page(gone.hat_id, endpoint_page("rumpel/notable")) == []
    assert store.bundles.combinator(gone.hat_id, "notes") is None
    # the one HAT left answers every Host again, and refuses the removed HAT's token
    assert other.get(f"{API}/data/rumpel/notable").status_code == 401
    assert len(owner.get(f"{API}/data/rumpel/nudge").json()) == 1
    assert owner.get(f"{API}/data/sources").json() == {"rumpel": ["notable", "nudge"]}
    assert [h.domain for h in store.hats.all()] == [DOMAIN]


def test_debits_never_cross(owner: TestClient, other: TestClient) -> None:
    from tests.api.debit_fixtures import setup_request

    owner.post(f"{API}/data-batch", json=[{"endpoint": "test/complex", "data": {"a": 1}}])
    assert owner.post(f"{API}/data-debit/dd", json=setup_request()).status_code == 201
    assert owner.get(f"{API}/data-debit/dd/enable").status_code == 200
    assert [d["dataDebitKey"] for d in owner.get(f"{API}/data-debit").json()] == ["dd"]
    assert other.get(f"{API}/data-debit").json() == []
    assert other.get(f"{API}/data-debit/dd").status_code == 404
    assert other.get(f"{API}/data-debit/dd/values").status_code == 404
    for action in ("enable", "disable?atPeriodEnd=false"):  # as the original: 400 Not Found
        refused = other.get(f"{API}/data-debit/dd/{action}")
        assert refused.status_code == 400
        assert refused.json()["message"] == "Not Found", refused.text
    # the other HAT may make its own debit under the same key; the first stays enabled
    assert other.post(f"{API}/data-debit/dd", json=setup_request()).status_code == 201
    assert owner.get(f"{API}/data-debit/dd").json()["active"] is True


def test_applications_never_cross(owner: TestClient, other: TestClient) -> None:
    from tests.app_fixtures import installed_app

    token = installed_app(owner, "mine", "namespacewrite:rumpel", "namespaceread:rumpel")
    assert owner.get(f"{API}/applications/mine").json()["enabled"] is True
    theirs = other.get(f"{API}/applications/mine")
    assert theirs.status_code == 404
    assert all(a["application"]["id"] != "mine" or not a["setup"]
               for a in other.get(f"{API}/applications").json())
    response = other.get(f"{API}/data/rumpel/notable", headers={"X-Auth-Token": token})
    assert response.status_code == 401


def test_idempotency_keys_are_per_hat(owner: TestClient, other: TestClient) -> None:
    headers = {"Idempotency-Key": "same-key"}
    first = owner.post(f"{API}/data-batch", json=BATCH, headers=headers)
    second = other.post(f"{API}/data-batch", json=BATCH, headers=headers)
    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in second.headers  # a write of its own, not a replay
    assert second.json()[0]["recordId"] != first.json()[0]["recordId"]
    assert [r["recordId"] for r in other.get(f"{API}/data/rumpel/notable").json()] == \
        [second.json()[0]["recordId"]]
    assert len(owner.get(f"{API}/data/rumpel/notable").json()) == 1


def test_the_feed_never_crosses(owner: TestClient, other: TestClient) -> None:
    note = {"endpoint": "rumpel/notablesv1", "data": {
        "message": "only mine", "currently_shared": True, "shared_on": ["phata"],
        "created_time": "2018-02-15T13:13:37.000Z", "updated_time": "2018-02-16T13:13:37.000Z"}}
    assert owner.post(f"{API}/data-batch", json=[note]).status_code == 201
    window = "since=1400000000&until=1600000000"
    assert "only mine" in owner.get(f"{API}/she/feed?{window}").text
    answer = other.get(f"{API}/she/feed?{window}")
    assert answer.status_code == 200
    assert answer.json() == []
