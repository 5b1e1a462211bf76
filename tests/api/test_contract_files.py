"""Contract files (spec 5.6): the Files API for a contract whose token the adjudicator (a real
server on loopback) vouches for, with the contract's `managefiles` grants, and every
refusal; on both database backends."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from openhat.config import Settings
from openhat.storage.base import Store
from openhat.web.app import create_app
from tests.api.test_contracts import (  # noqa: F401 (a fixture)
    CONTRACT,
    OTHER_KEY,
    SECRET,
    adjudicator,
    contract_token,
    details,
)
from tests.app_fixtures import API, manifest, register
from tests.conftest import DOMAIN, login
from tests.files_fixtures import send
from tests.servers import Seen

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
FILE = {"name": "scan.png", "source": "contractsrc"}
ONE = f"{API}/contract/file"


@pytest.fixture
def client(settings: Settings, store: Store, hat: object, tmp_path: Path,
           adjudicator: tuple[str, list[Seen]]) -> Iterator[TestClient]:  # noqa: F811
    """A HAT with the contract registered (granted files of `contractsrc` only) and a file
    of another source the owner uploaded."""
    changed = dataclasses.replace(settings, adjudicator_url=adjudicator[0],
                                  adjudicator_secret=SECRET, files_dir=str(tmp_path / "blobs"))
    with TestClient(create_app(changed, store), base_url=f"http://{DOMAIN}") as c:
        owner = {"X-Auth-Token": login(c)}
        c.headers.update(owner)
        register(c, manifest(CONTRACT, "managefiles:contractsrc",
                             kind={"kind": "Contract", "url": "https://contract.example"}))
        started = c.post(f"{API}/files/upload", json={"name": "other.png", "source": "othersrc"})
        assert started.status_code == 200, started.text
        put(c, started.json()["contentUrl"])
        assert c.put(f"{API}/files/file/othersrcother.png/complete").status_code == 200
        del c.headers["X-Auth-Token"]
        yield c


def put(client: TestClient, url: str) -> None:
    response = send(client, "PUT", url, content=PNG, headers={"Content-Type": "image/png"})
    assert response.status_code == 200, response.text


def contract_upload(client: TestClient, **changes: Any) -> dict[str, Any]:
    """A file the contract uploaded and completed."""
    started = client.post(f"{ONE}/upload", json=details(file={**FILE, **changes}))
    assert started.status_code == 200, started.text
    put(client, started.json()["contentUrl"])
    done = client.put(f"{ONE}/{started.json()['fileId']}/complete", json=details())
    assert done.status_code == 200, done.text
    return dict(done.json())


def test_upload_complete_read_change_and_delete(client: TestClient) -> None:
    done = contract_upload(client)
    assert done["fileId"] == "contractsrcscan.png"
    assert done["status"] == {"size": len(PNG), "status": "Completed"}
    found = client.post(f"{ONE}/contractsrcscan.png", json=details())
    assert found.status_code == 200, found.text
    assert found.json()["name"] == "scan.png" and found.json()["contentUrl"]
    content = client.post(f"{ONE}/contractsrcscan.png/content", json=details(),
                          follow_redirects=False)
    assert content.status_code == 303
    assert send(client, "GET", content.headers["location"]).content == PNG
    changed = client.put(f"{ONE}/contractsrcscan.png",
                         json=details(file={**FILE, "name": "renamed.png", "tags": ["t"]}))
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["tags"]) == ("renamed.png", ["t"])
    deleted = client.request("DELETE", f"{ONE}/contractsrcscan.png", json=details())
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["status"]["status"] == "Deleted"
    gone = client.post(f"{ONE}/contractsrcscan.png/content", json=details(),
                       follow_redirects=False)
    assert gone.status_code == 404


def test_the_owner_sees_what_the_contract_uploaded(client: TestClient) -> None:
    contract_upload(client)
    response = client.get(f"{API}/files/file/contractsrcscan.png",
                          headers={"X-Auth-Token": login(client)})
    assert response.status_code == 200
    assert response.json()["source"] == "contractsrc"


def test_upload_to_a_source_not_granted_is_forbidden(client: TestClient) -> None:
    response = client.post(f"{ONE}/upload", json=details(file={**FILE, "source": "othersrc"}))
    assert response.status_code == 403, response.text
    owner = {"X-Auth-Token": login(client)}
    found = client.post(f"{API}/files/search", json={"name": "", "source": ""},
                        headers=owner).json()
    assert [f["fileId"] for f in found] == ["othersrcother.png"]  # nothing was stored


@pytest.mark.parametrize("method,path,body", [
    ("POST", "othersrcother.png", None),
    ("POST", "othersrcother.png/content", None),
    ("PUT", "othersrcother.png", {"name": "taken.png", "source": "othersrc"}),
    ("PUT", "othersrcother.png/complete", None),
    ("DELETE", "othersrcother.png", None),
    ("POST", "no-such-file.png", None),
    ("DELETE", "no-such-file.png", None),
    ("PUT", "no-such-file.png/complete", None),
])
def test_files_of_other_sources_and_unknown_files_are_not_found(
        client: TestClient, method: str, path: str, body: dict[str, Any] | None) -> None:
    response = client.request(method, f"{ONE}/{path}", follow_redirects=False,
                              json=details(**({"file": body} if body else {})))
    assert response.status_code == 404, response.text
    owner = {"X-Auth-Token": login(client)}
    other = client.get(f"{API}/files/file/othersrcother.png", headers=owner).json()
    assert (other["name"], other["status"]["status"]) == ("other.png", "Completed")


@pytest.mark.parametrize("changes,message", [
    ({"token": contract_token(OTHER_KEY)}, "Invalid Token"),  # forged: another key signed it
    ({"token": contract_token(expires_in=-60)}, "Invalid Token"),  # expired
    ({"token": "not-a-jwt"}, "Invalid Token"),
    ({"hatName": "someone-else"}, "HatName not found"),
    ({"token": ""}, "Missing Contract Details"),
    ({"contractId": None}, "Missing Contract Details"),
])
def test_refused_contract_details_change_nothing(client: TestClient, changes: dict[str, Any],
                                                 message: str) -> None:
    contract_upload(client)
    for method, path, file in (("POST", "upload", FILE), ("POST", "contractsrcscan.png", None),
                               ("POST", "contractsrcscan.png/content", None),
                               ("PUT", "contractsrcscan.png", {**FILE, "name": "x.png"}),
                               ("PUT", "contractsrcscan.png/complete", None),
                               ("DELETE", "contractsrcscan.png", None)):
        body = {k: v for k, v in details(**changes, file=file).items() if v is not None}
        response = client.request(method, f"{ONE}/{path}", json=body, follow_redirects=False)
        assert response.status_code == 400, (method, path, response.text)
        assert response.json()["message"] == message
    owner = {"X-Auth-Token": login(client)}
    found = client.post(f"{API}/files/search", json={"name": "", "source": ""},
                        headers=owner).json()
    assert sorted((f["fileId"], f["name"], f["status"]["status"]) for f in found) == [
        ("contractsrcscan.png", "scan.png", "Completed"),
        ("othersrcother.png", "other.png", "Completed")]


def test_an_upload_without_a_file_is_a_bad_request(client: TestClient) -> None:
    response = client.post(f"{ONE}/upload", json=details())
    assert response.status_code == 400, response.text


@pytest.mark.parametrize("changes,missing", [
    ({}, "--adjudicator-url (OPENHAT_ADJUDICATOR_URL)"),
    ({"adjudicator_url": "http://127.0.0.1:9"}, "--adjudicator-secret"),
])
def test_unconfigured_adjudicator_names_the_setting(settings: Settings, store: Store,
                                                    hat: object, tmp_path: Path,
                                                    changes: dict[str, Any],
                                                    missing: str) -> None:
    changed = dataclasses.replace(settings, files_dir=str(tmp_path), **changes)
    with TestClient(create_app(changed, store), base_url=f"http://{DOMAIN}") as c:
        for method, path in (("POST", "upload"), ("PUT", "a.png/complete"), ("POST", "a.png"),
                             ("PUT", "a.png"), ("DELETE", "a.png"), ("POST", "a.png/content")):
            response = c.request(method, f"{ONE}/{path}", json=details(file=FILE))
            assert response.status_code == 400, response.text
            assert response.json()["message"] == "Contracts not configured"
            assert missing in response.json()["cause"]
