"""Debit requests and a second user (the original's dataDebitUser) for the debit tests."""

from __future__ import annotations

import time
from typing import Any

from starlette.testclient import TestClient

from openhat.hats.service import NewHat
from openhat.identity import users
from openhat.storage.base import Store
from tests.api.hat_fixtures import M1, M2
from tests.conftest import PASSWORD, login


def bundle(name: str, complex_endpoint: str = "test/complex") -> dict[str, Any]:
    """testBundle (spec 7.2 #14): `test` (M1, by newField, 3) and `complex` (M2, 1)."""
    return {"name": name, "bundle": {
        "test": {"endpoints": [{"endpoint": "test/test", "mapping": M1}],
                 "orderBy": "data.newField", "limit": 3},
        "complex": {"endpoints": [{"endpoint": complex_endpoint, "mapping": M2}], "limit": 1},
    }}


def condition(name: str, value: str) -> dict[str, Any]:
    return {"name": name, "bundle": {"test": {"endpoints": [{"endpoint": "test/test",
            "filters": [{"field": "field", "operator": {"operator": "contains",
                                                        "value": value}}]}]}}}


def iso(offset_days: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + offset_days * 86400))


def legacy_request(bundle_name: str = "testBundle",
                   conditions: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"bundle": bundle(bundle_name), "startDate": iso(-0.01),
                            "endDate": iso(3), "rolling": False}
    if conditions is not None:
        body["conditions"] = conditions
    return body


def setup_request(bundle_name: str = "ddbundle", conditions: dict[str, Any] | None = None,
                  **changes: Any) -> dict[str, Any]:
    """A DataDebitSetupRequest starting a minute ago, for 30 days."""
    body: dict[str, Any] = {
        "dataDebitKey": "dd", "purpose": "testing", "start": iso(-1 / 1440),
        "period": 30 * 86_400_000, "cancelAtPeriodEnd": False, "requestClientName": "Tester",
        "requestClientUrl": "https://tester.example", "requestClientLogoUrl":
        "https://tester.example/logo.png", "requestDescription": "A test debit",
        "termsUrl": "https://tester.example/terms", "bundle": bundle(bundle_name)}
    if conditions is not None:
        body["conditions"] = conditions
    body.update(changes)
    return body


def add_user(store: Store, hat: NewHat, username: str, roles: tuple[str, ...]) -> None:
    with store.write() as tx:
        tx.users.add(users.new_user(hat.hat.hat_id, username, PASSWORD, roles))


def user_token(client: TestClient, store: Store, hat: NewHat, username: str,
               roles: tuple[str, ...]) -> str:
    add_user(store, hat, username, roles)
    return login(client, username)
