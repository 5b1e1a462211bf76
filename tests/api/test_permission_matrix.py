"""Every route by every kind of caller (spec 2.5, 2.6, route table of section 3).

Callers: the owner; an application holding the grant the route needs; an application holding
an unrelated grant; an application holding the grant but disabled; no token; a forged token
(signed by a key the HAT does not hold); an expired token; and the owner token of another HAT
in the same database. Each route is called by the callers that must be refused first (so a
refusal that wrote something would show in the later successes), then by the granted app,
then by the owner. `test_every_route_is_in_the_matrix` keeps the table complete: a new route
fails it until its row is added here.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from openhat.accounts import mailtokens
from openhat.hats import service as hats
from openhat.identity import tokens
from openhat.storage.base import Store
from openhat.storage.rows import SigningKey
from openhat.web.routes import routes
from tests.api.debit_fixtures import legacy_request, setup_request
from tests.app_fixtures import manifest
from tests.conftest import OWNER, PASSWORD, login

PUBLIC = "public"  # no token needed: every caller gets the success status
ANY_TOKEN = "any token"  # any valid token, of any enabled application too
OWNER_USER = "owner user"  # the owner's own token only; no application, whatever its grants
UNRELATED = "namespaceread:elsewhere"
OTHER_DOMAIN = "other.example.test"
ALIASES = ("/api/v2/", "/api/v2.0/")

NOT_AUTHENTICATED = {"error": "Not Authenticated", "message": "Not Authenticated"}
FORBIDDEN = {"error": "Forbidden", "message": "Access Denied"}


FORGER: SigningKey | None = None  # a key pair no HAT ever holds, made with the pool


@pytest.fixture(autouse=True, scope="module")
def reused_key_pairs() -> Iterator[None]:
    """Each HAT needs an RSA key pair (60 ms to make) and each matrix test makes two HATs
    and a forged key: hand out a few pairs made once, each time under a new kid."""
    global FORGER
    pool = [tokens.generate_key("pool") for _ in range(3)]
    FORGER = tokens.generate_key("forger")  # never handed to a HAT
    turn = itertools.cycle(pool)

    def generate_key(hat_id: str) -> SigningKey:
        pair = next(turn)
        return SigningKey(hat_id, secrets.token_hex(8), pair.private_pem,
                          pair.public_pem, int(time.time()))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tokens, "generate_key", generate_key)
        yield


def forged_key(real: SigningKey) -> SigningKey:
    assert FORGER is not None and FORGER.public_pem != real.public_pem
    return SigningKey(real.hat_id, real.kid, FORGER.private_pem, FORGER.public_pem,
                      real.created_at)


@dataclass
class World:
    """A HAT with data, a combinator, a bundle, debits and applications, and a second HAT."""

    client: TestClient
    store: Store
    owner_token: str
    records: list[str] = field(default_factory=list)
    callers: dict[str, dict[str, str | None]] = field(default_factory=dict)
    other_hat_token: str = ""
    counter: itertools.count[int] = field(default_factory=itertools.count)

    def n(self) -> int:
        return next(self.counter)

    def owner(self, method: str, path: str, body: Any = None) -> Any:
        response = self.client.request(method, path, json=body,
                                       headers={"X-Auth-Token": self.owner_token})
        assert response.status_code < 300, (path, response.text)
        return response.json()

    def record(self) -> str:
        """A new record in rumpel/notes."""
        saved = self.owner("POST", "/api/v2.6/data/rumpel/notes", {"made": self.n()})
        return str(saved["recordId"])

    def debit(self, prefix: str = "/api/v2.6") -> str:
        key = f"dd{self.n()}"
        body = setup_request(f"b{key}") if prefix == "/api/v2.6" else legacy_request(f"b{key}")
        self.owner("POST", f"{prefix}/data-debit/{key}", body)
        return key


def build_world(client: TestClient, store: Store) -> World:
    world = World(client, store, login(client))
    world.records = [world.record() for _ in range(2)]
    world.owner("POST", "/api/v2.6/combinator/comb",
                [{"endpoint": "rumpel/notes"}])
    world.owner("POST", "/api/v2.6/data-bundle/bund",
                {"notes": {"endpoints": [{"endpoint": "rumpel/notes"}]}})
    for prefix in ("/api/v2.6", "/api/v2"):
        key = "dd" if prefix == "/api/v2.6" else "legacy"
        body = setup_request("ddbundle") if prefix == "/api/v2.6" else \
            legacy_request("legacybundle")
        world.owner("POST", f"{prefix}/data-debit/{key}", body)
        world.owner("GET", f"{prefix}/data-debit/{key}/enable")
    world.owner("POST", "/api/v2.6/applications", manifest("target"))
    return world


Request = tuple[str, str, Any]  # method, path, JSON body (None: no body)
Make = Callable[[World], Request]


@dataclass(frozen=True)
class Row:
    """One route: how to call it (a fresh request per caller), what grant lets an
    application call it, and the owner's success status."""

    name: str
    make: Make
    grant: str  # a role an application can be granted, or PUBLIC / ANY_TOKEN / OWNER_USER
    ok: int = 200
    template: tuple[str, str] = ("", "")  # (method, route path), for the completeness check


