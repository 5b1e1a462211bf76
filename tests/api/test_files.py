"""The /files routes over HTTP (spec 5.3, the original's FilesSpec), on both database
backends and both blob stores: the local one and S3-compatible storage (moto's server)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from openhat.config import Settings
from openhat.hats.service import NewHat
from openhat.identity import users
from openhat.storage.base import Store
from tests.app_fixtures import installed_app
from tests.conftest import DOMAIN, OWNER, PASSWORD, login
from tests.files_fixtures import files_url, s3_endpoint, send  # noqa: F401 (a fixture)

API = "/api/v2.6"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40  # 10,248 bytes
SSE = {"x-amz-server-side-encryption": "AES256"}


@pytest.fixture(params=["local", "s3"])
def blob_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(database_url: str, blob_kind: str, tmp_path: Path,
             request: pytest.FixtureRequest) -> Settings:
    return Settings(database=database_url, domain=DOMAIN, owner=OWNER, owner_password=PASSWORD,
                    files_url=files_url(blob_kind, request), files_dir=str(tmp_path / "blobs"),
                    files_max_bytes=64 * 1024)


def add_user(store: Store, hat: NewHat, username: str, *roles: str) -> str:
    user = users.new_user(hat.hat.hat_id, username, PASSWORD, roles)
    with store.write(hat.hat.hat_id) as tx:
        tx.users.add(user)
    return user.user_id


@pytest.fixture
def credit_user(store: Store, hat: NewHat) -> str:
    return add_user(store, hat, "dataCreditUser", "datacredit", "datacredit:namespace")


@pytest.fixture
def as_credit(client: TestClient, credit_user: str) -> dict[str, str]:
    return {"X-Auth-Token": login(client, "dataCreditUser")}


def upload(client: TestClient, body: dict[str, Any] | None = None,
           headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = client.post(f"{API}/files/upload", json=body or {"name": "testFile.png",
                                                                "source": "test"},
                           headers=headers or {})
    assert response.status_code == 200, response.text
    return dict(response.json())


def put_bytes(client: TestClient, url: str, data: bytes = PNG,
              content_type: str = "image/png") -> Any:
    return send(client, "PUT", url, content=data, headers={"Content-Type": content_type, **SSE})


def uploaded(client: TestClient, body: dict[str, Any] | None = None, data: bytes = PNG,
             headers: dict[str, str] | None = None,
             content_type: str = "image/png") -> dict[str, Any]:
    """A file uploaded in the SDK's three steps, completed."""
    started = upload(client, body, headers)
    assert put_bytes(client, started["contentUrl"], data, content_type).status_code == 200
    done = client.put(f"{API}/files/file/{started['fileId']}/complete", headers=headers or {})
    assert done.status_code == 200, done.text
    return dict(done.json())


# --- upload, complete, read ---------------------------------------------------------------

def test_upload_answers_new_metadata_with_an_absolute_content_url(owner: TestClient,
                                                                  store: Store,
                                                                  hat: NewHat) -> None:
    started = upload(owner, {"name": "testFile.png", "source": "test", "tags": ["a", "b"],
                             "title": "A test", "fileId": "ignored", "contentPublic": True})
    assert started["fileId"] == "testtestfile.png"
    assert started["status"] == {"status": "New"}
    assert started["contentPublic"] is False
    assert started["tags"] == ["a", "b"] and started["title"] == "A test"
    assert isinstance(started["dateCreated"], int) and isinstance(started["lastUpdated"], int)
    assert started["contentUrl"].startswith("http")
    owner_user = store.users.by_name(hat.hat.hat_id, OWNER)
    assert owner_user is not None
    owner_id = owner_user.user_id
    assert started["permissions"] == [{"userId": owner_id, "contentReadable": True}]


def test_upload_put_complete_and_read_back(owner: TestClient) -> None:
    done = uploaded(owner)
    assert done["status"] == {"size": len(PNG), "status": "Completed"}
    detail = owner.get(f"{API}/files/file/testtestfile.png").json()
    content = send(owner, "GET", detail["contentUrl"])
    assert content.status_code == 200
    assert content.content == PNG
    assert content.headers["content-type"] == "image/png"
    assert int(content.headers["content-length"]) == len(PNG)
    redirect = owner.get(f"{API}/files/content/testtestfile.png", follow_redirects=False)
    assert redirect.status_code == 303
    assert send(owner, "GET", redirect.headers["location"]).content == PNG


