"""Asking the adjudicator for the public key that signs a contract's short-lived tokens.

The original asks `GET {adjudicator}/v1/contracts/hat/kid/{keyId}`, authorised with a JWT
(HS256, the HAT's shared secret) naming the HAT and the contract, and reads the key as a JSON
array of bytes. openhat asks the same; the claims of that request JWT are `hatName` and
`contractId` (the original's claim builder lives in a library whose source is not public).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import httpx
import jwt
import orjson

from openhat.clock import now_s
from openhat.errors import MessageError

TIMEOUT_S = 10.0
REQUEST_LIFETIME_S = 60


class ContractsNotConfigured(MessageError):
    status = 400
    title = "Contracts not configured"


class AdjudicatorFailed(MessageError):
    status = 502
    title = "Adjudicator unavailable"


@dataclass(frozen=True)
class Adjudicator:
    url: str
    secret: str

    @classmethod
    def configured(cls, url: str, secret: str) -> Adjudicator:
        """The adjudicator the settings name. Raises ContractsNotConfigured naming the
        missing setting."""
        for value, flag, env in ((url, "--adjudicator-url", "OPENHAT_ADJUDICATOR_URL"),
                                 (secret, "--adjudicator-secret",
                                  "OPENHAT_ADJUDICATOR_SECRET")):
            if not value.strip():
                raise ContractsNotConfigured(
                    f"Contract tokens are verified by an adjudicator: set {flag} ({env})")
        return cls(url.rstrip("/"), secret)

    def public_key(self, hat_name: str, contract_id: str, key_id: str) -> bytes:
        """The key's bytes (PEM or DER). Raises AdjudicatorFailed."""
        now = now_s()
        claim = jwt.encode({"hatName": hat_name, "contractId": contract_id, "iat": now,
                            "exp": now + REQUEST_LIFETIME_S}, self.secret, algorithm="HS256")
        url = f"{self.url}/v1/contracts/hat/kid/{quote(key_id, safe='')}"
        try:
            response = httpx.get(url, headers={"Authorization": f"Bearer {claim}"},
                                 timeout=TIMEOUT_S, follow_redirects=False, trust_env=False)
        except httpx.HTTPError as exc:
            raise AdjudicatorFailed(f"The Adjudicator Service could not be reached:"
                                    f" {type(exc).__name__}") from None
        if response.status_code != 200:
            raise AdjudicatorFailed(f"The Adjudicator Service responded with an error:"
                                    f" {response.status_code}")
        try:
            values = orjson.loads(response.content)
            return bytes(values) if isinstance(values, list) else b""
        except (orjson.JSONDecodeError, TypeError, ValueError):
            return b""
