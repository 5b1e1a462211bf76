"""The application proxy (`/api/v2.6/applications/{id}/proxy/{path}`): a request of the
owner's (or of an application granted `applicationmanage:{id}`) forwarded to the API base URL
the application's manifest declares (`kind.url`), with an application token of its own.

What keeps it from being an open relay into the HAT's network: the target must be https and
every address its host resolves to public (`--proxy-allow-private` lifts both, for tests);
the connection goes to the address that was checked (the name is kept for TLS and `Host`),
so a DNS answer that changes between the check and the connect cannot redirect it; redirects
are not followed; nothing of the caller's request but its query, JSON body and method goes
on (no cookie, no header, not the caller's token); answers larger than `--proxy-max-bytes`
and slower than `--proxy-timeout` become 502 and 504.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import orjson

from openhat import outbound
from openhat.applications import service as applications
from openhat.applications.manifests import APPLICATION_ID
from openhat.errors import ApplicationNotFound, MessageError
from openhat.identity import tokens
from openhat.storage.base import Store
from openhat.storage.rows import Hat, SigningKey, User

METHODS = ("GET", "POST", "PUT", "PATCH", "HEAD", "DELETE", "OPTIONS")


class ApplicationNotActive(MessageError):
    status = 400
    title = "Application not active"


class ProxyFailed(MessageError):
    """The application's API could not be asked, or its answer not passed on."""

    status = 502
    title = "Application API unavailable"


class ProxyTimeout(MessageError):
    status = 504
    title = "Application API timed out"


@dataclass(frozen=True)
class Limits:
    allow_private: bool
    timeout_s: float
    max_bytes: int


@dataclass(frozen=True)
class Forwarded:
    """What the proxy asks of the application's API."""

    method: str
    path: str
    query: list[tuple[str, str]]
    body: bytes | None  # JSON text, or None


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def _base_url(store: Store, hat_id: str, application_id: str) -> str:
    found = (store.applications.get(hat_id, application_id)
             if APPLICATION_ID.fullmatch(application_id) else None)
    if found is None:
        raise ApplicationNotFound(application_id)
    if not found.enabled:
        raise ApplicationNotActive(f"Application {application_id} does not appear to be"
                                   " activated by the user")
    kind = orjson.loads(found.manifest).get("kind")
    url = kind.get("url") if isinstance(kind, dict) else None
    if not isinstance(url, str) or not url:
        raise ProxyFailed(f"Application {application_id} declares no API URL (kind.url)")
    return url


def checked_address(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to for `host`: the first it resolves to, once every address
    it resolves to is public. Raises ProxyFailed."""
    try:
        addresses = outbound.resolve(host, port)
    except LookupError:
        raise ProxyFailed(f"The application API host {host} does not resolve") from None
    if not allow_private and not all(ip.is_global for _, ip in addresses):
        raise ProxyFailed(f"The application API host {host} resolves to a non-public"
                          f" address")
    return addresses[0][0]


def target(base_url: str, path: str, allow_private: bool) -> tuple[str, str, int]:
    """(URL with the checked address in place of the name, host name, port). Raises
    ProxyFailed for a URL the proxy may not ask."""
    parts = urlsplit(base_url.rstrip("/") + "/" + path.lstrip("/"))
    allowed = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed or not parts.hostname or parts.username or parts.password:
        raise ProxyFailed("The application API URL must be https, with a host and no"
                          " credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ProxyFailed("The application API URL has an invalid port") from None
    address = checked_address(parts.hostname, port, allow_private)
    netloc = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", "")), parts.hostname, port


def forward(store: Store, hat: Hat, keys: list[SigningKey], lifetimes: tokens.Lifetimes,
            user: User, application_id: str, request: Forwarded, limits: Limits) -> Answer:
    """Ask the application's API; its status and body (at most `limits.max_bytes`).
    Raises ApplicationNotFound (404), ApplicationNotActive (400), ProxyFailed (502),
    ProxyTimeout (504)."""
    base = _base_url(store, hat.hat_id, application_id)
    claims = applications.token_claims(store, hat.hat_id, application_id)
    token = tokens.issue(keys, hat.domain, user, claims, lifetimes)
    url, host, port = target(base, request.path, limits.allow_private)
    default_port = port == (443 if url.startswith("https") else 80)
    headers = {"Host": host if default_port else f"{host}:{port}", "x-auth-token": token,
               "Accept": "application/json"}
    if request.body is not None:
        headers["Content-Type"] = "application/json"
    extensions: dict[str, Any] = {"sni_hostname": host}
    try:
        with httpx.Client(timeout=limits.timeout_s, follow_redirects=False,
                          trust_env=False) as client, client.stream(
                request.method, url, params=tuple(request.query), content=request.body,
                headers=headers, extensions=extensions) as response:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limits.max_bytes:
                    raise ProxyFailed(f"The application API answered more than"
                                      f" {limits.max_bytes} bytes")
            return Answer(response.status_code, bytes(body))
    except httpx.TimeoutException:
        raise ProxyTimeout(f"The application API did not answer within {limits.timeout_s:g}"
                           " seconds") from None
    except httpx.HTTPError as exc:
        raise ProxyFailed(f"The application API could not be reached: {type(exc).__name__}") \
            from None
