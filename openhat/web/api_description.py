"""What every route of the HAT API takes and answers, for the OpenAPI document (`openapi`).

One `Op` per route, in the order of `routes.py`. To describe a new route, add its `Op` here
(and any new body schema to `api_schemas.SCHEMAS`); `tests/api/test_openapi.py` fails until
every served route is described.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openhat.web.api_schemas import ANY, BOOLEAN, STRING, Schema, array, ref

V26 = "/api/v2.6"
V2 = "/api/v2"

PATH_PARAMETERS: dict[str, Schema] = {
    "namespace": {"type": "string", "pattern": "^[0-9a-z-]+$"},
    "endpoint": {"type": "string", "pattern": "^[0-9a-z-]+(/[0-9a-z-]+)*$",
                 "description": "may contain `/` (sub-endpoints)"},
    "record_id": {"type": "string", "format": "uuid"},
    "name": {"type": "string", "pattern": "^[0-9a-z/-]+$"},
    "bundle_id": {"type": "string", "pattern": "^[0-9a-zA-Z-]+$"},
    "debit_key": {"type": "string", "pattern": "^[0-9a-zA-Z-]+$"},
    "prefix": {"type": "string", "pattern": "^[0-9a-z-]+(/[0-9a-z-]+)*$"},
    "application_id": {"type": "string", "pattern": "^[0-9A-Za-z][0-9A-Za-z._-]{0,99}$"},
}


@dataclass(frozen=True)
class Param:
    name: str
    schema: Schema
    location: str = "query"
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class Op:
    method: str
    path: str  # OpenAPI template: `{name}` path parameters (see PATH_PARAMETERS)
    summary: str
    tag: str
    returns: Schema | None = None  # the success body
    ok: int = 200
    also_ok: tuple[int, ...] = ()  # other success statuses, with the same body
    auth: bool = True
    body: Schema | None = None
    params: tuple[Param, ...] = ()
    errors: tuple[int, ...] = ()  # beyond those every operation of its kind can answer
    media_type: str = "application/json"
    description: str = ""

    def error_statuses(self) -> list[int]:
        """400 (bad parameters), 404 (unknown HAT); with a token 401 and 403; with a body
        413 and 415; writes with an Idempotency-Key 409 and 422."""
        found = {400, 404, *self.errors}
        if self.auth:
            found |= {401, 403}
        if self.body is not None:
            found |= {413, 415}
        if self.auth and self.method in ("POST", "PUT", "DELETE"):
            found |= {409, 422}
        return sorted(found)

    def operation_id(self) -> str:
        words = re.sub(r"[{}]", "", self.path).replace("/api/", "").replace(".", "")
        return self.method.lower() + "_" + re.sub(r"[^0-9a-zA-Z]+", "_", words).strip("_")

    @property
    def all_params(self) -> tuple[Param, ...]:
        if self.auth and self.method in ("POST", "PUT", "DELETE"):
            return (*self.params, IDEMPOTENCY_KEY)
        return self.params


IDEMPOTENCY_KEY = Param("Idempotency-Key", {"type": "string", "minLength": 1,
                                            "maxLength": 255}, location="header",
                        description="openhat: a retry with the same key gets the first answer")
PAGING = (Param("orderBy", STRING, description="dot path into `data`"),
          Param("ordering", STRING, description="`descending` for descending order"),
          Param("skip", {"type": "integer", "minimum": 0}),
          Param("take", {"type": "integer", "minimum": 0}))
SKIP_ERRORS = Param("skipErrors", BOOLEAN, description="store what can be stored")
RECORDS = Param("records", array({"type": "string", "format": "uuid"}),
                description="record ids, repeated or comma-joined")
RECORDS_LIST = array(ref("EndpointData"))
MESSAGE = ref("SuccessResponse")


def data_ops(prefix: str) -> list[Op]:
    """The rich data routes (spec 3)."""
    p, tag = prefix, "data"
    one = f"{p}/data/{{namespace}}/{{endpoint}}"
    return [
        Op("GET", f"{p}/data/sources", "Endpoints holding records, by namespace", tag,
           ref("Sources")),
        Op("GET", one, "Records of one endpoint", tag, RECORDS_LIST, params=PAGING,
           description="Any other query parameter filters the records (see docs/api.md)."),
        Op("POST", one, "Store a record (an array: one per element)", tag,
           {"anyOf": [ref("EndpointData"), RECORDS_LIST]}, ok=201, body=ANY,
           params=(SKIP_ERRORS,)),
        Op("DELETE", one, "Delete every record of the endpoint", tag, MESSAGE),
        Op("PUT", f"{p}/data", "Replace the data of records", tag, RECORDS_LIST, ok=201,
           body=array(ref("EndpointDataUpdate"))),
        Op("DELETE", f"{p}/data", "Delete records", tag, MESSAGE, params=(RECORDS,)),
        Op("POST", f"{p}/data-link", "Link records as one group", tag, MESSAGE, ok=201,
           params=(RECORDS,)),
        Op("POST", f"{p}/data-batch", "Store records for several endpoints, with links", tag,
           RECORDS_LIST, ok=201, body=array(ref("EndpointDataIn")), params=(SKIP_ERRORS,)),
        *query_ops(prefix),
        *debit_ops(prefix),
        *feed_ops(prefix),
        *application_ops(prefix),
    ]


def feed_ops(prefix: str) -> list[Op]:
    """The SHE feed (spec 5.2, docs/feed.md)."""
    window = (Param("since", {"type": "integer"}, description="unix seconds"),
              Param("until", {"type": "integer"}, description="unix seconds"))
    items = array(ref("FeedItem"))
    return [
        Op("GET", f"{prefix}/she/feed", "Feed items, newest first", "feed", items,
           params=window),
        Op("GET", f"{prefix}/she/feed/{{prefix}}", "Feed items of endpoints under a prefix",
           "feed", items, params=window),
    ]


def query_ops(prefix: str) -> list[Op]:
    """Combinators and bundles (spec 3.11, 3.12)."""
    p, tag = prefix, "queries"
    return [
        Op("POST", f"{p}/combinator/{{name}}", "Register (or replace) a combinator", tag,
           MESSAGE, ok=201, body=array(ref("EndpointQuery"))),
        Op("GET", f"{p}/combinator/{{name}}", "Records a combinator selects", tag, RECORDS_LIST,
           params=PAGING),
        Op("POST", f"{p}/data-bundle/{{bundle_id}}", "Register (or replace) a bundle", tag,
           MESSAGE, ok=201, body=ref("Bundle")),
        Op("GET", f"{p}/data-bundle/{{bundle_id}}", "Records a bundle selects, by property",
           tag, ref("BundleData")),
        Op("GET", f"{p}/data-bundle/{{bundle_id}}/structure", "A bundle as registered", tag,
           ref("EndpointDataBundle")),
    ]


def debit_ops(prefix: str) -> list[Op]:
    """Data debits: the v2.6 model, or the legacy v2 one (spec 5.1)."""
    base = f"{prefix}/data-debit"
    one = f"{base}/{{debit_key}}"
    tag = "data debits"
    if prefix == V26:
        debit = ref("DataDebit")
        return [
            Op("POST", one, "Create a data debit", tag, debit, ok=201,
               body=ref("DataDebitSetupRequest")),
            Op("PUT", one, "Ask for a new consent", tag, debit, body=ref("DataDebitSetupRequest")),
            Op("GET", one, "A data debit", tag, debit),
            Op("GET", base, "Every data debit", tag, array(debit)),
            Op("GET", f"{one}/values", "The data a data debit gives", tag,
               ref("DataDebitValues")),
            Op("GET", f"{one}/enable", "Accept the newest consent", tag, debit),
            Op("GET", f"{one}/disable", "Cancel the data debit", tag, debit,
               params=(Param("atPeriodEnd", BOOLEAN, required=True),)),
        ]
    debit = ref("RichDataDebit")
    return [
        Op("POST", one, "Create a data debit (v2 model)", tag, debit, ok=201,
           body=ref("DataDebitRequest")),
        Op("PUT", one, "Add a bundle (v2 model)", tag, debit, body=ref("DataDebitRequest")),
        Op("GET", one, "A data debit (v2 model)", tag, debit),
        Op("GET", base, "Every data debit (v2 model)", tag, array(debit)),
        Op("GET", f"{one}/values", "The data a data debit gives (v2 model)", tag,
           ref("DataDebitValues")),
        Op("GET", f"{one}/enable", "Enable the newest bundle (v2 model)", tag, debit),
        Op("GET", f"{one}/enable/{{bundle_id}}", "Enable one bundle (v2 model)", tag, debit),
        Op("GET", f"{one}/disable", "Disable the data debit (v2 model)", tag, debit),
    ]


def application_ops(prefix: str) -> list[Op]:
    """Applications (spec 5.4); registration and removal are openhat's."""
    base = f"{prefix}/applications"
    one = f"{base}/{{application_id}}"
    tag = "applications"
    app = ref("HatApplication")
    ops = [
        Op("GET", base, "Registered applications and their status", tag, array(app)),
        Op("GET", one, "One application's status", tag, app),
        Op("GET", f"{one}/setup", "Set an application up (enable it)", tag, app),
        Op("GET", f"{one}/disable", "Disable an application (its tokens stop working)", tag,
           app),
    ]
    if prefix != V26:
        return ops
    return [
        *ops,
        Op("GET", f"{one}/access-token", "An application token", tag, ref("AccessToken")),
        Op("GET", f"{one}/hmi", "An application's manifest", tag, ref("Application"),
           auth=False),
        Op("POST", base, "Register an application from its manifest (openhat)", tag, app,
           ok=201, also_ok=(200,), body=ref("Application"),
           description="201 for a new application, 200 when it replaces a manifest."),
        Op("DELETE", one, "Remove an application (openhat)", tag, MESSAGE),
    ]


OPERATIONS: list[Op] = [
    Op("GET", "/users/access_token", "Owner login", "authentication", ref("AccessToken"),
       auth=False, errors=(401, 429),
       params=(Param("username", STRING, "header"), Param("password", STRING, "header"))),
    Op("GET", "/users/access_token/validate", "Check a token", "authentication", MESSAGE),
    Op("GET", "/publickey", "The PEM public key that verifies the HAT's tokens",
       "authentication", {"type": "string"}, auth=False, media_type="text/plain"),
    Op("POST", "/control/v2/auth/password", "Change the owner's password", "authentication",
       MESSAGE, body=ref("PasswordChange"), errors=(429,)),
    Op("GET", "/healthz", "Health", "system", ref("Health"), auth=False),
    Op("GET", f"{V26}/healthz", "Health", "system", ref("Health"), auth=False),
    Op("GET", f"{V26}/version", "Version", "system", ref("Version"), auth=False),
    Op("GET", f"{V26}/openapi.json", "This document", "system", {"type": "object"},
       auth=False),
    Op("GET", f"{V26}/data-record/{{record_id}}", "One record", "data", ref("EndpointData")),
    *data_ops(V26),
    *debit_ops(V2),
]
