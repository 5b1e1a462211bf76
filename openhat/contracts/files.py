"""Contract files (spec 5.6): the Files API for a contract that proves itself as for contract
data (service.verify). The file operation then runs with the contract's grants, as an
application's token would: `managefiles:<source>` (or `owner`) lets it upload to, read,
change and delete the files of that source; it sees no other file.
"""

from __future__ import annotations

from openhat.contracts.adjudicator import Adjudicator
from openhat.contracts.service import ContractRequest, verify
from openhat.files import service as files
from openhat.files.rules import Accessor
from openhat.wire import Json


def _who(f: files.Files, adjudicator: Adjudicator, request: ContractRequest) -> Accessor:
    contract = verify(f.store, f.hat_id, adjudicator, request)
    return Accessor(contract.principal, contract.owner_id)


def start_upload(f: files.Files, adjudicator: Adjudicator, request: ContractRequest) -> Json:
    return files.start_upload(f, _who(f, adjudicator, request), request.body)


def complete(f: files.Files, adjudicator: Adjudicator, request: ContractRequest,
             file_id: str) -> Json:
    return files.complete(f, _who(f, adjudicator, request), file_id)


def get(f: files.Files, adjudicator: Adjudicator, request: ContractRequest,
        file_id: str) -> Json:
    return files.get(f, _who(f, adjudicator, request), file_id)


def update(f: files.Files, adjudicator: Adjudicator, request: ContractRequest,
           file_id: str) -> Json:
    return files.update(f, _who(f, adjudicator, request), file_id, request.body)


def delete(f: files.Files, adjudicator: Adjudicator, request: ContractRequest,
           file_id: str) -> Json:
    return files.delete(f, _who(f, adjudicator, request), file_id)


def content_url(f: files.Files, adjudicator: Adjudicator, request: ContractRequest,
                file_id: str) -> str:
    return files.content_url(f, _who(f, adjudicator, request), file_id)
