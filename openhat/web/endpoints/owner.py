"""The owner's account: changing the password (spec 2.7)."""

from __future__ import annotations

from starlette.responses import Response

from openhat.errors import RateExceeded
from openhat.identity import passwords
from openhat.web.context import TOKEN_FIELD, Call
from openhat.web.responses import message


def change_password(call: Call) -> Response:
    """Every token issued before the change stops working; the response carries a new one
    (in `X-Auth-Token`, as the original). Attempts are limited per token, so a stolen token
    cannot be used to guess the old password quickly."""
    assert call.caller is not None
    user = call.caller.user
    if not call.state.password_buckets.take(f"{user.hat_id}/{call.caller.claims['jti']}"):
        raise RateExceeded("Too many password change attempts with this token",
                           details=["Request to /control/v2/auth/password"])
    token = passwords.change(call.store, call.hat, call.keys, user, call.body,
                             call.state.lifetimes)
    response = message("Password changed")
    response.headers[TOKEN_FIELD] = token
    return response