def test_range_reads(owner: TestClient) -> None:
    uploaded(owner)
    url = owner.get(f"{API}/files/file/testtestfile.png").json()["contentUrl"]
    part = send(owner, "GET", url, headers={"Range": "bytes=8-15"})
    assert part.status_code == 206
    assert part.content == PNG[8:16]
    assert part.headers["content-range"] == f"bytes 8-15/{len(PNG)}"


@pytest.mark.parametrize(("names", "expected"), [
    (["testFile.png"] * 3, ["testtestfile.png", "testtestfile-1.png", "testtestfile-2.png"]),
    (["Photo Été.JPG", "Photo Été.JPG"], ["testphoto-ete.jpg", "testphoto-ete-1.jpg"]),
    (["notes", "notes"], ["testnotes", "testnotes-1"]),
    (["../../etc/passwd"], ["test.etcpasswd"]),  # a path is only letters (after the last dot)
    (["照片.png"], ["test.png"]),
])
def test_file_ids_come_from_source_and_name_made_unique(owner: TestClient, names: list[str],
                                                        expected: list[str]) -> None:
    assert [upload(owner, {"name": n, "source": "test"})["fileId"] for n in names] == expected


def test_every_prefix_serves_the_files_routes(owner: TestClient) -> None:
    started = upload(owner)
    for prefix in ("/api/v2", "/api/v2.0"):
        response = owner.get(f"{prefix}/files/file/{started['fileId']}")
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(("body", "path"), [
    ({"source": "test"}, "obj.name"),
    ({"name": "x"}, "obj.source"),
    ({"name": 1, "source": "test"}, "obj.name"),
    ({"name": "x", "source": "test", "tags": "a"}, "obj.tags"),
    ({"name": "x", "source": "test", "dateCreated": "yesterday"}, "obj.dateCreated"),
    ({"name": "x", "source": "test", "status": {"status": "Lost"}}, "obj.status.status"),
    # NUL in any text (PostgreSQL's text refuses it: these were 500s there).
    *(({"name": "x", "source": "test", key: "a\x00b"}, f"obj.{key}")
      for key in ("name", "source", "title", "description", "sourceURL", "contentType")),
])
def test_malformed_bodies_are_refused_with_the_json_error(owner: TestClient,
                                                          body: dict[str, Any],
                                                          path: str) -> None:
    response = owner.post(f"{API}/files/upload", json=body)
    assert response.status_code == 400
    assert path in response.json()["message"]
    assert owner.post(f"{API}/files/search", json={"name": "", "source": ""}).json() == []


# --- who may upload and complete (FilesSpec) --------------------------------------------------

def test_upload_roles(client: TestClient, store: Store, hat: NewHat,
                      as_credit: dict[str, str], credit_user: str) -> None:
    assert client.post(f"{API}/files/upload", json={"name": "a", "source": "b"}).status_code \
        == 401
    add_user(store, hat, "dataDebitUser", "datadebit")
    debit = {"X-Auth-Token": login(client, "dataDebitUser")}
    refused = client.post(f"{API}/files/upload", json={"name": "a", "source": "b"},
                          headers=debit)
    assert refused.status_code == 403
    assert refused.json() == {"error": "Forbidden", "message": "Access Denied"}
    started = upload(client, headers=as_credit)
    assert {"userId": credit_user, "contentReadable": True} in started["permissions"]


def test_complete_refusals(owner: TestClient, as_credit: dict[str, str]) -> None:
    unknown = owner.put(f"{API}/files/file/testFile.png/complete")
    assert unknown.status_code == 404
    assert unknown.json() == {"message": "No such file", "cause": "File testFile.png not found"}
    started = upload(owner)
    other = owner.put(f"{API}/files/file/{started['fileId']}/complete", headers=as_credit)
    assert other.status_code == 404 and other.json()["message"] == "No such file"
    incomplete = owner.put(f"{API}/files/file/{started['fileId']}/complete")
    assert incomplete.status_code == 400
    assert incomplete.json() == {"message": "File not available",
                                 "cause": "Not fully uploaded file can not be completed"}


