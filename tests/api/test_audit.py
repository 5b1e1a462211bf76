"""The access audit log over HTTP, both backends (docs/audit.md): entries for application
reads and writes, logins and setup, writes audited with their change (and a rolled-back write
only as a failure), the filters, owner-only access, and no queued entry lost at shutdown."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from openhat.config import Settings
from openhat.hats.service import NewHat
from openhat.storage import open_store
from openhat.storage.base import Store
from openhat.storage.rows import AuditFilter
from openhat.web.app import create_app
from tests.api.debit_fixtures import user_token
from tests.app_fixtures import installed_app
from tests.conftest import DOMAIN, OWNER

API = "/api/v2.6"


def _audit(owner: TestClient, query: str = "") -> list[dict[str, Any]]:
    response = owner.get(f"{API}/audit{query}")
    assert response.status_code == 200, response.text
    return list(response.json())


def test_application_reads_and_writes_are_audited(owner: TestClient) -> None:
    token = installed_app(owner, "auditee", "namespaceread:notes", "namespacewrite:notes")
    app = {"X-Auth-Token": token}
    saved = owner.post(f"{API}/data/notes/list", json=[{"a": 1}, {"a": 2}], headers=app)
    assert saved.status_code == 201
    assert owner.get(f"{API}/data/notes/list", headers=app).status_code == 200
    assert owner.get(f"{API}/data/private/x", headers=app).status_code == 403
    entries = _audit(owner, "?actor=application:auditee")
    read, refused = entries[1], entries[0]
    assert refused["action"] == "read" and refused["outcome"] == "denied"
    assert refused["status"] == 403 and refused["endpoint"] == "private/x"
    assert read["action"] == "read" and read["count"] == 2 and read["outcome"] == "success"
    assert read["object"] == "data/notes/list" and read["client"]
    created = entries[2]
    assert created["action"] == "create" and created["count"] == 2
    assert created["actor"] == {"kind": "application", "id": "auditee"}
    assert created["endpoint"] == "notes/list"
    assert [e["timestamp"] for e in entries] == sorted((e["timestamp"] for e in entries),
                                                       reverse=True)


def test_logins_and_setup_are_audited(client: TestClient, owner: TestClient) -> None:
    bad = client.get("/users/access_token", headers={"username": OWNER, "password": "wrong",
                                                     "X-Auth-Token": ""})
    assert bad.status_code == 401
    installed_app(owner, "setupee", "namespaceread:notes")
    logins = _audit(owner, "?action=login")
    assert logins[0]["outcome"] == "denied"
    assert logins[0]["actor"] == {"kind": "user", "id": OWNER}
    assert any(e["outcome"] == "success" and e["actor"]["kind"] == "owner" for e in logins)
    setup = _audit(owner, "?action=setup")
    assert [e["object"] for e in setup] == ["applications/setupee"]
    assert setup[0]["actor"]["kind"] == "owner"


def test_a_rolled_back_write_is_audited_only_as_a_failure(owner: TestClient) -> None:
    duplicate = owner.post(f"{API}/data-batch", json=[{"endpoint": "rb/a", "data": {"n": 1}},
                                                      {"endpoint": "rb/a", "data": {"n": 1}}])
    assert duplicate.status_code == 400
    entries = _audit(owner, "?endpoint=data-batch")
    assert [(e["action"], e["outcome"]) for e in entries] == [("create", "failed")]
    assert _audit(owner, "?endpoint=rb") == []  # no entry of a change that never happened


def test_filters_and_paging(owner: TestClient) -> None:
    for n in range(3):
        owner.post(f"{API}/data/filt/a", json={"n": n})
    owner.get(f"{API}/data/filt/a")
    assert len(_audit(owner, "?endpoint=filt&action=create")) == 3
    assert len(_audit(owner, "?endpoint=filt/a")) == 4
    assert len(_audit(owner, "?endpoint=filt&take=2")) == 2
    assert len(_audit(owner, "?endpoint=filt&skip=3")) == 1
    newest = _audit(owner, "?endpoint=filt")[0]["timestamp"]
    assert _audit(owner, f"?endpoint=filt&since={newest + 1}") == []
    assert len(_audit(owner, f"?endpoint=filt&until={newest + 1}")) == 4
    assert _audit(owner, "?since=2999-01-01T00:00:00Z") == []
    for bad in ("?actor=robot", "?take=5000", "?skip=-1", "?since=yesterday"):
        response = owner.get(f"{API}/audit{bad}")
        assert response.status_code == 400, bad
        assert set(response.json()) == {"error", "message"}


def test_only_the_owner_reads_the_log(owner: TestClient, store: Store, hat: NewHat) -> None:
    app = installed_app(owner, "nosy", "owner")  # even an application granted `owner`
    assert owner.get(f"{API}/audit", headers={"X-Auth-Token": app}).status_code == 403
    holder = user_token(owner, store, hat, "holder", ("datadebit",))
    assert owner.get(f"{API}/audit", headers={"X-Auth-Token": holder}).status_code == 403
    assert owner.get(f"{API}/audit", headers={"X-Auth-Token": ""}).status_code == 401
    refusals = _audit(owner, "?endpoint=audit")
    assert {(e["actor"]["kind"], e["outcome"]) for e in refusals} >= {
        ("application", "denied"), ("user", "denied"), ("anonymous", "denied")}


def test_queued_reads_are_written_at_a_clean_shutdown(settings: Settings, store: Store,
                                                      hat: NewHat) -> None:
    with TestClient(create_app(settings, store), base_url=f"http://{DOMAIN}") as client:
        token = client.get("/users/access_token", headers={"username": OWNER,
                                                           "password": "pa55w0rd"})
        client.get(f"{API}/data/shut/down", headers={"X-Auth-Token":
                                                     token.json()["accessToken"]})
    other = open_store(settings.database)
    try:
        found = other.audit.entries(hat.hat.hat_id, AuditFilter(endpoint="shut/down"))
    finally:
        other.close()
    assert [(e.action, e.count) for e in found] == [("read", 0)]


@pytest.mark.parametrize("retention", [0])
def test_retention_drops_old_entries(owner: TestClient, store: Store, hat: NewHat,
                                     retention: int) -> None:
    from openhat.audit import service as audit

    owner.get(f"{API}/data/old/a")
    assert _audit(owner, "?endpoint=old")
    audit.prune(store, retention)
    assert _audit(owner, "?endpoint=old") == []


def test_a_nul_in_what_a_request_names_is_logged_escaped(owner: TestClient) -> None:
    """PostgreSQL text holds no NUL; a path carrying `%00` is still audited (found when such
    a request's queued entry failed the whole flush)."""
    assert owner.get(f"{API}/files/file/a%00b").status_code in (400, 404)
    entries = _audit(owner, "?action=read")
    assert any("a\\x00b" in e["object"] for e in entries), entries