def row(method: str, template: str, grant: str, ok: int = 200,
        make: Callable[[World], tuple[str, Any]] | None = None) -> Row:
    """`make` gives (path, body); by default the template is the path and there is no body."""
    def request(world: World) -> Request:
        path, body = make(world) if make else (template, None)
        return method, path, body
    return Row(f"{method} {template}", request, grant, ok, (method, template))


def data_rows(prefix: str) -> list[Row]:
    p = prefix
    return [
        row("GET", f"{p}/data/sources", "namespacewrite:rumpel"),
        row("GET", f"{p}/data/{{namespace}}/{{endpoint:path}}", "namespaceread:rumpel",
            make=lambda w: (f"{p}/data/rumpel/notes", None)),
        row("POST", f"{p}/data/{{namespace}}/{{endpoint:path}}", "namespacewrite:rumpel", 201,
            make=lambda w: (f"{p}/data/rumpel/notes", {"n": w.n()})),
        row("DELETE", f"{p}/data/{{namespace}}/{{endpoint:path}}", "namespacewrite:rumpel",
            make=lambda w: (f"{p}/data/rumpel/gone", None)),
        row("PUT", f"{p}/data", "namespacewrite:rumpel", 201,
            make=lambda w: (f"{p}/data", [{"endpoint": "rumpel/notes",
                                           "recordId": w.records[0], "data": {"v": w.n()}}])),
        row("DELETE", f"{p}/data", "namespacewrite:rumpel",
            make=lambda w: (f"{p}/data?records={w.record()}", None)),
        row("POST", f"{p}/data-link", "namespacewrite:rumpel", 201,
            make=lambda w: (f"{p}/data-link?records={w.records[0]},{w.records[1]}", None)),
        row("POST", f"{p}/data-batch", "namespacewrite:rumpel", 201,
            make=lambda w: (f"{p}/data-batch", [{"endpoint": "rumpel/notes",
                                                 "data": {"b": w.n()}}])),
        row("POST", f"{p}/combinator/{{name:path}}", "owner", 201,
            make=lambda w: (f"{p}/combinator/comb", [{"endpoint": "rumpel/notes"}])),
        row("GET", f"{p}/combinator/{{name:path}}", "owner",
            make=lambda w: (f"{p}/combinator/comb", None)),
        row("POST", f"{p}/data-bundle/{{bundle_id}}", "owner", 201,
            make=lambda w: (f"{p}/data-bundle/bund",
                            {"notes": {"endpoints": [{"endpoint": "rumpel/notes"}]}})),
        row("GET", f"{p}/data-bundle/{{bundle_id}}", "owner",
            make=lambda w: (f"{p}/data-bundle/bund", None)),
        row("GET", f"{p}/data-bundle/{{bundle_id}}/structure", "owner",
            make=lambda w: (f"{p}/data-bundle/bund/structure", None)),
        *debit_rows(prefix),
        row("GET", f"{p}/she/feed", "owner"),
        row("GET", f"{p}/she/feed/{{prefix:path}}", "owner",
            make=lambda w: (f"{p}/she/feed/rumpel", None)),
        *function_rows(prefix),
        *application_rows(prefix),
        *file_rows(prefix),
        row("GET", f"{p}/migrate", OWNER_USER, make=lambda w: (
            f"{p}/migrate?fromSource=a&fromTableName=b&toNamespace=c&toEndpoint=d", None)),
        row("GET", f"{p}/phata/profile", PUBLIC),
    ]


