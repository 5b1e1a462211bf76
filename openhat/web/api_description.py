"""What every route of the HAT API takes and answers, for the OpenAPI document (`openapi`).

One `Op` per route, in the order of `routes.py`. To describe a new route, add its `Op` here
(and any new body schema to `api_schemas.SCHEMAS`); `tests/api/test_openapi.py` fails until
every served route is described.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openhat.web.api_schemas import ANY, BOOLEAN, STRING, Schema, array, obj, ref

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
    "function_id": {"type": "string"},
    "path": {"type": "string", "description": "the path under the application's API URL"},
    "application_id": {"type": "string", "pattern": "^[0-9A-Za-z][0-9A-Za-z._-]{0,99}$"},
    "file_id": {"type": "string", "pattern": r"^[a-z0-9_-]{1,131}(\.[a-z0-9_-]{1,16})?$",
                "description": "made from the file's source and name"},
    "user_id": {"type": "string", "format": "uuid"},
    "token": {"type": "string", "maxLength": 256},
    "webhook_id": {"type": "string", "format": "uuid"},
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
    body_media_type: str = "application/json"

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
        *function_ops(prefix),
        *application_ops(prefix),
        *file_ops(prefix),
        Op("GET", f"{p}/migrate", "The original's v1 data migration (nothing to migrate)",
           "system", MESSAGE, params=tuple(Param(n, STRING, required=True) for n in (
               "fromSource", "fromTableName", "toNamespace", "toEndpoint"))),
        Op("GET", f"{p}/phata/profile", "The public profile (the `phata` bundle)", "data",
           ref("BundleData"), auth=False),
    ]


def file_ops(prefix: str) -> list[Op]:
    """Files (spec 5.3, docs/files.md)."""
    base, tag = f"{prefix}/files", "files"
    one = f"{base}/file/{{file_id}}"
    file, files, template = ref("ApiHatFile"), array(ref("ApiHatFile")), ref("ApiHatFileIn")
    content = (Param("content", BOOLEAN, required=True,
                     description="whether the user may read the content too"),)
    return [
        Op("POST", f"{base}/upload", "Start an upload: the file's metadata, and the"
           " `contentUrl` to PUT its bytes to", tag, file, body=template),
        Op("POST", f"{base}/search", "Files matching a template", tag, files, body=template),
        Op("PUT", f"{one}/complete", "Mark an uploaded file complete", tag, file),
        Op("GET", one, "A file's metadata (with a `contentUrl` when its content is readable)",
           tag, file),
        Op("PUT", one, "Change a file's name, tags, title and description", tag, file,
           body=template),
        Op("DELETE", one, "Delete a file and its content", tag, file),
        Op("GET", f"{base}/content/{{file_id}}", "Redirect (303) to a short-lived URL of the"
           " content", tag, ok=303, auth=False,
           description="The token is optional: a public file needs none."),
        Op("POST", f"{base}/allowAccess/{{user_id}}", "Grant a user access to the files"
           " matching a template", tag, files, body=template, params=content),
        Op("POST", f"{base}/restrictAccess/{{user_id}}", "Take a user's access to the files"
           " matching a template away", tag, files, body=template),
        Op("GET", f"{base}/allowAccess/{{file_id}}/{{user_id}}", "Grant a user access to a"
           " file", tag, file, params=content),
        Op("GET", f"{base}/restrictAccess/{{file_id}}/{{user_id}}", "Take a user's access to"
           " a file away", tag, file),
        Op("GET", f"{base}/allowAccessPublic/{{file_id}}", "Make a file's content public",
           tag, file),
        Op("GET", f"{base}/restrictAccessPublic/{{file_id}}", "Make a file's content private"
           " again", tag, file),
    ]


SIGNED = (Param("expires", {"type": "string", "pattern": "^[0-9]{1,12}$"}, required=True,
                description="unix seconds"),
          Param("signature", STRING, required=True))
BLOB_OPS = [
    Op("PUT", f"{V26}/files/blob/{{file_id}}", "Upload a file's bytes to its signed"
       " `contentUrl` (local blob store)", "files", auth=False, body={"type": "string",
                                                                     "format": "binary"},
       body_media_type="application/octet-stream", params=SIGNED, errors=(403, 409, 413),
       description="No token: the URL's signature is the authorisation. It answers 404 when"
                   " the files are kept on S3-compatible storage."),
    Op("GET", f"{V26}/files/blob/{{file_id}}", "A file's bytes from a signed URL (local blob"
       " store)", "files", {"type": "string", "format": "binary"}, also_ok=(206,),
       auth=False, params=SIGNED, errors=(403, 416), media_type="application/octet-stream",
       description="Supports `Range` (206)."),
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


def function_ops(prefix: str) -> list[Op]:
    """SHE functions and static data (spec 5.2)."""
    one = f"{prefix}/she/function/{{function_id}}"
    tag = "SHE"
    config = ref("FunctionConfiguration")
    ops = [
        Op("GET", f"{prefix}/she/function", "The SHE functions and their status", tag,
           array(config)),
        Op("GET", one, "One SHE function", tag, config),
        Op("GET", f"{one}/enable", "Enable a SHE function", tag, config),
        Op("GET", f"{one}/disable", "Disable a SHE function", tag, config),
        Op("GET", f"{one}/trigger", "Run a SHE function now", tag, MESSAGE,
           params=(Param("useAll", BOOLEAN, description="over all data, not since the"
                         " last run"),)),
    ]
    if prefix == V26:
        ops.append(Op("GET", f"{prefix}/she/static/{{endpoint}}",
                      "A plug's profile, as static data", tag,
                      array(obj({"name": STRING, "values": {"type": "object"}}))))
    return ops


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
        Op("GET", f"{one}/access-token", "An application token", tag, ref("AccessToken")),
        Op("GET", one, "One application's status", tag, app),
        Op("GET", f"{one}/setup", "Set an application up (enable it)", tag, app),
        Op("GET", f"{one}/disable", "Disable an application (its tokens stop working)", tag,
           app),
    ]
    if prefix != V26:
        return ops
    return [
        *ops,
        Op("GET", f"{base}/hmi", "Registered applications and their status (the web app's"
           " list)", tag, array(app)),
        Op("GET", f"{one}/hmi", "An application's manifest", tag, ref("Application"),
           auth=False),
        Op("POST", base, "Register an application from its manifest (openhat)", tag, app,
           ok=201, also_ok=(200,), body=ref("Application"),
           description="201 for a new application, 200 when it replaces a manifest."),
        Op("DELETE", one, "Remove an application (openhat)", tag, MESSAGE),
        *(Op(method, f"{one}/proxy/{{path}}", "Forward to the application's API", tag,
             ANY, body=ANY if method in ("POST", "PUT", "PATCH") else None,
             errors=(502, 504),
             description="The application's API answers (any status, its body as JSON).")
          for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")),
    ]


def contract_ops(prefix: str) -> list[Op]:
    """Contract data (spec 5.6): the contract token is in the body, verified by the
    adjudicator; no HAT token."""
    one = f"{prefix}/contract-data/{{kind}}/{{namespace}}/{{endpoint}}"
    tag = "contracts"
    return [
        Op("POST", one.replace("{kind}", "read"), "Records of an endpoint, for a contract", tag,
           RECORDS_LIST, auth=False, body=ref("ContractDataRequest"), params=PAGING,
           errors=(502,)),
        Op("POST", one.replace("{kind}", "create"), "Store records, for a contract", tag,
           {"anyOf": [ref("EndpointData"), RECORDS_LIST]}, ok=201, auth=False,
           body=ref("ContractDataRequest"), params=(SKIP_ERRORS,), errors=(502,)),
        Op("PUT", f"{prefix}/contract-data/update/{{namespace}}",
           "Replace records' data, for a contract", tag, RECORDS_LIST, ok=201, auth=False,
           body=ref("ContractDataRequest"), errors=(502,)),
        *contract_file_ops(prefix),
    ]


def contract_file_ops(prefix: str) -> list[Op]:
    """Contract files: the Files API with the contract's `managefiles` grants."""
    one, tag, file = f"{prefix}/contract/file/{{file_id}}", "contracts", ref("ApiHatFile")
    details, with_file = ref("ContractDataRequest"), ref("ContractFileRequest")
    return [
        Op("POST", f"{prefix}/contract/file/upload", "Start an upload, for a contract", tag,
           file, auth=False, body=with_file, errors=(403, 502)),
        Op("PUT", f"{one}/complete", "Mark an uploaded file complete, for a contract", tag,
           file, auth=False, body=details, errors=(404, 413, 502)),
        Op("POST", one, "A file's metadata, for a contract", tag, file, auth=False,
           body=details, errors=(404, 502)),
        Op("PUT", one, "Change a file's name, tags, title and description, for a contract",
           tag, file, auth=False, body=with_file, errors=(404, 502)),
        Op("DELETE", one, "Delete a file and its content, for a contract", tag, file,
           auth=False, body=details, errors=(404, 502)),
        Op("POST", f"{one}/content", "Redirect (303) to a short-lived URL of the content, for"
           " a contract", tag, ok=303, auth=False, body=details, errors=(404, 502)),
    ]


