"""Users, service tokens, hatlogin, password reset and address verification (spec 2.6-2.8)."""

from __future__ import annotations

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response

from openhat.accounts import resets, services, verification
from openhat.accounts import users as accounts
from openhat.accounts.wire import user_json
from openhat.errors import BadRequest, RateExceeded
from openhat.identity import permissions
from openhat.identity.permissions import Principal
from openhat.web.context import TOKEN_FIELD, Call, client_address, optional_caller
from openhat.web.responses import JsonResponse, message
from openhat.wire import nul_free


def can_manage(p: Principal, request: Request) -> bool:
    return permissions.manage_users(p)


def can_list(p: Principal, request: Request) -> bool:
    return permissions.any_login(p)


def _caller(call: Call) -> Principal:
    assert call.caller is not None
    return call.caller.principal


def _user_id(call: Call) -> str:
    return str(call.request.path_params["user_id"])


def list_users(call: Call) -> Response:
    """GET /users/user."""
    found = accounts.list_users(call.store, call.hat.hat_id)
    return JsonResponse([user_json(u) for u in found])


def create_user(call: Call) -> Response:
    """POST /users/user → 201 with the new user."""
    user = accounts.create(call.store, call.hat.hat_id, _caller(call),
                           call.body)
    return JsonResponse(user_json(user), status_code=201)


def update_user(call: Call) -> Response:
    """PUT /users/user/{id}/update → 201 with the user, as the original."""
    user = accounts.update(call.store, call.hat.hat_id, _caller(call),
                           _user_id(call), call.body)
    return JsonResponse(user_json(user), status_code=201)


def enable_user(call: Call) -> Response:
    accounts.set_enabled(call.store, call.hat.hat_id, _caller(call),
                         _user_id(call), True)
    return message("Enabled")


def disable_user(call: Call) -> Response:
    accounts.set_enabled(call.store, call.hat.hat_id, _caller(call),
                         _user_id(call), False)
    return message("Disabled")


def delete_user(call: Call) -> Response:
    accounts.delete(call.store, call.hat.hat_id, _caller(call), _user_id(call))
    return message("Account deleted")


def _param(call: Call, name: str) -> str:
    value = call.request.query_params.get(name)
    if value is None:
        raise BadRequest(f"Missing parameter: {name}")
    return nul_free(name, value)  # an application's name with NUL was a 500 on PostgreSQL


def application_token(call: Call) -> Response:
    """GET /users/application_token?name=&resource= (owner): a service token."""
    assert call.caller is not None
    token = services.application_token(call.keys, call.hat, call.caller.user,
                                       _param(call, "name"), _param(call, "resource"),
                                       call.state.lifetimes)
    return JsonResponse({"accessToken": token, "userId": call.caller.user.user_id})


def hat_login(call: Call) -> Response:
    """GET /control/v2/auth/hatlogin?name=&redirect= (owner)."""
    assert call.caller is not None
    url = services.hat_login(call.store, call.keys, call.hat,
                             call.caller.user, _param(call, "name"), _param(call, "redirect"),
                             call.state.lifetimes)
    return message(url)


def _limit(call: Call, path: str) -> None:
    if not call.state.mail_buckets.take(client_address(call.request)):
        raise RateExceeded("Rate of requests from your IP exceeded",
                           details=[f"Request to {path}"])


def password_reset(call: Call) -> Response:
    """POST /control/v2/auth/passwordReset: always the same answer; the work (and the mail)
    happens after it is sent. `sendEmailToUser=false` (which makes the original hand the
    reset token to an anonymous caller) is ignored."""
    _limit(call, "/control/v2/auth/passwordReset")
    email = call.body
    return JsonResponse({"message": resets.ANSWER}, background=BackgroundTask(
        resets.request_reset, call.store, call.state.mailer, call.hat, email))


def reset_password_v26(call: Call) -> Response:
    """POST /api/v2.6/reset-password: as passwordReset, with the original's empty 200."""
    _limit(call, "/api/v2.6/reset-password")
    email = call.body
    return Response(status_code=200, background=BackgroundTask(
        resets.request_reset, call.store, call.state.mailer, call.hat, email))


def confirm_reset(call: Call) -> Response:
    """POST /control/v2/auth/passwordreset/confirm/{token}."""
    token = resets.confirm_reset(call.store, call.hat, call.keys,
                                 str(call.request.path_params["token"]), call.body.new_password,
                                 call.state.lifetimes)
    response = message("Password reset")
    response.headers[TOKEN_FIELD] = token
    return response


def request_verification(call: Call) -> Response:
    """POST /control/v2/auth/claim and /request-verification: always the same answer. With
    the owner's token, the body's address becomes the one to verify."""
    _limit(call, call.request.url.path)
    caller = optional_caller(call)
    owner = caller.user if caller and permissions.with_role(caller.principal,
                                                            permissions.OWNER) else None
    return JsonResponse({"message": verification.ANSWER}, background=BackgroundTask(
        verification.request_verification, call.store, call.state.mailer, call.hat, owner,
        call.body))


def complete_claim(call: Call) -> Response:
    """POST /control/v2/auth/claim/complete/{token}."""
    token = verification.complete(call.store, call.hat, call.keys,
                                  str(call.request.path_params["token"]), call.body,
                                  call.state.lifetimes)
    response = message(verification.CLAIMED)
    if token is not None:
        response.headers[TOKEN_FIELD] = token
    return response