def new_file(world: World, bytes_in: bool = False, complete: bool = False,
             public: bool = False) -> dict[str, Any]:
    """A file of source `test` uploaded by the owner: its metadata only, or its bytes too,
    completed, made public."""
    started = dict(world.owner("POST", "/api/v2.6/files/upload",
                               {"name": f"f{world.n()}.txt", "source": "test"}))
    if bytes_in or complete or public:
        assert world.client.put(started["contentUrl"], content=b"bytes").status_code == 200
    if complete or public:
        world.owner("PUT", f"/api/v2.6/files/file/{started['fileId']}/complete")
    if public:
        world.owner("GET", f"/api/v2.6/files/allowAccessPublic/{started['fileId']}")
    return started


def owner_id(world: World) -> str:
    return str(jwt.decode(world.owner_token, options={"verify_signature": False})["sub"])


def file_rows(prefix: str) -> list[Row]:
    """Per-file checks (a file the caller may not see answers 404) are in test_files.py;
    here the route rules: `ANY_TOKEN` routes are called on an unknown file (404 for every
    valid token), the others on a file of the source the app manages."""
    p = f"{prefix}/files"
    grant = "managefiles:test"
    template = {"name": "", "source": "test"}
    return [
        row("POST", f"{p}/upload", grant,
            make=lambda w: (f"{p}/upload", {"name": f"n{w.n()}", "source": "test"})),
        row("POST", f"{p}/search", ANY_TOKEN, make=lambda w: (f"{p}/search", template)),
        row("PUT", f"{p}/file/{{file_id}}/complete", grant,
            make=lambda w: (f"{p}/file/{new_file(w, bytes_in=True)['fileId']}/complete",
                            None)),
        row("GET", f"{p}/file/{{file_id}}", ANY_TOKEN, 404,
            make=lambda w: (f"{p}/file/unknown", None)),
        row("PUT", f"{p}/file/{{file_id}}", ANY_TOKEN, 404,
            make=lambda w: (f"{p}/file/unknown", template)),
        row("DELETE", f"{p}/file/{{file_id}}", grant,
            make=lambda w: (f"{p}/file/{new_file(w)['fileId']}", None)),
        # 303 to the content's signed URL, followed by the test client
        row("GET", f"{p}/content/{{file_id}}", PUBLIC,
            make=lambda w: (f"{p}/content/{new_file(w, public=True)['fileId']}", None)),
        row("POST", f"{p}/allowAccess/{{user_id}}", grant,
            make=lambda w: (f"{p}/allowAccess/{owner_id(w)}?content=true", template)),
        row("POST", f"{p}/restrictAccess/{{user_id}}", grant,
            make=lambda w: (f"{p}/restrictAccess/{owner_id(w)}", template)),
        row("GET", f"{p}/allowAccess/{{file_id}}/{{user_id}}", grant,
            make=lambda w: (f"{p}/allowAccess/{new_file(w)['fileId']}/{owner_id(w)}"
                            "?content=false", None)),
        row("GET", f"{p}/restrictAccess/{{file_id}}/{{user_id}}", grant,
            make=lambda w: (f"{p}/restrictAccess/{new_file(w)['fileId']}/{owner_id(w)}",
                            None)),
        row("GET", f"{p}/allowAccessPublic/{{file_id}}", grant,
            make=lambda w: (f"{p}/allowAccessPublic/{new_file(w)['fileId']}", None)),
        row("GET", f"{p}/restrictAccessPublic/{{file_id}}", grant,
            make=lambda w: (f"{p}/restrictAccessPublic/{new_file(w)['fileId']}", None)),
    ]


def download_url(world: World) -> str:
    file_id = new_file(world, complete=True)["fileId"]
    return str(world.owner("GET", f"/api/v2.6/files/file/{file_id}")["contentUrl"])


