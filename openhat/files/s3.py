"""S3-compatible storage for file contents: objects `<hat_id>/<file_id>` in one bucket, read
and written by clients through pre-signed URLs (SigV4), so the bytes never pass through
openhat. Configured by `--files-url s3://BUCKET?endpoint=URL&region=NAME`; credentials
come from boto3's usual sources (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, ...)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

from openhat.clock import now_s
from openhat.files.blobs import CHUNK_BYTES, BlobInfo, BlobStore, Place


class S3Blobs(BlobStore):
    def __init__(self, url: str) -> None:
        try:
            import boto3
            from botocore.config import Config
        except ImportError as exc:
            raise ValueError("S3 storage needs boto3: pip install 'openhat[s3]'") from exc
        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        unknown = set(query) - {"endpoint", "region"}
        if not parts.netloc or parts.path not in ("", "/") or unknown:
            raise ValueError(f"--files-url must be s3://BUCKET[?endpoint=URL&region=NAME],"
                             f" not {url!r}")
        self.bucket = parts.netloc
        endpoint = query.get("endpoint")
        # A custom endpoint (MinIO, Garage, a test server) is addressed by path; AWS by host.
        config = Config(signature_version="s3v4",
                        s3={"addressing_style": "path" if endpoint else "auto"})
        self._client: Any = boto3.client("s3", endpoint_url=endpoint,
                                         region_name=query.get("region", "us-east-1"),
                                         config=config)
        self._missing = self._client.exceptions.ClientError
        # Signing is local: a URL signed now shows the host every signed URL uses.
        signed = urlsplit(self._presign("get_object", {"Bucket": self.bucket, "Key": "x"},
                                        now_s() + 60))
        self.origin = f"{signed.scheme}://{signed.netloc}"

    def _key(self, hat_id: str, file_id: str) -> str:
        return f"{hat_id}/{file_id}"

    def upload_url(self, place: Place, file_id: str, content_type: str | None,
                   expires_s: int) -> str:
        """Signed for server-side encryption (AES256) and, when given, the content type, as
        the original: the client must send those headers (hat-js does)."""
        params = {"Bucket": self.bucket, "Key": self._key(place.hat_id, file_id),
                  "ServerSideEncryption": "AES256"}
        if content_type is not None:
            params["ContentType"] = content_type
        return self._presign("put_object", params, expires_s)

    def download_url(self, place: Place, file_id: str, expires_s: int) -> str:
        return self._presign("get_object", {"Bucket": self.bucket,
                                            "Key": self._key(place.hat_id, file_id)}, expires_s)

    def _presign(self, operation: str, params: dict[str, str], expires_s: int) -> str:
        return str(self._client.generate_presigned_url(
            operation, Params=params, ExpiresIn=max(1, expires_s - now_s())))

    def stat(self, hat_id: str, file_id: str) -> BlobInfo | None:
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=self._key(hat_id, file_id))
        except self._missing as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return BlobInfo(int(head["ContentLength"]), head.get("ContentType"))

    def delete(self, hat_id: str, file_id: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=self._key(hat_id, file_id))

    def remove_hat(self, hat_id: str) -> None:
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._key(hat_id, ""))
        for page in pages:
            keys = [{"Key": found["Key"]} for found in page.get("Contents", [])]
            if keys:  # a page holds at most 1,000 keys: one delete_objects call's limit
                self._client.delete_objects(Bucket=self.bucket,
                                            Delete={"Objects": keys, "Quiet": True})

    def read(self, hat_id: str, file_id: str) -> Iterator[bytes]:
        try:
            got = self._client.get_object(Bucket=self.bucket, Key=self._key(hat_id, file_id))
        except self._client.exceptions.NoSuchKey:
            raise FileNotFoundError(f"{hat_id}/{file_id}") from None
        yield from got["Body"].iter_chunks(CHUNK_BYTES)

    def put(self, hat_id: str, file_id: str, chunks: Iterable[bytes]) -> None:
        """Streamed by boto3 (a multipart upload for large files); server-side encrypted,
        as the uploads clients make."""
        if self.stat(hat_id, file_id) is not None:
            raise FileExistsError(f"{hat_id}/{file_id}")
        self._client.upload_fileobj(_Reader(iter(chunks)), self.bucket,
                                    self._key(hat_id, file_id),
                                    ExtraArgs={"ServerSideEncryption": "AES256"})


class _Reader(io.RawIOBase):
    """Chunks as a readable stream, for boto3's upload_fileobj."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._left:
            self._left = next(self._chunks, b"")
            if not self._left:
                return 0
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        return n
