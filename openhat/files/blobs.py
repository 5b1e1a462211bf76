"""Where file contents live: one small interface over the local blob store (local.py, the
default) and S3-compatible storage (s3.py).

Clients never send file bytes through the JSON API: they PUT them to the file's
`contentUrl` and GET them from a short-lived signed URL, as with the original's S3
pre-signed URLs. The local store signs those URLs itself (HMAC-SHA256 with the HAT's own
secret over the method, the HAT, the file and the expiry) and serves them at
`/api/v2.6/files/blob/{fileId}`; S3 signs its own.
"""

from __future__ import annotations

import hashlib
import hmac
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from openhat.config import Settings

CHUNK_BYTES = 1 << 20  # what reading and copying a file's bytes hold at a time
URL_SECONDS = 300  # a signed URL's life: 5 minutes, as the original's signedUrlExpiry
BLOB_PATH = "/api/v2.6/files/blob"


@dataclass(frozen=True)
class Place:
    """A HAT as its signed URLs see it: its id, the base URL clients reached it at
    (`http://alice.example.com`), and its URL-signing secret."""

    hat_id: str
    base_url: str
    secret: bytes


@dataclass(frozen=True)
class BlobInfo:
    size: int  # bytes
    content_type: str | None  # as the store recorded it (None: the local store keeps none)


class BlobStore(ABC):
    """A file's bytes, by HAT and file id."""

    # Where the store's signed URLs point when not at the HAT itself (`scheme://host[:port]`),
    # for the web app's Content-Security-Policy; None: the HAT's own URLs (the local store).
    origin: str | None = None

    @abstractmethod
    def upload_url(self, place: Place, file_id: str, content_type: str | None,
                   expires_s: int) -> str:
        """An absolute URL that takes one PUT of the file's bytes until `expires_s` (unix
        seconds), with no token. With `content_type`, the PUT must declare that type."""

    @abstractmethod
    def download_url(self, place: Place, file_id: str, expires_s: int) -> str:
        """An absolute URL that serves the file's bytes until `expires_s`, with no token."""

    @abstractmethod
    def stat(self, hat_id: str, file_id: str) -> BlobInfo | None:
        """The size of the file's complete bytes, or None when none have arrived."""

    @abstractmethod
    def delete(self, hat_id: str, file_id: str) -> None:
        """Remove the file's bytes (nothing when there are none)."""

    @abstractmethod
    def remove_hat(self, hat_id: str) -> None:
        """Remove the bytes of every file of the HAT, uploads under way included (the HAT
        is being removed)."""

    @abstractmethod
    def read(self, hat_id: str, file_id: str) -> Iterator[bytes]:
        """The file's complete bytes, in chunks of at most CHUNK_BYTES (an export streams
        them). Raises FileNotFoundError when there are none."""

    @abstractmethod
    def put(self, hat_id: str, file_id: str, chunks: Iterable[bytes]) -> None:
        """Store the file's bytes from `chunks`, streamed (an import writes them). Raises
        FileExistsError, keeping the bytes there, when the file has bytes already."""


def signature(secret: bytes, method: str, hat_id: str, file_id: str, expires_s: int) -> str:
    """The local store's URL signature: hex HMAC-SHA256 over what the URL allows."""
    message = f"{method}\n{hat_id}\n{file_id}\n{expires_s}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def signature_valid(secret: bytes, method: str, hat_id: str, file_id: str, expires_s: int,
                    given: str) -> bool:
    return hmac.compare_digest(signature(secret, method, hat_id, file_id, expires_s), given)


def files_dir(settings: Settings) -> Path:
    """`--files-dir`, or `files` beside the SQLite database (`./openhat-data/files` for
    PostgreSQL)."""
    if settings.files_dir:
        return Path(settings.files_dir)
    if settings.database.startswith("sqlite:///"):
        return Path(settings.database.removeprefix("sqlite:///").split("?")[0]).parent / "files"
    return Path("openhat-data") / "files"


def open_blobs(settings: Settings) -> BlobStore:
    """The blob store `--files-url` names (empty: the local store). Raises ValueError for a
    URL no store takes."""
    if not settings.files_url:
        from openhat.files.local import LocalBlobs

        return LocalBlobs(files_dir(settings))
    if urlsplit(settings.files_url).scheme == "s3":
        from openhat.files.s3 import S3Blobs

        return S3Blobs(settings.files_url)
    raise ValueError(f"--files-url must be empty or s3://BUCKET, not {settings.files_url!r}")