def test_detail_and_content_follow_the_grants(owner: TestClient, as_credit: dict[str, str],
                                              credit_user: str) -> None:
    file_id = uploaded(owner)["fileId"]
    hidden = owner.get(f"{API}/files/file/{file_id}", headers=as_credit)
    assert hidden.status_code == 404 and hidden.json()["message"] == "File not available"
    assert owner.get(f"{API}/files/content/{file_id}", headers=as_credit,
                     follow_redirects=False).status_code == 404
    granted = owner.get(f"{API}/files/allowAccess/{file_id}/{credit_user}?content=false")
    assert granted.status_code == 200
    assert {"userId": credit_user, "contentReadable": False} in granted.json()["permissions"]
    seen = owner.get(f"{API}/files/file/{file_id}", headers=as_credit).json()
    assert "contentUrl" not in seen and "permissions" not in seen
    assert owner.get(f"{API}/files/content/{file_id}", headers=as_credit,
                     follow_redirects=False).status_code == 404
    owner.get(f"{API}/files/allowAccess/{file_id}/{credit_user}?content=true")
    readable = owner.get(f"{API}/files/file/{file_id}", headers=as_credit).json()
    assert "permissions" not in readable
    assert send(owner, "GET", readable["contentUrl"]).content == PNG
    assert owner.get(f"{API}/files/content/{file_id}", headers=as_credit,
                     follow_redirects=False).status_code == 303
    restricted = owner.get(f"{API}/files/restrictAccess/{file_id}/{credit_user}")
    assert credit_user not in {p["userId"] for p in restricted.json()["permissions"]}
    assert owner.get(f"{API}/files/file/{file_id}", headers=as_credit).status_code == 404


def test_unknown_files_are_not_found(owner: TestClient) -> None:
    for path in ("file/nothing.png", "file/..%2F..%2Fetc%2Fpasswd", "content/nothing.png"):
        response = owner.get(f"{API}/files/{path}", follow_redirects=False)
        assert response.status_code == 404, path
        assert set(response.json()) in ({"message", "cause"}, {"error", "message"}), path
    # No id holds NUL: a 400 for every route (test_bad_input.py).
    assert owner.get(f"{API}/files/file/a%00b").status_code == 400


def test_public_content_needs_no_token(owner: TestClient, client: TestClient,
                                       as_credit: dict[str, str]) -> None:
    file_id = uploaded(owner)["fileId"]
    assert owner.get(f"{API}/files/allowAccessPublic/{file_id}", headers=as_credit
                     ).status_code == 403
    made = owner.get(f"{API}/files/allowAccessPublic/{file_id}")
    assert made.json()["contentPublic"] is True
    anonymous = client.get(f"{API}/files/content/{file_id}", follow_redirects=False,
                           headers={"X-Auth-Token": "not-a-token"})
    assert anonymous.status_code == 303
    assert send(client, "GET", anonymous.headers["location"]).content == PNG
    private = owner.get(f"{API}/files/restrictAccessPublic/{file_id}")
    assert private.json()["contentPublic"] is False  # decision 14: private again
    assert client.get(f"{API}/files/content/{file_id}", follow_redirects=False,
                      headers={"X-Auth-Token": ""}).status_code == 404


# --- search, update, delete ---------------------------------------------------------------

def test_search_by_template(owner: TestClient, as_credit: dict[str, str],
                            credit_user: str) -> None:
    uploaded(owner, {"name": "holiday photos.jpg", "source": "camera", "tags": ["2026", "sea"],
                     "title": "Summer by the sea"})
    upload(owner, {"name": "tax return.pdf", "source": "scanner", "tags": ["2026"]})

    def names(template: dict[str, Any], headers: dict[str, str] | None = None) -> list[str]:
        response = owner.post(f"{API}/files/search", json=template, headers=headers or {})
        assert response.status_code == 200, response.text
        return [f["name"] for f in response.json()]

    assert names({"name": "", "source": ""}) == ["holiday photos.jpg", "tax return.pdf"]
    assert names({"name": "photo", "source": ""}) == ["holiday photos.jpg"]  # stems
    assert names({"name": "", "source": "scanner"}) == ["tax return.pdf"]
    assert names({"name": "", "source": "", "tags": ["2026"]}) == ["holiday photos.jpg",
                                                                   "tax return.pdf"]
    assert names({"name": "", "source": "", "tags": ["sea", "2026"]}) == ["holiday photos.jpg"]
    assert names({"name": "", "source": "", "status": {"status": "New"}}) == ["tax return.pdf"]
    assert names({"name": "", "source": "", "title": "sea"}) == ["holiday photos.jpg"]
    assert names({"name": "holiday", "source": "scanner"}) == []
    assert names({"name": "", "source": ""}, as_credit) == []
    granted = owner.post(f"{API}/files/allowAccess/{credit_user}?content=true",
                         json={"name": "", "source": "camera"})
    assert [f["name"] for f in granted.json()] == ["holiday photos.jpg"]
    seen = owner.post(f"{API}/files/search", json={"name": "", "source": ""},
                      headers=as_credit).json()
    assert [f["name"] for f in seen] == ["holiday photos.jpg"] and "contentUrl" in seen[0]
    owner.post(f"{API}/files/restrictAccess/{credit_user}", json={"name": "", "source": ""})
    assert names({"name": "", "source": ""}, as_credit) == []


