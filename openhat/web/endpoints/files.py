"""The /files routes (spec 5.3) and the local blob store's signed upload and download URLs."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from openhat.errors import BadRequest, NotAuthenticated
from openhat.files import service as files
from openhat.files.rules import MANAGE_FILES, Accessor
from openhat.identity import permissions
from openhat.identity.permissions import DATACREDIT_ANY, OWNER, Principal, Role
from openhat.web.context import Call, authenticate, request_token
from openhat.web.responses import JsonResponse
from openhat.wire import parse_uuid, require_flag

ANY_MANAGER = Role(MANAGE_FILES.kind, "*")  # some managefiles grant (the route's rule)


# --- rules ---------------------------------------------------------------------------------

def can_upload(p: Principal, request: Request) -> bool:
    return permissions.allows(p, (DATACREDIT_ANY, OWNER), (ANY_MANAGER, OWNER))


def can_manage(p: Principal, request: Request) -> bool:
    return permissions.allows(p, (OWNER,), (OWNER, ANY_MANAGER))


# --- parsing -------------------------------------------------------------------------------

def files_of(call: Call) -> files.Files:
    url = call.request.url
    return files.Files(call.store, call.state.blobs, call.hat.hat_id,
                       f"{url.scheme}://{url.netloc}", call.state.settings.files_max_bytes)


def _who(call: Call) -> Accessor:
    assert call.caller is not None
    return Accessor(call.caller.principal, call.caller.user.user_id)


def _file_id(call: Call) -> str:
    return str(call.request.path_params["file_id"])


def _user_id(call: Call) -> str:
    raw = str(call.request.path_params["user_id"])
    found = parse_uuid(raw)
    if found is None:
        raise BadRequest(f"Cannot parse parameter userId as UUID: Invalid UUID string: {raw}")
    return found


def _content(call: Call) -> bool:
    return require_flag(call.request.query_params.get("content"), "content")


# --- handlers ------------------------------------------------------------------------------

def start_upload(call: Call) -> Response:
    return JsonResponse(files.start_upload(files_of(call), _who(call), call.body))


def complete(call: Call) -> Response:
    return JsonResponse(files.complete(files_of(call), _who(call),
                                       _file_id(call)))


def get_file(call: Call) -> Response:
    return JsonResponse(files.get(files_of(call), _who(call), _file_id(call)))


def update_file(call: Call) -> Response:
    return JsonResponse(files.update(files_of(call), _who(call), _file_id(call),
                                     call.body))


def delete_file(call: Call) -> Response:
    return JsonResponse(files.delete(files_of(call), _who(call), _file_id(call)))


def search(call: Call) -> Response:
    return JsonResponse(files.search(files_of(call), _who(call),
                                     call.body.template))


def content(call: Call) -> Response:
    """303 to a short-lived signed URL of the bytes. The token is optional (a public file
    needs none); an invalid one counts as none, as the original's user-aware action."""
    who = None
    if request_token(call.request):
        try:
            caller = authenticate(call)
            who = Accessor(caller.principal, caller.user.user_id)
        except NotAuthenticated:
            who = None
    url = files.content_url(files_of(call), who, _file_id(call))
    return RedirectResponse(url, status_code=303)


def allow_access(call: Call) -> Response:
    return JsonResponse(files.set_access(files_of(call), _who(call),
                                         _file_id(call), _user_id(call), _content(call)))


def restrict_access(call: Call) -> Response:
    return JsonResponse(files.set_access(files_of(call), _who(call),
                                         _file_id(call), _user_id(call), None))


def allow_access_matching(call: Call) -> Response:
    return JsonResponse(files.set_access_matching(files_of(call), _who(call), _user_id(call),
                                                  call.body.template, _content(call)))


def restrict_access_matching(call: Call) -> Response:
    return JsonResponse(files.set_access_matching(files_of(call), _who(call),
                                                  _user_id(call), call.body.template, None))


def allow_public(call: Call) -> Response:
    return JsonResponse(files.set_public(files_of(call), _who(call),
                                         _file_id(call), True))


def restrict_public(call: Call) -> Response:
    """Makes the file private (decision 14: the original's route makes it public)."""
    return JsonResponse(files.set_public(files_of(call), _who(call),
                                         _file_id(call), False))


# --- the local blob store ------------------------------------------------------------------

async def put_blob(call: Call) -> Response:
    """The bytes of an upload, streamed to disk; no token: the URL's signature is the
    authorisation. hat-js also sends `x-amz-server-side-encryption: AES256` (accepted:
    encrypting the disk is the operator's part)."""
    request = call.request
    await files.receive_upload(files_of(call), _file_id(call), request.query_params.get("expires"),
                               request.query_params.get("signature"),
                               request.headers.get("content-type"),
                               request.headers.get("content-length"), request.stream())
    return Response(status_code=200)


def get_blob(call: Call) -> Response:
    """The bytes, with their type and length, and `Range` reads (206)."""
    request = call.request
    found = files.download(files_of(call), _file_id(call),
                           request.query_params.get("expires"),
                           request.query_params.get("signature"))
    return FileResponse(found.path, media_type=found.content_type)
