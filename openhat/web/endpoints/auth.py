"""Owner login, token validation and the public key (spec 2.1-2.4)."""

from __future__ import annotations

from urllib.parse import unquote_plus

from starlette.responses import PlainTextResponse, Response

from openhat.clock import now_s
from openhat.errors import CredentialsRequired, NotAuthenticated, RateExceeded
from openhat.identity import tokens, users
from openhat.storage.rows import User
from openhat.web.context import TOKEN_FIELD, Call
from openhat.web.responses import JsonResponse, message


def primary_role(roles: tuple[str, ...]) -> str:
    """The first of owner > platform > datacredit > datadebit held, else validate."""
    kinds = [r.split(":")[0].split("(")[0] for r in roles]
    for kind in ("owner", "platform", "datacredit", "datadebit"):
        if kind in kinds:
            return kind
    return "validate"


async def access_token(call: Call) -> Response:
    """GET /users/access_token with `username` and `password` headers (URL-encoded)."""
    request = call.request
    client = request.client.host if request.client else "unknown"
    if not call.state.login_buckets.take(client):
        raise RateExceeded("Rate of requests from your IP exceeded",
                           details=["Request to /users/access_token"])
    username = request.headers.get("username")
    password = request.headers.get("password")
    if not username or password is None:
        raise CredentialsRequired("No username or password provided to retrieve token")
    user = await call.run(users.login, call.store, call.hat.hat_id, unquote_plus(username),
                          unquote_plus(password))
    if user is None:
        raise NotAuthenticated()
    token = await call.run(owner_token, call, user)
    response = JsonResponse({"accessToken": token, "userId": user.user_id})
    response.headers[TOKEN_FIELD] = token
    return response


def owner_token(call: Call, user: User) -> str:
    """A login token for `user`. It is never older than the user's password: a password
    changed within this second takes effect at the next one (passwords.set_password)."""
    now = max(now_s(), user.password_changed_at)
    return tokens.issue(call.keys, call.hat.domain, user.user_id,
                        {"accessScope": primary_role(user.roles), "resource": call.hat.domain},
                        call.state.lifetimes, now=now)


async def validate_token(call: Call) -> Response:
    """GET /users/access_token/validate: any valid token."""
    return message("Authenticated")


async def public_key(call: Call) -> Response:
    """GET /publickey: the PEM of the key that signs new tokens."""
    return PlainTextResponse(tokens.signing_key(call.keys).public_pem)