def debit_rows(prefix: str) -> list[Row]:
    p = f"{prefix}/data-debit"
    if prefix == "/api/v2.6":
        return [
            row("POST", f"{p}/{{debit_key}}", "datadebit", 201,
                make=lambda w: (f"{p}/new{w.n()}", setup_request(f"nb{w.n()}"))),
            row("PUT", f"{p}/{{debit_key}}", "datadebit:dd",
                make=lambda w: (f"{p}/dd", setup_request(f"ub{w.n()}"))),
            row("GET", f"{p}/{{debit_key}}", "datadebit:dd", make=lambda w: (f"{p}/dd", None)),
            row("GET", p, "owner"),
            row("GET", f"{p}/{{debit_key}}/values", "datadebit:dd",
                make=lambda w: (f"{p}/dd/values", None)),
            row("GET", f"{p}/{{debit_key}}/enable", "owner",
                make=lambda w: (f"{p}/{w.debit()}/enable", None)),
            row("GET", f"{p}/{{debit_key}}/disable", "owner",
                make=lambda w: (f"{p}/{w.debit()}/disable?atPeriodEnd=false", None)),
        ]
    return [
        row("POST", f"{p}/{{debit_key}}", "datadebit", 201,
            make=lambda w: (f"{p}/new{w.n()}", legacy_request(f"nb{w.n()}"))),
        row("PUT", f"{p}/{{debit_key}}", "datadebit:legacy",
            make=lambda w: (f"{p}/legacy", legacy_request(f"ub{w.n()}"))),
        row("GET", f"{p}/{{debit_key}}", "datadebit:legacy",
            make=lambda w: (f"{p}/legacy", None)),
        row("GET", p, "owner"),
        row("GET", f"{p}/{{debit_key}}/values", "datadebit:legacy",
            make=lambda w: (f"{p}/legacy/values", None)),
        row("GET", f"{p}/{{debit_key}}/enable", "owner",
            make=lambda w: (f"{p}/{w.debit(prefix)}/enable", None)),
        row("GET", f"{p}/{{debit_key}}/enable/{{bundle_id}}", "owner",
            make=lambda w: (f"{p}/legacy/enable/legacybundle", None)),
        row("GET", f"{p}/{{debit_key}}/disable", "owner",
            make=lambda w: (f"{p}/{w.debit(prefix)}/disable", None)),
    ]


def function_rows(prefix: str) -> list[Row]:
    f = f"{prefix}/she/function"
    one = f"{f}/{{function_id}}"
    counter = f"{f}/data-feed-counter"
    rows = [
        row("GET", f, "owner"),
        row("GET", one, "owner", make=lambda w: (counter, None)),
        row("GET", f"{one}/enable", "owner", make=lambda w: (f"{counter}/enable", None)),
        row("GET", f"{one}/disable", "owner", make=lambda w: (f"{counter}/disable", None)),
        # not enabled in the world: 400 past the rules
        row("GET", f"{one}/trigger", "applicationmanage:data-feed-counter", 400,
            make=lambda w: (f"{f}/data-feed-counter/trigger", None)),
    ]
    if prefix == "/api/v2.6":
        rows.append(row("GET", f"{prefix}/she/static/{{endpoint:path}}", "owner",
                        make=lambda w: (f"{prefix}/she/static/facebook", None)))
    return rows


