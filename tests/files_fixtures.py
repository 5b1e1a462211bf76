"""Blob stores for the files tests: the local store in the test's folder, and S3-compatible
storage on moto's standalone server, started once per test process on a loopback port (a
real HTTP S3 endpoint, not an in-process mock)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import Any

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from tests.servers import free_port

S3_ENV = {"AWS_ACCESS_KEY_ID": "openhat-test", "AWS_SECRET_ACCESS_KEY": "openhat-test",
          "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free loopback port, for the whole test process."""
    from moto.server import ThreadedMotoServer

    saved = {key: os.environ.get(key) for key in S3_ENV}
    os.environ.update(S3_ENV)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def new_bucket(endpoint: str) -> str:
    import boto3

    bucket = f"openhat-{secrets.token_hex(6)}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(
        Bucket=bucket)
    return bucket


def files_url(kind: str, request: pytest.FixtureRequest) -> str:
    """The `--files-url` of a blob store kind: '' (local) or a new bucket on moto."""
    if kind == "local":
        return ""
    endpoint = request.getfixturevalue("s3_endpoint")
    return f"s3://{new_bucket(endpoint)}?endpoint={endpoint}"


def send(client: TestClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """A request to a signed URL: into the app when it points at the HAT, else over HTTP
    (S3), as a client without a token would send it."""
    if url.startswith(("/", str(client.base_url).rstrip("/") + "/")):
        headers = {k: v for k, v in kwargs.pop("headers", {}).items()}
        return client.request(method, url, headers={"X-Auth-Token": "", **headers},
                              **kwargs)
    return httpx.request(method, url, **kwargs)
