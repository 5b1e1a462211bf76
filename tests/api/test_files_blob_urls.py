"""The local blob store's signed URLs: every refusal (tampered, expired, for another method or
file, reused, after completion, over the limit, another content type) is a 4xx with the HAT
body and leaves nothing on disk. Local store only: S3 checks its own signatures."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from openhat.clock import now_s
from openhat.config import Settings
from openhat.files.blobs import signature
from openhat.hats.service import NewHat
from openhat.storage.base import Store
from tests.api.test_files import API, PNG, SSE, put_bytes, upload, uploaded
from tests.conftest import DOMAIN, OWNER, PASSWORD

LIMIT = 64 * 1024


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database=database_url, domain=DOMAIN, owner=OWNER, owner_password=PASSWORD,
                    files_dir=str(tmp_path / "blobs"), files_max_bytes=LIMIT)


@pytest.fixture
def blobs(tmp_path: Path, hat: NewHat) -> Path:
    return tmp_path / "blobs" / hat.hat.hat_id


def stored(blobs: Path) -> list[str]:
    """Every file the local store holds for the HAT (uploads in progress included)."""
    return sorted(str(p.relative_to(blobs)) for p in blobs.rglob("*") if p.is_file()) \
        if blobs.exists() else []


def signed(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def with_query(path: str, **query: object) -> str:
    return path + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def test_content_url_points_at_the_hat_itself(owner: TestClient) -> None:
    url = upload(owner)["contentUrl"]
    assert url.startswith(f"http://{DOMAIN}/api/v2.6/files/blob/testtestfile.png?expires=")


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


# An expiry is ASCII digits only: `²` passes str.isdigit() but not int() (it was a 500), and
# the same moment in other digits or with a sign would reuse a signature made for other text.
@pytest.mark.parametrize("tamper", ["signature", "expires", "file", "unsigned", "hex-case",
                                    "superscript", "other-digits", "sign", "space"])
def test_a_tampered_upload_url_is_refused(owner: TestClient, blobs: Path, tamper: str) -> None:
    path, query = signed(upload(owner)["contentUrl"])
    other = upload(owner, {"name": "other.png", "source": "test"})["fileId"]
    if tamper == "signature":
        query["signature"] = ("0" if query["signature"][0] != "0" else "1") \
            + query["signature"][1:]
    elif tamper == "expires":
        query["expires"] = str(int(query["expires"]) + 3600)
    elif tamper == "file":
        path = path.rsplit("/", 1)[0] + "/" + other
    elif tamper == "unsigned":
        query = {}
    elif tamper == "superscript":
        query["expires"] = "²"
    elif tamper == "other-digits":
        query["expires"] = query["expires"].translate(ARABIC_INDIC)
    elif tamper in ("sign", "space"):
        query["expires"] = ("+" if tamper == "sign" else "%20") + query["expires"]
    else:
        query["signature"] = query["signature"].upper()
    response = put_bytes(owner, with_query(path, **query) if query else path)
    assert response.status_code == 403
    assert response.json()["message"] == "Forbidden"
    assert stored(blobs) == []


def test_an_expired_url_is_refused(owner: TestClient, store: Store, hat: NewHat,
                                   blobs: Path) -> None:
    file_id = upload(owner)["fileId"]
    secret = store.files.secret(hat.hat.hat_id)
    assert secret is not None
    expired = now_s() - 1
    url = with_query(f"{API}/files/blob/{file_id}", expires=expired,
                     signature=signature(secret, "PUT", hat.hat.hat_id, file_id, expired))
    response = put_bytes(owner, url)
    assert response.status_code == 403
    assert response.json() == {"message": "Forbidden", "cause": "The URL has expired"}
    assert stored(blobs) == []


def test_urls_are_for_one_method_and_one_hat(owner: TestClient, store: Store,
                                             hat: NewHat) -> None:
    done = uploaded(owner)
    download = owner.get(f"{API}/files/file/{done['fileId']}").json()["contentUrl"]
    assert put_bytes(owner, download).status_code == 403  # a GET URL takes no PUT
    upload_url = upload(owner)["contentUrl"]
    assert owner.get(upload_url).status_code == 403  # a PUT URL serves nothing
    path, query = signed(download)
    foreign = signature(b"another HAT's secret".ljust(32), "GET", hat.hat.hat_id,
                        done["fileId"], int(query["expires"]))
    assert owner.get(with_query(path, expires=query["expires"], signature=foreign)
                     ).status_code == 403


def test_a_used_url_and_a_completed_file_take_no_more_bytes(owner: TestClient,
                                                            blobs: Path) -> None:
    started = upload(owner)
    assert put_bytes(owner, started["contentUrl"]).status_code == 200
    again = put_bytes(owner, started["contentUrl"], b"replaced")
    assert again.status_code == 409
    assert again.json()["message"] == "Conflict"
    owner.put(f"{API}/files/file/{started['fileId']}/complete")
    after = put_bytes(owner, started["contentUrl"], b"replaced")
    assert after.status_code == 409
    assert stored(blobs) == [started["fileId"]]
    assert (blobs / started["fileId"]).read_bytes() == PNG


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_body_over_the_limit_is_refused_and_not_kept(owner: TestClient, blobs: Path,
                                                       declared: bool) -> None:
    url = upload(owner)["contentUrl"]
    big = b"x" * (LIMIT + 1)
    content = big if declared else iter([big[:LIMIT], big[LIMIT:]])
    response = owner.put(url, content=content, headers={"Content-Type": "image/png", **SSE})
    assert response.status_code == 413
    assert response.json()["error"] == "Payload Too Large"
    assert stored(blobs) == []
    assert put_bytes(owner, url, b"x" * LIMIT).status_code == 200  # the limit itself is fine


def test_the_declared_content_type_is_required(owner: TestClient, blobs: Path) -> None:
    url = upload(owner, {"name": "a.pdf", "source": "test", "contentType": "application/pdf"}
                 )["contentUrl"]
    wrong = put_bytes(owner, url, b"%PDF", content_type="image/png")
    assert wrong.status_code == 400
    assert stored(blobs) == []
    assert put_bytes(owner, url, b"%PDF", content_type="application/pdf").status_code == 200


def test_a_deleted_file_takes_no_bytes(owner: TestClient, blobs: Path) -> None:
    started = upload(owner)
    assert owner.delete(f"{API}/files/file/{started['fileId']}").status_code == 200
    assert put_bytes(owner, started["contentUrl"]).status_code == 409
    assert stored(blobs) == []


def test_downloads_need_a_complete_file(owner: TestClient, store: Store, hat: NewHat) -> None:
    file_id = upload(owner)["fileId"]
    secret = store.files.secret(hat.hat.hat_id)
    assert secret is not None
    later = now_s() + 60
    url = with_query(f"{API}/files/blob/{file_id}", expires=later,
                     signature=signature(secret, "GET", hat.hat.hat_id, file_id, later))
    assert owner.get(url).status_code == 404


def test_the_sdk_headers_are_allowed_by_cors(client: TestClient) -> None:
    response = client.options(f"{API}/files/blob/x.png", headers={
        "Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type,x-amz-server-side-encryption"})
    assert response.status_code == 200
    assert "x-amz-server-side-encryption" in response.headers[
        "access-control-allow-headers"].lower()


def test_content_is_served_under_the_security_headers(owner: TestClient) -> None:
    """An uploaded HTML file must not run script in the HAT's origin."""
    page = b"<script>alert(document.cookie)</script>"
    done = uploaded(owner, {"name": "page.html", "source": "test", "contentType": "text/html"},
                    data=page, content_type="text/html")
    response = owner.get(owner.get(f"{API}/files/file/{done['fileId']}").json()["contentUrl"])
    assert response.content == page
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert response.headers["x-content-type-options"] == "nosniff"
    head = owner.head(owner.get(f"{API}/files/file/{done['fileId']}").json()["contentUrl"])
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(page)
