"""Webhooks: the change log delivered by POST to a callback URL (docs/events.md).

An application (with its own token) or the owner registers a URL for endpoints it may read.
Each process looks for webhooks with undelivered events every `POLL_S`; a lease in the
webhook's row makes one process deliver at a time. A delivery is a JSON batch of events,
signed with HMAC-SHA256 under the webhook's secret; a failure (anything but a 2xx, within
the timeout, redirects included) is tried again after a backoff doubling from
`retry_s` to an hour. Only https URLs of public addresses are called (checked at
registration and before every delivery); `allow_loopback` admits http on loopback, for
tests. An application's webhooks deliver only while it is enabled, and only what it may read
then; removing it removes them. An application's manifest may ask for webhooks too
(`webhooks`, an openhat field): setting the application up registers those it does not have
yet, in the set-up's unit of work (`attach`); the application then asks for their secret
(`new_secret`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson

from openhat import outbound
from openhat.applications import service as applications
from openhat.applications.manifests import parse_manifest
from openhat.clock import now_ms, now_s
from openhat.errors import BadRequest, NotFound
from openhat.events import ApplicationSetUp
from openhat.identity.permissions import OWNER, Principal
from openhat.notifications.changes import Change, Reader, Selection, read_after, reader
from openhat.storage.base import Store, Tx
from openhat.storage.rows import User, Webhook
from openhat.wire import Json, parse_json

log = logging.getLogger("openhat.webhooks")

SIGNATURE_HEADER = "X-Openhat-Signature"
EVENTS_PER_DELIVERY = 100
LEASE_MS = 60_000
TIMEOUT_S = 10.0
MAX_BACKOFF_S = 3600


@dataclass(frozen=True)
class DeliveryRules:
    retry_s: int  # the first backoff; it doubles per failed attempt, up to an hour
    allow_loopback: bool  # http and loopback addresses allowed (tests)


def check_url(url: str, allow_loopback: bool) -> None:
    """Raises BadRequest unless `url` is https and every address of its host is public
    (with `allow_loopback`, http and loopback addresses too)."""
    parts = urlsplit(url)
    if parts.scheme not in (("https", "http") if allow_loopback else ("https",)) \
            or not parts.hostname or parts.username or parts.password:
        raise BadRequest("Webhook URL must be https://host/path (no credentials)")
    try:
        found = [ip for _, ip in outbound.resolve(parts.hostname, parts.port or 443)]
    except LookupError:
        raise BadRequest(f"Webhook host {parts.hostname} does not resolve") from None
    if not all(ip.is_global or (allow_loopback and ip.is_loopback) for ip in found):
        raise BadRequest(f"Webhook host {parts.hostname} is not a public address")
    if parts.scheme == "http" and not all(ip.is_loopback for ip in found):
        raise BadRequest("Webhook URL must be https")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def webhook_json(hook: Webhook, with_secret: bool = False) -> Json:
    out: Json = {"id": hook.webhook_id, "url": hook.url, "endpoints": list(hook.endpoints),
                 "application": hook.application_id or None,
                 "deliveredThrough": hook.delivered_through, "attempts": hook.attempts,
                 "lastError": hook.last_error}
    if with_secret:
        out["secret"] = hook.secret
    return out


def register(store: Store, hat_id: str, application_id: str, user: User,
             principal: Principal, url: str, wanted: Selection, rules: DeliveryRules) -> Json:
    """A new webhook of `application_id` ('': the owner's) for events after the newest
    one, answered with its secret (shown only here). Raises BadRequest (the URL) or
    Forbidden (endpoints the caller may not read)."""
    wanted.check(reader(store, hat_id, user, principal))
    check_url(url, rules.allow_loopback)
    with store.write(hat_id) as tx:
        hook = _add(tx, hat_id, application_id, url, wanted.prefixes)
    return webhook_json(hook, with_secret=True)


def _add(tx: Tx, hat_id: str, application_id: str, url: str,
         endpoints: tuple[str, ...]) -> Webhook:
    """A new webhook with a new secret, for the events after the newest one."""
    hook = Webhook(str(uuid.uuid4()), application_id, url, endpoints, secrets.token_urlsafe(32),
                   tx.changes.counter(hat_id).last_id, 0, 0, None, now_ms())
    tx.webhooks.add(hat_id, hook)
    return hook


def attach(store: Store, allow_loopback: bool) -> None:
    """Register, inside every unit of work that sets an application up, the webhooks its
    manifest asks for and it does not have yet (the same URL and endpoints): a URL that is
    not allowed, or endpoints its grants do not let it read, fail the set-up (400, 403)."""

    def within(tx: Tx) -> None:
        for event in tx.events:
            if isinstance(event, ApplicationSetUp):
                _from_manifest(tx, event.hat_id, event.application_id, allow_loopback)

    store.subscribe_within(within)


def _from_manifest(tx: Tx, hat_id: str, application_id: str, allow_loopback: bool) -> None:
    found = tx.applications.get(hat_id, application_id)
    if found is None:
        return
    manifest = parse_manifest(parse_json(found.manifest))
    app = Reader(Principal(frozenset(), None, application_id, app_enabled=True,
                           app_roles=manifest.roles))
    have = {(h.url, h.endpoints) for h in tx.webhooks.all(hat_id, application_id)}
    for hook in manifest.webhooks:
        check_url(hook.url, allow_loopback)
        Selection(hook.endpoints).check(app)
        if (hook.url, hook.endpoints) not in have:
            _add(tx, hat_id, application_id, hook.url, hook.endpoints)
            have.add((hook.url, hook.endpoints))


def new_secret(store: Store, hat_id: str, webhook_id: str, application_id: str | None) -> Json:
    """Sign the webhook's deliveries with a new secret from now on, and answer it (the one
    way to learn the secret of a webhook a manifest registered). Raises NotFound unless the
    webhook exists (and is `application_id`'s, when given)."""
    secret = secrets.token_urlsafe(32)
    with store.write(hat_id) as tx:
        if not tx.webhooks.set_secret(hat_id, webhook_id, application_id, secret):
            raise NotFound(f"Webhook {webhook_id} not found")
        hook = next(h for h in tx.webhooks.all(hat_id, application_id)
                    if h.webhook_id == webhook_id)
    return webhook_json(hook, with_secret=True)


def listed(store: Store, hat_id: str, application_id: str | None) -> list[Json]:
    return [webhook_json(h) for h in store.webhooks.all(hat_id, application_id)]


def remove(store: Store, hat_id: str, webhook_id: str, application_id: str | None) -> None:
    """Raises NotFound unless the webhook exists (and is `application_id`'s, when given)."""
    with store.write(hat_id) as tx:
        if not tx.webhooks.remove(hat_id, webhook_id, application_id):
            raise NotFound(f"Webhook {webhook_id} not found")


def _reader(store: Store, hat_id: str, hook: Webhook) -> Reader | None:
    if not hook.application_id:
        return Reader(Principal(frozenset({OWNER})))
    roles = applications.enabled_roles(store, hat_id, hook.application_id)
    return None if roles is None else Reader(Principal(
        frozenset(), None, hook.application_id, app_enabled=True, app_roles=roles))


def _pending(store: Store, hat_id: str, hook: Webhook) -> tuple[list[Change], int] | None:
    """The events to deliver next and the cursor after them; None while the application
    is not enabled."""
    found = _reader(store, hat_id, hook)
    if found is None:
        return None
    cursor = max(hook.delivered_through, store.changes.counter(hat_id).pruned_through)
    changes: list[Change] = []
    while len(changes) < EVENTS_PER_DELIVERY:
        batch = read_after(store, hat_id, cursor, found, Selection(hook.endpoints))
        changes += batch.changes
        if batch.cursor == cursor:
            break
        cursor = batch.cursor
        if batch.access_changed:
            found = _reader(store, hat_id, hook)
            if found is None:
                break
    return changes, cursor


def _post(hook: Webhook, body: bytes, rules: DeliveryRules) -> None:
    """POST the body; raises OSError (urllib's errors included) or ValueError on failure."""
    check_url(hook.url, rules.allow_loopback)
    request = urllib.request.Request(hook.url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "openhat-webhooks",
        SIGNATURE_HEADER: signature(hook.secret, now_s(), body)})
    with _OPENER.open(request, timeout=TIMEOUT_S) as response:
        if not 200 <= response.status < 300:
            raise ValueError(f"answered {response.status}")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is a failure: it could lead to an address the URL check refused."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def deliver_due(store: Store, rules: DeliveryRules) -> int:
    """Deliver (or try again) every due webhook of the store's HATs; returns how many
    deliveries succeeded."""
    delivered = 0
    now = now_ms()
    for hat_id, hook in store.webhooks.due(now):
        with store.write(hat_id) as tx:
            if not tx.webhooks.lease(hat_id, hook.webhook_id, now, now + LEASE_MS):
                continue
        pending = _pending(store, hat_id, hook)
        error = "the application is not enabled"
        if pending is not None and not pending[0]:
            with store.write(hat_id) as tx:
                tx.webhooks.delivered(hat_id, hook.webhook_id, pending[1])
            continue
        if pending is not None:
            body = orjson.dumps({"webhook": hook.webhook_id, "events": [
                {"id": c.event_id, "event": c.kind, **c.payload()} for c in pending[0]]})
            try:
                _post(hook, body, rules)
                with store.write(hat_id) as tx:
                    tx.webhooks.delivered(hat_id, hook.webhook_id, pending[1])
                delivered += 1
                continue
            except (OSError, ValueError, BadRequest) as exc:
                error = str(exc)[:500]
        backoff_s = min(rules.retry_s * 2 ** hook.attempts, MAX_BACKOFF_S)
        with store.write(hat_id) as tx:
            tx.webhooks.failed(hat_id, hook.webhook_id, error, now_ms() + backoff_s * 1000)
        log.info("webhook %s delivery failed (%s); next try in %d s", hook.webhook_id, error,
                 backoff_s)
    return delivered