def account_ops() -> list[Op]:
    """Users, service tokens, hatlogin, password reset and verification (spec 2.6-2.8)."""
    one, tag, auth_ = "/users/user/{user_id}", "users", "/control/v2/auth"
    user = ref("User")
    return [
        Op("GET", "/users/user", "The HAT's users", tag, array(user)),
        Op("POST", "/users/user", "Create a user", tag, user, ok=201, body=ref("NewUser")),
        Op("PUT", f"{one}/enable", "Enable a user", tag, MESSAGE),
        Op("PUT", f"{one}/disable", "Disable a user (its tokens are refused)", tag, MESSAGE),
        Op("PUT", f"{one}/delete", "Delete a user", tag, MESSAGE),
        Op("PUT", f"{one}/update", "Replace a user's name, roles or password", tag, user,
           ok=201, body=ref("NewUser")),
        Op("GET", "/users/application_token", "A service token (accessScope validate)",
           "authentication", ref("AccessToken"),
           params=(Param("name", STRING, required=True),
                   Param("resource", STRING, required=True))),
        Op("GET", f"{auth_}/hatlogin", "A redirect URL carrying a service token",
           "authentication", MESSAGE,
           params=(Param("name", STRING, required=True),
                   Param("redirect", STRING, required=True))),
        Op("POST", f"{auth_}/passwordReset", "Mail a password reset link to the owner",
           "authentication", MESSAGE, body=ref("EmailRequest"), auth=False, errors=(429,)),
        Op("POST", f"{auth_}/passwordreset/confirm/{{token}}", "Set a new password with a"
           " reset token", "authentication", MESSAGE, body=ref("PasswordChange"), auth=False,
           errors=(401,)),
        Op("POST", f"{auth_}/claim", "Mail an address verification link", "authentication",
           MESSAGE, body=ref("VerificationRequest"), auth=False, errors=(429,)),
        Op("POST", f"{auth_}/request-verification", "Mail an address verification link",
           "authentication", MESSAGE, body=ref("VerificationRequest"), auth=False, errors=(429,)),
        Op("POST", f"{auth_}/claim/complete/{{token}}", "Verify the owner's address",
           "authentication", MESSAGE, body=ref("ClaimCompletion"), auth=False,
           errors=(401,)),
        Op("POST", f"{V26}/reset-password", "Mail a password reset link (empty answer)",
           "authentication", None, body=ref("EmailRequest"), auth=False, errors=(429,)),
    ]


