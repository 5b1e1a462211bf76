"""Owner login, token validation and the public key (spec 2.1-2.4)."""

from __future__ import annotations

from urllib.parse import unquote_plus

from starlette.responses import PlainTextResponse, Response

from openhat.accounts import logins
from openhat.audit import service as audit
from openhat.errors import CredentialsRequired, RateExceeded
from openhat.identity import tokens
from openhat.web.context import TOKEN_FIELD, Call, client_address
from openhat.web.responses import JsonResponse, message


def access_token(call: Call) -> Response:
    """GET /users/access_token with `username` and `password` headers (URL-encoded),
    limited per client address here and per account in `accounts.logins`."""
    request = call.request
    client = client_address(request)
    if not call.state.login_buckets.take(client):
        raise RateExceeded("Rate of requests from your IP exceeded",
                           details=["Request to /users/access_token"])
    username = request.headers.get("username")
    password = request.headers.get("password")
    if not username or password is None:
        raise CredentialsRequired("No username or password provided to retrieve token")
    audit.attempted(unquote_plus(username))
    login = logins.log_in(call.store, call.hat, call.keys,
                          unquote_plus(username), unquote_plus(password), client,
                          call.state.lifetimes)
    audit.identified(login.user, {})
    response = JsonResponse({"accessToken": login.token, "userId": login.user.user_id})
    response.headers[TOKEN_FIELD] = login.token
    return response


def validate_token(call: Call) -> Response:
    """GET /users/access_token/validate: any valid token."""
    return message("Authenticated")


def public_key(call: Call) -> Response:
    """GET /publickey: the PEM of the key that signs new tokens."""
    return PlainTextResponse(tokens.signing_key(call.keys).public_pem)
