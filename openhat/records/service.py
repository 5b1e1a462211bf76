"""Saving, reading, updating, deleting and linking records: the rich data API's domain.

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
from openhat.errors import DataMissing, DuplicateData, InsertFailed
from openhat.records.wire import EndpointDataIn, record_json
from openhat.storage.base import Store
from openhat.storage.rows import (
    DuplicateRecord,
    FieldFilter,
    NewElement,
    NewRecord,
    RecordQuery,
    RecordsMissing,
    StoredRecord,
)
from openhat.wire import Json


def new_id() -> str:
    """A time-ordered (UUIDv7) id: new rows append to the primary-key index (perf-notes)."""
    return str(uuid_utils.uuid7())


def canonical(data: Any) -> bytes:
    """Compact JSON with sorted keys: the stored text and the duplicate key's input.
    Raises InsertFailed for values no backend can store (NUL characters, nesting deeper
    than 254 levels)."""
    try:
        text = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
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


def save_endpoint_data(store: Store, hat_id: str, endpoint: str, body: Any,
                       skip_errors: bool) -> Json | list[Json]:
    """POST /data/{ns}/{ep}: an array stores each element, anything else one record.

    Raises DuplicateData (nothing stored) unless `skip_errors` drops the duplicates."""
    values = body if isinstance(body, list) else [body]
    skip = skip_errors and isinstance(body, list)
    elements = [NewElement(new_record(endpoint, value)) for value in values]
    try:
        stored = store.insert_elements(hat_id, elements, now_ms(), skip_duplicates=skip)
    except DuplicateRecord:
        raise DuplicateData("Duplicate data - Duplicate data") from None
    saved = [_saved_json(e) for e, ok in zip(elements, stored, strict=True) if ok]
    return saved if isinstance(body, list) else saved[0]


def save_batch(store: Store, hat_id: str, items: Sequence[EndpointDataIn],
               skip_errors: bool) -> list[Json]:
    """POST /data-batch: every element with its first-level links, atomically.

    With `skip_errors` an element that duplicates stored data is left out whole."""
    elements = [_element(item) for item in items]
    try:
        stored = store.insert_elements(hat_id, elements, now_ms(), skip_duplicates=skip_errors)
    except DuplicateRecord:
        raise DuplicateData("Could not insert data - Duplicate data") from None
    return [_saved_json(e) for e, ok in zip(elements, stored, strict=True) if ok]


def read_endpoint(store: Store, hat_id: str, query: RecordQuery) -> list[Json]:
    """GET /data/{ns}/{ep}: one page, without links."""
    return [_read_json(r) for r in store.read_records(hat_id, query)]


def _read_json(record: StoredRecord) -> Json:
    return record_json(record.endpoint, record.record_id, record.data)


def get_record(store: Store, hat_id: str, record_id: str | None) -> Json:
    """GET /data-record/{id}. Raises DataMissing for an unknown (or malformed) id."""
    record = store.get_record(hat_id, record_id) if record_id else None
    if record is None:
        raise DataMissing("Could not find unique record: No single record found for provided ID")
    return _read_json(record)


def update_records(store: Store, hat_id: str, items: Sequence[EndpointDataIn]) -> list[Json]:
    """PUT /data: replace the data of existing records, all or nothing. The answer echoes
    the request's records (as the original does), data as stored."""
    updates = [new_record(item.endpoint, item.data, item.record_id) for item in items]
    try:
        store.update_records(hat_id, updates, now_ms())
    except RecordsMissing:
        raise DataMissing("Could not update records: Records missing for updating") from None
    except DuplicateRecord:
        raise DuplicateData("Could not update records: Duplicate data") from None
    return [record_json(u.endpoint, u.record_id, u.data) for u in updates]


def delete_records(store: Store, hat_id: str, record_ids: Sequence[str]) -> None:
    """DELETE /data?records=: all or nothing. Raises DataMissing."""
    try:
        store.delete_records(hat_id, record_ids)
    except RecordsMissing:
        raise DataMissing("Could not delete records: Records missing for deleting") from None


def link_records(store: Store, hat_id: str, record_ids: Sequence[str]) -> None:
    """POST /data-link: one new group of existing records. Raises DataMissing."""
    if not record_ids:
        raise DataMissing("Could not link records: No records given")
    try:
        store.link_records(hat_id, new_id(), record_ids)
    except RecordsMissing:
        raise DataMissing("Could not link records: Records missing for linking") from None


def sources(store: Store, hat_id: str) -> dict[str, list[str]]:
    """GET /data/sources: endpoints grouped by namespace (`a/b/c` → `{"a": ["b/c"]}`)."""
    grouped: dict[str, list[str]] = {}
    for endpoint in store.endpoints(hat_id):
        namespace, _, rest = endpoint.partition("/")
        grouped.setdefault(namespace, []).append(rest)
    return grouped


def field_filter(params: Sequence[tuple[str, str]]) -> FieldFilter | None:
    """The ad-hoc GET filter from the query parameters that are not paging ones: only the
    first such key counts, its repeated values form the list (spec 3.2)."""
    first = None
    values: list[str] = []
    for key, value in params:
        if first is None:
            first = key
        if key == first:
            values.append(value)
    if first is None:
        return None
    return FieldFilter(tuple(first.split(".")), tuple(values))
