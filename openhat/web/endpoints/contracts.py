"""Contract data routes (spec 5.6): no HAT token; the body's contract token is verified
with the adjudicator (contracts/service.py)."""

from __future__ import annotations

from typing import Any

from starlette.responses import RedirectResponse, Response

from openhat.contracts import files as contract_files
from openhat.contracts import service as contracts
from openhat.contracts.adjudicator import Adjudicator
from openhat.records.wire import data_page
from openhat.web.context import Call
from openhat.web.endpoints.data import bool_param, int_param, page_params, path_endpoint
from openhat.web.endpoints.files import files_of
from openhat.web.responses import JsonResponse


def read_body(value: Any) -> contracts.ContractRequest:
    return contracts.parse_request(value)


def create_body(value: Any) -> contracts.ContractRequest:
    return contracts.parse_request(value, "create")


def update_body(value: Any) -> contracts.ContractRequest:
    return contracts.parse_request(value, "update")


def file_body(value: Any) -> contracts.ContractRequest:
    return contracts.parse_request(value, "file")


def _adjudicator(call: Call) -> Adjudicator:
    settings = call.state.settings
    return Adjudicator.configured(settings.adjudicator_url, settings.adjudicator_secret)


def read(call: Call) -> Response:
    request = call.request
    q = request.query_params
    query = data_page(path_endpoint(request), q.get("orderBy"),
                      q.get("ordering") == "descending", int_param(request, "skip", 0),
                      int_param(request, "take", 1000), page_params(request))
    return JsonResponse(contracts.read(call.store, call.hat.hat_id, _adjudicator(call), call.body,
                                       str(request.path_params["namespace"]), query))


def create(call: Call) -> Response:
    request = call.request
    saved = contracts.create(call.store, call.hat.hat_id, _adjudicator(call), call.body,
                             str(request.path_params["namespace"]), path_endpoint(request),
                             bool_param(request, "skipErrors"))
    return JsonResponse(saved, status_code=201)


def update(call: Call) -> Response:
    updated = contracts.update(call.store, call.hat.hat_id, _adjudicator(call), call.body,
                               str(call.request.path_params["namespace"]))
    return JsonResponse(updated, status_code=201)


# --- contract files: the Files API with the contract's grants ---------------------------------

def _file_id(call: Call) -> str:
    return str(call.request.path_params["file_id"])


def start_upload(call: Call) -> Response:
    return JsonResponse(contract_files.start_upload(files_of(call),
                                                    _adjudicator(call), call.body))


def complete_file(call: Call) -> Response:
    return JsonResponse(contract_files.complete(files_of(call),
                                                _adjudicator(call), call.body, _file_id(call)))


def get_file(call: Call) -> Response:
    return JsonResponse(contract_files.get(files_of(call),
                                           _adjudicator(call), call.body, _file_id(call)))


def update_file(call: Call) -> Response:
    return JsonResponse(contract_files.update(files_of(call),
                                              _adjudicator(call), call.body, _file_id(call)))


def delete_file(call: Call) -> Response:
    return JsonResponse(contract_files.delete(files_of(call),
                                              _adjudicator(call), call.body, _file_id(call)))


def file_content(call: Call) -> Response:
    """303 to a short-lived signed URL of the bytes (the original: 303 as well)."""
    url = contract_files.content_url(files_of(call), _adjudicator(call),
                                     call.body, _file_id(call))
    return RedirectResponse(url, status_code=303)
