"""Contract data (spec 5.6): `POST /contract-data/read|create/{ns}/{ep}` and
`PUT /contract-data/update/{ns}`.

A request carries `token` (a short-lived JWT of the contract), `hatName` and `contractId`.
It is allowed when `hatName` names this HAT's owner, the adjudicator hands out the public key
the token's `kid` names and the token verifies with it (signature and expiry), and the
contract, registered on this HAT as an application, is granted the namespace (read for
reads, write for writes). Then the request acts as that application would: reads and
writes are those of the data routes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt
import orjson
from cryptography.hazmat.primitives.serialization import load_der_public_key, load_pem_public_key

from openhat.applications.manifests import APPLICATION_ID, parse_manifest
from openhat.contracts.adjudicator import Adjudicator, AdjudicatorFailed
from openhat.errors import MessageError
from openhat.files.wire import parse_file
from openhat.identity import permissions
from openhat.identity.permissions import OWNER, Principal
from openhat.records import service as records
from openhat.records.wire import EndpointDataIn, parse_endpoint_data_list
from openhat.storage.base import Store
from openhat.storage.query import PageQuery
from openhat.wire import Json

ALGORITHMS = ["RS256", "RS512", "ES256", "ES384", "EdDSA"]


class ContractRefused(MessageError):
    status = 400
    title = "Bad Request"


@dataclass(frozen=True)
class ContractRequest:
    token: str
    hat_name: str
    contract_id: str
    body: Any  # create: any JSON (None: missing); update: [EndpointDataIn]; file: FileIn


def parse_request(value: Any, with_body: str | None = None) -> ContractRequest:
    """The contract details of a body; `with_body` "create" or "update" also reads `body`,
    "file" reads `file` (an ApiHatFile).
    Raises ContractRefused ("Missing Contract Details") when they are absent."""
    if not isinstance(value, dict) or not all(
            isinstance(value.get(k), str) and value.get(k)
            for k in ("token", "hatName", "contractId")):
        raise ContractRefused("The body needs `token`, `hatName` and `contractId`",
                              "Missing Contract Details")
    body = value.get("body")
    if with_body == "update":
        body = parse_endpoint_data_list(body if body is not None else [],
                                        need_record_id=True)
    elif with_body == "file":
        body = parse_file(value.get("file"))
    return ContractRequest(value["token"], value["hatName"], value["contractId"], body)


@dataclass(frozen=True)
class Contract:
    """A verified contract: its grants, and the owner it speaks for."""

    principal: Principal
    owner_id: str


def verify(store: Store, hat_id: str, adjudicator: Adjudicator,
           request: ContractRequest) -> Contract:
    """The contract, once the request is verified (the HAT, the token's signature and
    expiry, the contract registered here). Raises ContractRefused, AdjudicatorFailed."""
    owner = store.users.owner(hat_id)
    if owner is None or request.hat_name != owner.username:
        raise ContractRefused(f"HatName not found: {request.hat_name}", "HatName not found")
    invalid = ContractRefused(f"Token: {request.contract_id}", "Invalid Token")
    try:
        key_id = jwt.get_unverified_header(request.token).get("kid")
    except jwt.PyJWTError:
        raise invalid from None
    if not isinstance(key_id, str) or not key_id:
        raise invalid
    found = (store.applications.get(hat_id, request.contract_id)
             if APPLICATION_ID.fullmatch(request.contract_id) else None)
    if found is None:
        raise invalid
    key_bytes = adjudicator.public_key(request.hat_name, request.contract_id, key_id)
    try:
        key = (load_pem_public_key(key_bytes) if key_bytes.lstrip().startswith(b"-----")
               else load_der_public_key(key_bytes))
    except ValueError:
        raise AdjudicatorFailed("The Adjudicator Service answered a key that is not a"
                                " public key") from None
    try:
        jwt.decode(request.token, key, algorithms=ALGORITHMS,  # type: ignore[arg-type]
                   options={"require": ["exp"], "verify_aud": False})
    except jwt.PyJWTError:
        raise invalid from None
    roles = parse_manifest(orjson.loads(found.manifest)).roles
    return Contract(Principal(frozenset({OWNER}), None, request.contract_id, app_enabled=True,
                              app_roles=roles), owner.user_id)


def _verify(store: Store, hat_id: str, adjudicator: Adjudicator, request: ContractRequest,
            namespace: str, write: bool) -> Principal:
    """The contract as a Principal, once verified and granted `namespace`."""
    contract = verify(store, hat_id, adjudicator, request).principal
    allowed = (permissions.write_namespace if write else permissions.read_namespace)
    if not allowed(contract, namespace):
        raise ContractRefused(f"Namespace Inaccessible: {namespace}", "Namespace Inaccessible")
    return contract


def read(store: Store, hat_id: str, adjudicator: Adjudicator,
         request: ContractRequest, namespace: str, query: PageQuery) -> list[Json]:
    _verify(store, hat_id, adjudicator, request, namespace, write=False)
    return records.read_endpoint(store, hat_id, query)


def create(store: Store, hat_id: str, adjudicator: Adjudicator,
           request: ContractRequest, namespace: str, endpoint: str,
           skip_errors: bool) -> Json | list[Json]:
    _verify(store, hat_id, adjudicator, request, namespace, write=True)
    if request.body is None:
        raise ContractRefused("The contract request has no `body` to store", "Data Missing")
    return records.save_endpoint_data(store, hat_id, endpoint, request.body, skip_errors)


def update(store: Store, hat_id: str, adjudicator: Adjudicator,
           request: ContractRequest, namespace: str) -> list[Json]:
    """The records' endpoints are taken under `namespace`, as the original does."""
    contract = _verify(store, hat_id, adjudicator, request, namespace, write=True)
    items: list[EndpointDataIn] = [
        item._replace(endpoint=f"{namespace}/{item.endpoint}") for item in request.body]
    if not items:
        raise ContractRefused("The contract request has no records to update", "Data Missing")
    return records.update_records(store, hat_id, contract, items)