def test_update_changes_the_metadata(owner: TestClient, as_credit: dict[str, str]) -> None:
    file_id = uploaded(owner)["fileId"]
    changed = owner.put(f"{API}/files/file/{file_id}",
                        json={"name": "renamed.png", "source": "other", "tags": ["t"],
                              "title": "T", "description": "D", "fileId": "elsewhere"})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["fileId"], body["name"], body["source"]) == (file_id, "renamed.png", "test")
    assert (body["tags"], body["title"], body["description"]) == (["t"], "T", "D")
    assert body["status"]["status"] == "Completed"
    refused = owner.put(f"{API}/files/file/{file_id}", json={"name": "x", "source": "test"},
                        headers=as_credit)
    assert refused.status_code == 404 and refused.json()["message"] == "No such file"


def test_delete_removes_the_content_and_the_usage(owner: TestClient, store: Store,
                                                  hat: NewHat, as_credit: dict[str, str]
                                                  ) -> None:
    hat_id = hat.hat.hat_id
    first = uploaded(owner)["fileId"]
    uploaded(owner, data=b"12345")
    assert store.files.usage(hat_id) == len(PNG) + 5
    assert owner.delete(f"{API}/files/file/{first}", headers=as_credit).status_code == 403
    url = owner.get(f"{API}/files/file/{first}").json()["contentUrl"]
    deleted = owner.delete(f"{API}/files/file/{first}")
    assert deleted.status_code == 200
    assert deleted.json()["status"] == {"status": "Deleted"}
    assert store.files.usage(hat_id) == 5
    assert send(owner, "GET", url).status_code in (403, 404)  # the bytes are gone
    assert owner.get(f"{API}/files/content/{first}", follow_redirects=False).status_code == 404
    assert owner.put(f"{API}/files/file/{first}/complete").status_code == 400
    assert owner.delete(f"{API}/files/file/nothing").status_code == 404


def test_access_grants_refuse_unknown_users_and_bad_parameters(owner: TestClient) -> None:
    file_id = upload(owner)["fileId"]
    nobody = "5a5e2b52-0000-4000-8000-000000000000"
    unknown = owner.get(f"{API}/files/allowAccess/{file_id}/{nobody}?content=true")
    assert unknown.status_code == 400
    assert unknown.json()["message"] == "Could not grant access"
    assert owner.post(f"{API}/files/allowAccess/{nobody}?content=true",
                      json={"name": "", "source": ""}).status_code == 400
    bad_uuid = owner.get(f"{API}/files/allowAccess/{file_id}/not-a-uuid?content=true")
    assert bad_uuid.status_code == 400 and "userId" in bad_uuid.json()["message"]
    missing = owner.get(f"{API}/files/allowAccess/{file_id}/{nobody}")
    assert missing.json() == {"error": "Bad Request", "message": "Missing parameter: content"}
    assert owner.get(f"{API}/files/allowAccess/nothing/{nobody}?content=true").status_code \
        == 404


# --- applications -----------------------------------------------------------------------------

def test_applications_manage_the_sources_they_were_granted(owner: TestClient) -> None:
    photos = {"X-Auth-Token": installed_app(owner, "photos-app", "managefiles:photos")}
    other = {"X-Auth-Token": installed_app(owner, "notes-app", "namespacewrite:notes")}
    mine = uploaded(owner, {"name": "a.png", "source": "photos"}, headers=photos)
    assert mine["fileId"] == "photosa.png"
    refused = owner.post(f"{API}/files/upload", json={"name": "b", "source": "music"},
                         headers=photos)
    assert refused.status_code == 403
    assert owner.post(f"{API}/files/upload", json={"name": "b", "source": "photos"},
                      headers=other).status_code == 403
    theirs = uploaded(owner, {"name": "c.png", "source": "music"})["fileId"]
    assert owner.get(f"{API}/files/file/{mine['fileId']}", headers=photos).status_code == 200
    assert owner.get(f"{API}/files/file/{theirs}", headers=photos).status_code == 404
    found = owner.post(f"{API}/files/search", json={"name": "", "source": ""}, headers=photos)
    assert [f["fileId"] for f in found.json()] == ["photosa.png"]
    assert owner.delete(f"{API}/files/file/{theirs}", headers=photos).status_code == 404
    assert owner.delete(f"{API}/files/file/{mine['fileId']}", headers=photos
                        ).status_code == 200