NULLABLE_STRING: Schema = {"type": ["string", "null"]}
WEBHOOK = obj({"id": STRING, "url": STRING, "endpoints": array(STRING),
               "application": NULLABLE_STRING, "deliveredThrough": {"type": "integer"},
               "attempts": {"type": "integer"}, "lastError": NULLABLE_STRING},
              {"secret": STRING})
AUDIT_ENTRY = obj({
    "id": STRING, "time": STRING, "timestamp": {"type": "integer"},
    "actor": obj({"kind": {"enum": ["owner", "application", "debit", "user", "anonymous"]},
                  "id": NULLABLE_STRING}),
    "action": STRING, "object": STRING, "endpoint": NULLABLE_STRING,
    "count": {"type": ["integer", "null"]}, "client": NULLABLE_STRING,
    "outcome": {"enum": ["success", "denied", "failed"]}, "status": {"type": "integer"}})
TIME = {"type": "string", "description": "ISO 8601, or unix milliseconds"}


def notification_ops() -> list[Op]:
    """Change notifications and the audit log (docs/events.md, docs/audit.md): openhat's."""
    return [
        Op("GET", f"{V26}/events", "Changes the token may read, as server-sent events",
           "events", STRING, media_type="text/event-stream", errors=(410, 429),
           params=(Param("endpoint", array(STRING),
                         description="a namespace or endpoint, repeatable; none: all"),
                   Param("Last-Event-ID", STRING, "header",
                         description="resume after this event"),
                   Param("Last-Event-ID", STRING,
                         description="resume after this event (for EventSource)")),
           description="403 when an endpoint asked for may not be read (docs/events.md)."),
        Op("POST", f"{V26}/webhooks", "Register a webhook (an application or the owner)",
           "events", WEBHOOK, ok=201, body=obj({"url": STRING},
                                              {"endpoints": array(STRING)})),
        Op("GET", f"{V26}/webhooks", "The caller's webhooks (the owner: all)", "events",
           array(WEBHOOK)),
        Op("DELETE", f"{V26}/webhooks/{{webhook_id}}", "Remove a webhook", "events", MESSAGE),
        Op("POST", f"{V26}/webhooks/{{webhook_id}}/secret",
           "A new signing secret for a webhook, answered once", "events", WEBHOOK),
        Op("GET", f"{V26}/audit", "The access audit log, newest first (the owner)", "audit",
           array(AUDIT_ENTRY),
           params=(Param("since", TIME), Param("until", TIME),
                   Param("actor", STRING, description="KIND or KIND:ID"),
                   Param("action", STRING), Param("endpoint", STRING,
                                                  description="an endpoint or object prefix"),
                   Param("skip", {"type": "integer", "minimum": 0}),
                   Param("take", {"type": "integer", "minimum": 0, "maximum": 1000}))),
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
    *account_ops(),
    Op("GET", "/.well-known/apple-app-site-association", "The configured Apple app-site"
       " association", "system", {"type": "object"}, auth=False),
    Op("GET", "/system/update", "Apply pending database migrations", "system", MESSAGE),
    Op("GET", "/metrics", "Prometheus metrics (loopback, or the metrics token)", "system",
       {"type": "string"}, auth=False, errors=(403,), media_type="text/plain",
       params=(Param("Authorization", STRING, "header",
                     description="`Bearer <--metrics-token>`, needed off loopback"),)),
    Op("GET", "/healthz", "Health", "system", ref("Health"), auth=False),
    Op("GET", f"{V26}/healthz", "Health", "system", ref("Health"), auth=False),
    Op("GET", f"{V26}/version", "Version", "system", ref("Version"), auth=False),
    Op("POST", f"{V26}/report-frontend-action", "Log an action of a front end's user",
       "system", MESSAGE, body=ref("LogRequest")),
    Op("GET", f"{V26}/system/status", "The HAT's status items (owner or platform)", "system",
       array(obj({"title": STRING, "kind": obj({"metric": {"type": ["string", "number"]},
                                                "kind": {"enum": ["Text", "Numeric"]}},
                                               {"units": STRING})}))),
    Op("DELETE", f"{V26}/system/destroy-cache", "Clear the request-context caches",
       "system", MESSAGE),
    Op("GET", f"{V26}/openapi.json", "This document", "system", {"type": "object"},
       auth=False),
    *contract_ops(V26),
    Op("GET", f"{V26}/data-record/{{record_id}}", "One record", "data", ref("EndpointData")),
    Op("GET", f"{V26}/data-record/{{record_id}}/links", "The records linked to one record",
       "data", array(ref("EndpointData")),
       description="openhat: every record sharing a link group with this one, in insertion "
                   "order, in the namespaces the caller may read"),
    *notification_ops(),
    Op("GET", f"{V26}/export", "The whole HAT as an export archive (openhat; owner only)",
       "portability", {"type": "string", "format": "binary"}, media_type="application/gzip",
       description="docs/export-format.md; the same archive as `openhat export`."),
    *data_ops(V26),
    *debit_ops(V2),
    *BLOB_OPS,
]
