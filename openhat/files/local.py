"""The local blob store: files under one directory, `<dir>/<hat_id>/<file_id>`, served by
openhat itself through signed, expiring URLs (blobs.py).

An upload streams to `<dir>/<hat_id>/.incoming/<random>` (flushed to disk) and is then
hard-linked to its name, which fails if the name exists: a crash never leaves a partial file
under a file's name, and a second upload of the same file is refused, however the two race.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool

from openhat.errors import PayloadTooLarge, UploadConflict
from openhat.files.blobs import BLOB_PATH, CHUNK_BYTES, BlobInfo, BlobStore, Place, signature
from openhat.files.rules import FILE_ID

INCOMING = ".incoming"  # no file id starts with a dot
HAT_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")


class LocalBlobs(BlobStore):
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, hat_id: str, file_id: str) -> Path:
        """Where the file's bytes are kept. Raises ValueError for an id that is no HAT's or
        no file's (so nothing outside the HAT's folder is ever named)."""
        if not HAT_ID.fullmatch(hat_id) or not FILE_ID.fullmatch(file_id):
            raise ValueError(f"not a file of the local blob store: {hat_id}/{file_id}")
        return self.root / hat_id / file_id

    def _url(self, place: Place, method: str, file_id: str, expires_s: int) -> str:
        query = urlencode({"expires": expires_s, "signature": signature(
            place.secret, method, place.hat_id, file_id, expires_s)})
        return f"{place.base_url}{BLOB_PATH}/{file_id}?{query}"

    def upload_url(self, place: Place, file_id: str, content_type: str | None,
                   expires_s: int) -> str:
        return self._url(place, "PUT", file_id, expires_s)

    def download_url(self, place: Place, file_id: str, expires_s: int) -> str:
        return self._url(place, "GET", file_id, expires_s)

    def stat(self, hat_id: str, file_id: str) -> BlobInfo | None:
        try:
            return BlobInfo(self.path(hat_id, file_id).stat().st_size, None)
        except FileNotFoundError:
            return None

    def delete(self, hat_id: str, file_id: str) -> None:
        self.path(hat_id, file_id).unlink(missing_ok=True)

    def remove_hat(self, hat_id: str) -> None:
        if not HAT_ID.fullmatch(hat_id):
            raise ValueError(f"not a HAT of the local blob store: {hat_id}")
        shutil.rmtree(self.root / hat_id, ignore_errors=True)

    def read(self, hat_id: str, file_id: str) -> Iterator[bytes]:
        with self.path(hat_id, file_id).open("rb") as source:
            while chunk := source.read(CHUNK_BYTES):
                yield chunk

    def put(self, hat_id: str, file_id: str, chunks: Iterable[bytes]) -> None:
        final = self.path(hat_id, file_id)
        temporary = self._incoming(final)
        try:
            with temporary.open("xb") as out:
                for chunk in chunks:
                    out.write(chunk)
                _flush(out)
            os.link(temporary, final)
        finally:
            temporary.unlink(missing_ok=True)

    @staticmethod
    def _incoming(final: Path) -> Path:
        """A new temporary name in the HAT's folder, to link to `final` when complete."""
        incoming = final.parent / INCOMING
        incoming.mkdir(parents=True, exist_ok=True)
        return incoming / secrets.token_hex(16)

    async def receive(self, hat_id: str, file_id: str, chunks: AsyncIterator[bytes],
                      limit: int) -> int:
        """Stream an upload to the file's name, chunk by chunk (never whole in memory);
        returns its size. Raises PayloadTooLarge past `limit` bytes and UploadConflict when
        the file's bytes are there already; either way nothing is kept."""
        final = self.path(hat_id, file_id)
        temporary = await run_in_threadpool(self._incoming, final)
        size = 0
        try:
            with temporary.open("xb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise PayloadTooLarge(f"File content exceeds {limit} bytes")
                    out.write(chunk)  # into the page cache: microseconds, no thread hop
                await run_in_threadpool(_flush, out)
            try:
                await run_in_threadpool(os.link, temporary, final)
            except FileExistsError:
                raise UploadConflict(f"File {file_id} has been uploaded already") from None
        finally:
            temporary.unlink(missing_ok=True)
        return size


def _flush(out: object) -> None:
    out.flush()  # type: ignore[attr-defined]
    os.fsync(out.fileno())  # type: ignore[attr-defined]