def application_rows(prefix: str) -> list[Row]:
    p = f"{prefix}/applications"
    rows = [
        row("GET", p, "applicationlist"),
        row("GET", f"{p}/{{application_id}}", "applicationstatusread:target",
            make=lambda w: (f"{p}/target", None)),
        row("GET", f"{p}/{{application_id}}/setup", "applicationmanage:target",
            make=lambda w: (f"{p}/target/setup", None)),
        row("GET", f"{p}/{{application_id}}/disable", "applicationmanage:target",
            make=lambda w: (f"{p}/target/disable", None)),
        row("GET", f"{p}/{{application_id}}/access-token", "retrieveapplicationtoken:target",
            make=lambda w: (f"{p}/target/access-token", None)),
    ]
    if prefix != "/api/v2.6":
        return rows
    # The proxy answers 400 past the rules: `target` is registered but not set up.
    proxy = [row(method, f"{p}/{{application_id}}/proxy/{{path:path}}",
                 "applicationmanage:target", 400,
                 make=lambda w: (f"{p}/target/proxy/anything", None))
             for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")]
    return [
        *rows,
        row("GET", f"{p}/hmi", "applicationlist"),
        *proxy,
        row("GET", f"{p}/{{application_id}}/hmi", PUBLIC,
            make=lambda w: (f"{p}/target/hmi", None)),
        row("POST", p, OWNER_USER, 201,
            make=lambda w: (p, manifest(f"new{w.n()}"))),
        row("DELETE", f"{p}/{{application_id}}", OWNER_USER,
            make=lambda w: (f"{p}/{register_new(w)}", None)),
    ]


def register_new(world: World) -> str:
    app_id = f"gone{world.n()}"
    world.owner("POST", "/api/v2.6/applications", manifest(app_id))
    return app_id


def new_user_id(world: World) -> str:
    made = world.owner("POST", "/users/user", {"email": f"user{world.n()}",
                                               "roles": [{"role": "datacredit"}]})
    return str(made["userId"])


def mail_token(world: World, purpose: str) -> str:
    """A reset token for the owner's verified address, or a verification token for an
    address waiting, made through the store (as the mail would carry it)."""
    hat_id = world.store.hats.all()[0].hat_id
    with world.store.write(hat_id) as tx:
        owner = tx.users.owner(hat_id)
        assert owner is not None
        email = f"owner{world.n()}@hat.example.org"
        tx.accounts.set_email(hat_id, owner.user_id, email if purpose == "reset" else None,
                              None if purpose == "reset" else email, None)
        token = mailtokens.issue(tx, hat_id, owner.user_id, purpose, email)
    assert token is not None
    return token


def user_row(action: str, ok: int = 200) -> Row:
    body = (lambda w, i: {"userId": i, "email": f"renamed{w.n()}",
                          "roles": [{"role": "datadebit"}]}) if action == "update" else None
    return row("PUT", f"/users/user/{{user_id}}/{action}", "platform", ok,
               make=lambda w: _user_request(w, action, body))


def _user_request(world: World, action: str, body: Any) -> tuple[str, Any]:
    user_id = new_user_id(world)
    return f"/users/user/{user_id}/{action}", body(world, user_id) if body else None


ACCOUNT_ROWS: list[Row] = [
    row("GET", "/users/user", ANY_TOKEN),
    row("POST", "/users/user", "platform", 201,
        make=lambda w: ("/users/user", {"email": f"new{w.n()}", "roles": [{"role": "datadebit"}]})),
    user_row("enable"),
    user_row("disable"),
    user_row("delete"),
    user_row("update", 201),
    row("GET", "/users/application_token", OWNER_USER,
        make=lambda w: ("/users/application_token?name=s&resource=https://s.example/", None)),
    row("GET", "/control/v2/auth/hatlogin", OWNER_USER,
        make=lambda w: ("/control/v2/auth/hatlogin?name=s&redirect=https://s.example/", None)),
    row("POST", "/control/v2/auth/passwordReset", PUBLIC,
        make=lambda w: ("/control/v2/auth/passwordReset", {"email": "a@b.example"})),
    row("POST", "/control/v2/auth/passwordreset/confirm/{token}", PUBLIC,
        make=lambda w: (f"/control/v2/auth/passwordreset/confirm/{mail_token(w, 'reset')}",
                        {"newPassword": f"a-long-new-password-{w.n()}"})),
    row("POST", "/control/v2/auth/claim", PUBLIC,
        make=lambda w: ("/control/v2/auth/claim", VERIFICATION)),
    row("POST", "/control/v2/auth/request-verification", PUBLIC,
        make=lambda w: ("/control/v2/auth/request-verification", VERIFICATION)),
    row("POST", "/control/v2/auth/claim/complete/{token}", PUBLIC,
        make=lambda w: (f"/control/v2/auth/claim/complete/{mail_token(w, 'verify')}", {})),
    row("POST", "/api/v2.6/reset-password", PUBLIC,
        make=lambda w: ("/api/v2.6/reset-password", {"email": "a@b.example"})),
]
VERIFICATION = {"email": "a@b.example", "applicationId": "target",
                "redirectUri": "https://a.example/"}

ROWS: list[Row] = [
    row("GET", "/users/access_token", PUBLIC),  # made with credentials, see call()
    row("GET", "/users/access_token/validate", ANY_TOKEN),
    row("GET", "/publickey", PUBLIC),
    row("POST", "/control/v2/auth/password", OWNER_USER,
        make=lambda w: ("/control/v2/auth/password",
                        {"password": PASSWORD, "newPassword": "some-passwords-are-better"})),
    row("GET", "/.well-known/apple-app-site-association", PUBLIC, 404),  # none configured
    row("GET", "/system/update", OWNER_USER),
    row("GET", "/metrics", PUBLIC, 403),  # the test client is not on loopback
    row("GET", "/healthz", PUBLIC),
    row("GET", "/api/v2.6/healthz", PUBLIC),
    row("GET", "/api/v2.6/version", PUBLIC),
    row("POST", "/api/v2.6/report-frontend-action", ANY_TOKEN,
        make=lambda w: ("/api/v2.6/report-frontend-action", {"actionCode": "matrix"})),
    row("DELETE", "/api/v2.6/system/destroy-cache", OWNER_USER),
    *(row("GET", f"{p}/system/status", "owner") for p in ("/api/v2.6", "/api/v2", "/api/v2.0")),
    row("GET", "/api/v2.6/openapi.json", PUBLIC),
    # no adjudicator is configured: 400 naming the setting, whoever calls (no HAT token)
    *(row(method, f"/api/v2.6/contract-data/{path}", PUBLIC, 400, make=lambda w, u=url: (
        u, {"token": "t", "hatName": OWNER, "contractId": "c", "body": []}))
      for method, path, url in (
          ("POST", "read/{namespace}/{endpoint:path}", "/api/v2.6/contract-data/read/a/b"),
          ("POST", "create/{namespace}/{endpoint:path}", "/api/v2.6/contract-data/create/a/b"),
          ("PUT", "update/{namespace}", "/api/v2.6/contract-data/update/a"))),
    *(row(method, f"/api/v2.6/contract/file/{path}", PUBLIC, 400, make=lambda w, u=url: (
        u, {"token": "t", "hatName": OWNER, "contractId": "c",
            "file": {"name": "a.png", "source": "s"}}))
      for method, path, url in (
          ("POST", "upload", "/api/v2.6/contract/file/upload"),
          ("PUT", "{file_id}/complete", "/api/v2.6/contract/file/a.png/complete"),
          ("POST", "{file_id}", "/api/v2.6/contract/file/a.png"),
          ("PUT", "{file_id}", "/api/v2.6/contract/file/a.png"),
          ("DELETE", "{file_id}", "/api/v2.6/contract/file/a.png"),
          ("POST", "{file_id}/content", "/api/v2.6/contract/file/a.png/content"))),
    row("GET", "/api/v2.6/data-record/{record_id}", "namespaceread:rumpel",
        make=lambda w: (f"/api/v2.6/data-record/{w.records[0]}", None)),
    row("GET", "/api/v2.6/data-record/{record_id}/links", "namespaceread:rumpel",
        make=lambda w: (f"/api/v2.6/data-record/{w.records[0]}/links", None)),
    *ACCOUNT_ROWS,
    *data_rows("/api/v2.6"),
    *data_rows("/api/v2"),
    *data_rows("/api/v2.0"),
    # The local blob store's signed URLs: the signature is the authorisation, not a token.
    row("PUT", "/api/v2.6/files/blob/{file_id}", PUBLIC,
        make=lambda w: (new_file(w)["contentUrl"], {"bytes": w.n()})),
    row("GET", "/api/v2.6/files/blob/{file_id}", PUBLIC, make=lambda w: (download_url(w), None)),
    row("GET", "/api/v2.6/audit", OWNER_USER),
    row("GET", "/api/v2.6/export", OWNER_USER),
]

# Routes whose callers are checked by their own tests rather than here: an event stream never
# ends (tests/api/test_events.py), and a webhook belongs to the caller that registered it
# (tests/api/test_webhooks.py: who may register, list and remove what).
OWN_TESTS = {("GET", "/api/v2.6/events"), ("POST", "/api/v2.6/webhooks"),
             ("GET", "/api/v2.6/webhooks"), ("DELETE", "/api/v2.6/webhooks/{webhook_id}"),
             ("POST", "/api/v2.6/webhooks/{webhook_id}/secret")}


def test_every_route_is_in_the_matrix() -> None:
    served = {(method, r.path) for r in routes() if isinstance(r, Route)
              for method in (r.methods or set()) - {"HEAD"}}
    assert served == {r.template for r in ROWS} | OWN_TESTS


# --- callers ---------------------------------------------------------------------------------

CALLERS = ("no token", "forged token", "expired token", "other HAT's token", "disabled app",
           "app without the grant", "app with the grant", "owner")


def tokens_for(world: World, grant: str) -> dict[str, str | None]:
    """A token per caller, for a route that needs `grant` (made once per world and grant)."""
    if grant in world.callers:
        return world.callers[grant]
    store = world.store
    hat = store.hats.all()[0]
    keys = store.keys.all(hat.hat_id)
    claims = jwt.decode(world.owner_token, options={"verify_signature": False})
    now = int(time.time())
    if store.hats.by_domain(OTHER_DOMAIN) is None:
        hats.create_hat(store, OTHER_DOMAIN, "someone", "another-password-1")
        with TestClient(world.client.app, base_url=f"http://{OTHER_DOMAIN}") as other:
            world.other_hat_token = login(other, "someone", "another-password-1")
    granted = {PUBLIC: "owner", OWNER_USER: "owner", ANY_TOKEN: UNRELATED}.get(grant, grant)
    found: dict[str, str | None] = {
        "no token": None,
        # the HAT's own key id, signed by a key the HAT never had: only the signature fails
        "forged token": tokens.sign(claims, forged_key(keys[0])),
        "expired token": tokens.sign({**claims, "iat": now - 100, "exp": now - 1}, keys[0]),
        "other HAT's token": world.other_hat_token,
        "disabled app": app_with(world, granted, enabled=False),
        "app without the grant": app_with(world, UNRELATED),
        "app with the grant": app_with(world, granted),
        "owner": world.owner_token,
    }
    world.callers[grant] = found
    return found


def app_with(world: World, grant: str, enabled: bool = True) -> str:
    app_id = f"app{world.n()}"
    world.owner("POST", "/api/v2.6/applications", manifest(app_id, grant))
    world.owner("GET", f"/api/v2.6/applications/{app_id}/setup")
    token = str(world.owner("GET", f"/api/v2.6/applications/{app_id}/access-token")
                ["accessToken"])
    if not enabled:
        world.owner("GET", f"/api/v2.6/applications/{app_id}/disable")
    return token


def expected(grant: str, caller: str, ok: int) -> int:
    if grant == PUBLIC:
        return ok
    if caller in ("no token", "forged token", "expired token", "other HAT's token",
                  "disabled app"):
        return 401
    if caller == "owner":
        return ok
    if grant == ANY_TOKEN:
        return ok
    if grant == OWNER_USER or caller == "app without the grant":
        return 403
    return ok  # the app with the grant


def call(world: World, r: Row, token: str | None) -> Any:
    method, path, body = r.make(world)
    headers = {} if token is None else {"X-Auth-Token": token}
    if path == "/users/access_token":
        headers.update(username=OWNER, password=PASSWORD)
    return world.client.request(method, path, json=body, headers=headers)


def check(world: World, r: Row) -> None:
    """Call the route as every caller, refusals first; assert each status and error body."""
    caller_tokens = tokens_for(world, r.grant)
    outcomes = {}
    for caller in CALLERS:
        response = call(world, r, caller_tokens[caller])
        want = expected(r.grant, caller, r.ok)
        outcomes[caller] = (response.status_code, want)
        if want == 401:
            assert response.json() == NOT_AUTHENTICATED, (r.name, caller, response.text)
        elif want == 403:
            assert response.json() == FORBIDDEN, (r.name, caller, response.text)
        if response.status_code >= 400:
            assert "X-Auth-Token" not in response.headers, (r.name, caller)
    wrong = {c: o for c, o in outcomes.items() if o[0] != o[1]}
    assert not wrong, f"{r.name}: (got, expected) {wrong}"


@pytest.mark.parametrize("r", [r for r in ROWS if not r.name.split()[1].startswith(ALIASES)],
                         ids=lambda r: r.name)
def test_route_refuses_and_allows_exactly_the_right_callers(
        client: TestClient, store: Store, hat: hats.NewHat, r: Row) -> None:
    check(build_world(client, store), r)


@pytest.mark.parametrize("prefix", ALIASES)
def test_alias_routes_refuse_and_allow_as_v26_does(client: TestClient, store: Store,
                                                   hat: hats.NewHat, prefix: str) -> None:
    """The /api/v2 and /api/v2.0 routes, all in one world per prefix (same rules, same
    handlers as v2.6; one world each keeps the suite fast)."""
    world = build_world(client, store)
    for r in ROWS:
        if r.name.split()[1].startswith(prefix):
            check(world, r)
