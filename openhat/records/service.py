"""Saving, reading, updating, deleting and linking records: the rich data API's domain.

Every change is one unit of work (`store.write(hat_id)`) emitting one event of what it changed
(openhat.events); who may change what is checked here too, inside it.

The duplicate rule (decisions doc): a record duplicates another when their `data` values are
equal as JSON (key order and whitespace ignored) in the same endpoint of the same HAT. Data is
stored as canonical JSON text (keys sorted, compact) and the duplicate key is its SHA-256, so
one serialisation serves both.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import orjson
import uuid_utils

from openhat.clock import now_ms
from openhat.errors import AccessDenied, DataMissing, DuplicateData, InsertFailed
from openhat.events import (
    EndpointCleared,
    RecordsCreated,
    RecordsDeleted,
    RecordsLinked,
    RecordsUpdated,
)
from openhat.identity import permissions
from openhat.identity.permissions import Principal
from openhat.records.wire import EndpointDataIn, record_json
from openhat.storage.base import Store
from openhat.storage.query import PageQuery
from openhat.storage.records import Records
from openhat.storage.rows import (
    DuplicateRecord,
    NewElement,
    NewRecord,
    RecordsMissing,
    StoredRecord,
)
from openhat.system import metrics
from openhat.wire import Json, dumps


def new_id() -> str:
    """A time-ordered (UUIDv7) id: new rows append to the primary-key index (perf-notes)."""
    return str(uuid_utils.uuid7())


def canonical(data: Any) -> bytes:
    """Compact JSON with sorted keys: the stored text and the duplicate key's input.
    Raises InsertFailed for values no backend can store (NUL characters, nesting deeper
    than 254 levels)."""
    try:
        text = dumps(data, option=orjson.OPT_SORT_KEYS)
    except TypeError as exc:
        raise InsertFailed(f"Could not insert data - {exc}") from None
    if b"\\u0000" in text:
        # PostgreSQL's jsonb refuses NUL in strings; refuse it on every backend alike.
        raise InsertFailed("Duplicate data - Unexpected issue with inserting data")
    return text


def new_record(endpoint: str, data: Any, record_id: str | None = None) -> NewRecord:
    text = canonical(data)
    return NewRecord(record_id or new_id(), endpoint, text.decode(),
                     hashlib.sha256(text).digest())


def _element(item: EndpointDataIn) -> NewElement:
    """A batch element: its record and first-level links (deeper links are not stored)."""
    links = tuple(new_record(link.endpoint, link.data) for link in item.links)
    return NewElement(new_record(item.endpoint, item.data), links,
                      new_id() if links else None)


def _saved_json(element: NewElement) -> Json:
    links = [record_json(r.endpoint, r.record_id, r.data) for r in element.links]
    r = element.record
    return record_json(r.endpoint, r.record_id, r.data, links)


def _insert(store: Store, hat_id: str, elements: list[NewElement], skip: bool,
            duplicate: str) -> list[bool]:
    """Store the elements in one unit of work, emitting RecordsCreated; raises DuplicateData
    (with the `duplicate` message) when nothing may be stored."""
    # Built before the unit of work (every element is stored unless duplicates are skipped),
    # so that the SQLite write lock is not held for it.
    created = None if skip else _created(hat_id, elements)
    try:
        with store.write(hat_id) as tx:
            stored = tx.records.insert(hat_id, elements, now_ms(), skip)
            if created is None:
                created = _created(hat_id, [e for e, ok in zip(elements, stored, strict=True)
                                            if ok])
            if created.records:
                tx.emit(created)
    except DuplicateRecord:
        raise DuplicateData(duplicate) from None
    kept = [r for e, ok in zip(elements, stored, strict=True) if ok for r in (e.record, *e.links)]
    metrics.observe_write(len(kept), sum(len(r.data.encode()) for r in kept))
    return stored


def _created(hat_id: str, elements: Sequence[NewElement]) -> RecordsCreated:
    return RecordsCreated(hat_id, tuple((r.endpoint, r.record_id) for e in elements
                                        for r in (e.record, *e.links)))


def save_endpoint_data(store: Store, hat_id: str, endpoint: str, body: Any,
                       skip_errors: bool) -> Json | list[Json]:
    """POST /data/{ns}/{ep}: an array stores each element, anything else one record.

    Raises DuplicateData (nothing stored) unless `skip_errors` drops the duplicates."""
    values = body if isinstance(body, list) else [body]
    skip = skip_errors and isinstance(body, list)
    elements = [NewElement(new_record(endpoint, value)) for value in values]
    stored = _insert(store, hat_id, elements, skip, "Duplicate data - Duplicate data")
    saved = [_saved_json(e) for e, ok in zip(elements, stored, strict=True) if ok]
    return saved if isinstance(body, list) else saved[0]


BATCH_DENIED = "Access Denied - No rights to insert some or all of the data in the batch"


def save_batch(store: Store, hat_id: str, principal: Principal,
               items: Sequence[EndpointDataIn], skip_errors: bool) -> list[Json]:
    """POST /data-batch: every element with its first-level links, atomically. Raises
    AccessDenied unless the caller may write every namespace named (links too).

    With `skip_errors` an element that duplicates stored data is left out whole."""
    require_namespaces(principal, items, BATCH_DENIED)
    elements = [_element(item) for item in items]
    stored = _insert(store, hat_id, elements, skip_errors,
                     "Could not insert data - Duplicate data")
    return [_saved_json(e) for e, ok in zip(elements, stored, strict=True) if ok]


def read_endpoint(store: Store, hat_id: str, query: PageQuery) -> list[Json]:
    """GET /data/{ns}/{ep}: one page (records.wire.data_page), without links."""
    return [record_json(r.endpoint, r.record_id, r.data)
            for r in store.records.page(hat_id, query)]


def _read_json(record: StoredRecord) -> Json:
    return record_json(record.endpoint, record.record_id, record.data)


def get_record(store: Store, hat_id: str, record_id: str | None) -> Json:
    """GET /data-record/{id}. Raises DataMissing for an unknown (or malformed) id."""
    record = store.records.get(hat_id, record_id) if record_id else None
    if record is None:
        raise DataMissing("Could not find unique record: No single record found for provided ID")
    return _read_json(record)


def linked_records(store: Store, hat_id: str, record_id: str) -> tuple[Json, list[Json]]:
    """A record and the records linked to it, as EndpointData (openhat: the original offers
    links only through an endpoint query's `links`). Raises DataMissing for an unknown id."""
    record = get_record(store, hat_id, record_id)
    return record, [_read_json(found) for found in store.records.linked(hat_id, record_id)]


UPDATE_DENIED = "Access Denied - No rights to update some or all of the data"
STORED_NAMESPACES_DENIED = ("Access Denied - Permissions to modify records in some of the"
                            " namespaces missing")


def require_namespaces(principal: Principal, items: Sequence[EndpointDataIn],
                       cause: str) -> None:
    """Every namespace of every element and link must be writable, before anything is."""
    namespaces: set[str] = set()
    for item in items:
        namespaces |= item.namespaces()
    if not all(permissions.can_write_namespace(principal, ns) for ns in namespaces):
        raise AccessDenied(cause)


def require_stored_namespaces(records: Records, hat_id: str, principal: Principal,
                              record_ids: Sequence[str], cause: str) -> None:
    """Anyone but the owner may only touch stored records in namespaces they can write.

    The original checks this for app tokens on DELETE only (spec 3.6) and relies on record
    ownership for other users; openhat records belong to the HAT, so it checks every caller
    but the owner, on DELETE, PUT and /data-link alike (a PUT naming a writable endpoint
    must not rewrite a record stored elsewhere). Run on the unit of work's `records`, so no
    record changes endpoint between the check and the change."""
    if permissions.with_role(principal, permissions.OWNER) or not record_ids:
        return
    endpoints = records.endpoints_of(hat_id, record_ids)
    if not all(permissions.can_write_namespace(principal, e.split("/")[0]) for e in endpoints):
        raise AccessDenied(cause)


def update_records(store: Store, hat_id: str, principal: Principal,
                   items: Sequence[EndpointDataIn]) -> list[Json]:
    """PUT /data: replace the data of existing records, all or nothing. The answer echoes
    the request's records (as the original does), data as stored. Raises AccessDenied,
    DataMissing or DuplicateData."""
    require_namespaces(principal, items, UPDATE_DENIED)
    updates = [new_record(item.endpoint, item.data, item.record_id) for item in items]
    try:
        with store.write(hat_id) as tx:
            require_stored_namespaces(tx.records, hat_id, principal,
                                      [i.record_id for i in items if i.record_id],
                                      UPDATE_DENIED)
            tx.records.update(hat_id, updates, now_ms())
            if updates:
                tx.emit(RecordsUpdated(hat_id, tuple((u.endpoint, u.record_id)
                                                     for u in updates)))
    except RecordsMissing:
        raise DataMissing("Could not update records: Records missing for updating") from None
    except DuplicateRecord:
        raise DuplicateData("Could not update records: Duplicate data") from None
    return [record_json(u.endpoint, u.record_id, u.data) for u in updates]


def delete_records(store: Store, hat_id: str, principal: Principal,
                   record_ids: Sequence[str]) -> None:
    """DELETE /data?records=: all or nothing. Raises AccessDenied or DataMissing."""
    if not record_ids:
        return
    try:
        with store.write(hat_id) as tx:
            require_stored_namespaces(tx.records, hat_id, principal, record_ids,
                                      STORED_NAMESPACES_DENIED)
            endpoints = {r.record_id: r.endpoint for r in tx.records.get_many(hat_id, record_ids)}
            tx.records.delete(hat_id, record_ids)
            tx.emit(RecordsDeleted(hat_id, tuple((endpoints[i], i) for i in record_ids)))
    except RecordsMissing:
        raise DataMissing("Could not delete records: Records missing for deleting") from None


def clear_endpoint(store: Store, hat_id: str, endpoint: str) -> int:
    """DELETE /data/{ns}/{ep}: every record of the endpoint; returns how many went."""
    with store.write(hat_id) as tx:
        count = tx.records.delete_endpoint(hat_id, endpoint)
        if count:
            tx.emit(EndpointCleared(hat_id, endpoint, count))
    return count


def link_records(store: Store, hat_id: str, principal: Principal,
                 record_ids: Sequence[str]) -> None:
    """POST /data-link: one new group of existing records. Raises AccessDenied or
    DataMissing."""
    if not record_ids:
        raise DataMissing("Could not link records: No records given")
    try:
        with store.write(hat_id) as tx:
            require_stored_namespaces(tx.records, hat_id, principal, record_ids,
                                      STORED_NAMESPACES_DENIED)
            group_id = new_id()
            tx.records.link(hat_id, group_id, record_ids)
            tx.emit(RecordsLinked(hat_id, group_id, tuple(dict.fromkeys(record_ids))))
    except RecordsMissing:
        raise DataMissing("Could not link records: Records missing for linking") from None


def sources(store: Store, hat_id: str) -> dict[str, list[str]]:
    """GET /data/sources: endpoints grouped by namespace (`a/b/c` → `{"a": ["b/c"]}`)."""
    grouped: dict[str, list[str]] = {}
    for endpoint in store.records.endpoints(hat_id):
        namespace, _, rest = endpoint.partition("/")
        grouped.setdefault(namespace, []).append(rest)
    return grouped
