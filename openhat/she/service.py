"""SHE function operations (`/she/function...`, the original's FunctionManager): list, get,
enable, disable, trigger, and the schedule that runs the enabled functions when due.

A run is one unit of work: it reads the function's status, counts, stores its record and
the new `lastExecution` together, so two processes running the schedule at once cannot
both run a function for the same period (the second sees the first's `lastExecution`).
"""

from __future__ import annotations

import logging

from openhat.clock import now_ms
from openhat.errors import MessageError
from openhat.events import FunctionDisabled, FunctionEnabled, FunctionExecuted, RecordsCreated
from openhat.records.service import new_record
from openhat.she.functions import FUNCTIONS, Function, configuration
from openhat.storage.base import Store, Tx
from openhat.storage.rows import FunctionStatus, NewElement
from openhat.wire import Json

log = logging.getLogger("openhat.she")


class FunctionNotFound(MessageError):
    status = 404
    title = "Function Not Found"

    def __init__(self, function_id: str) -> None:
        super().__init__(f"Function {function_id} not found")


class FunctionNotEnabled(MessageError):
    status = 400
    title = "Function Not Enabled"

    def __init__(self, function_id: str) -> None:
        super().__init__(f"Function {function_id} not enabled for execution")


def _function(function_id: str) -> Function:
    found = FUNCTIONS.get(function_id)
    if found is None:
        raise FunctionNotFound(function_id)
    return found


def _status(source: Store | Tx, hat_id: str, function_id: str) -> FunctionStatus:
    return source.functions.get(hat_id, function_id) or \
        FunctionStatus(function_id, False, None, None)


def _json(function: Function, status: FunctionStatus) -> Json:
    return configuration(function, status.enabled, status.last_execution,
                         status.execution_started)


def functions(store: Store, hat_id: str) -> list[Json]:
    """Every built-in function with its status on the HAT."""
    return [_json(f, _status(store, hat_id, f.function_id)) for f in FUNCTIONS.values()]


def function(store: Store, hat_id: str, function_id: str) -> Json:
    """Raises FunctionNotFound (404)."""
    found = _function(function_id)
    return _json(found, _status(store, hat_id, function_id))


def set_enabled(store: Store, hat_id: str, function_id: str, enabled: bool) -> Json:
    """Enable or disable a function. Raises FunctionNotFound (404)."""
    found = _function(function_id)
    with store.write(hat_id) as tx:
        status = _status(tx, hat_id, function_id)
        status = FunctionStatus(function_id, enabled, status.last_execution,
                                status.execution_started)
        tx.functions.save(hat_id, status)
        tx.emit((FunctionEnabled if enabled else FunctionDisabled)(hat_id, function_id))
    return _json(found, status)


def trigger(store: Store, hat_id: str, function_id: str, use_all: bool) -> None:
    """Run an enabled function now: over all of the HAT's data with `use_all`, else since
    its last run (or one period back). Raises FunctionNotFound (404), FunctionNotEnabled
    (400)."""
    found = _function(function_id)
    if not _status(store, hat_id, function_id).enabled:
        raise FunctionNotEnabled(function_id)
    _run(store, hat_id, found, use_all=use_all, only_if_due=False)


def run_due(store: Store) -> int:
    """Run every enabled periodic function whose period has passed, on every HAT of the
    store; how many ran. A failure on one HAT is logged and the others still run."""
    ran = 0
    for hat in store.hats.all():
        for status in store.functions.all(hat.hat_id):
            found = FUNCTIONS.get(status.function_id)
            if found is None or found.period_s is None or not status.enabled:
                continue
            try:
                ran += _run(store, hat.hat_id, found, use_all=False, only_if_due=True)
            except Exception:
                log.exception("SHE function %s failed", found.function_id)
    return ran


def _run(store: Store, hat_id: str, found: Function, use_all: bool, only_if_due: bool) -> bool:
    """One run in one unit of work; False when, read inside it, the function is not (or no
    longer) enabled and due."""
    started = now_ms()
    now = started // 1000
    with store.write(hat_id) as tx:
        status = _status(tx, hat_id, found.function_id)
        period = found.period_s or 0
        last = None if status.last_execution is None else status.last_execution // 1000
        if only_if_due and (not status.enabled or (last is not None and now - last < period)):
            return False
        since = 0 if use_all else (last if last is not None else now - period)
        data = found.run(tx, hat_id, since, now)
        record = new_record(found.output_endpoint, data)
        tx.records.insert(hat_id, [NewElement(record)], started, False)
        tx.functions.save(hat_id, FunctionStatus(found.function_id, status.enabled,
                                                 now_ms(), started))
        tx.emit(RecordsCreated(hat_id, ((record.endpoint, record.record_id),)))
        tx.emit(FunctionExecuted(hat_id, found.function_id))
    return True
