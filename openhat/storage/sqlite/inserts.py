"""Inserting records on SQLite: rows prepared before the write lock, written in one step.

`executemany` binds each row holding the GIL and runs it without, so under the write lock
every row is a chance for another thread of the process (parsing the next request) to take
the GIL; the writer then waits up to the 5 ms switch interval to get it back, while every
other writer queues behind it. One `INSERT ... SELECT` over `json_each` writes the whole
batch in a single step with the GIL released throughout. The record texts travel as one
BLOB cut by byte offsets (`substr` of TEXT would count characters from the start each
time), the fixed-size hashes as another.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from typing import NamedTuple

import orjson

from openhat.storage.rows import NewElement, NewRecord
from openhat.storage.sqlite import duplicates as sqlite_duplicates

_HASH_SIZE = hashlib.sha256().digest_size  # NewRecord.hash is a SHA-256 digest

_INSERT_RECORDS = (
    "INSERT INTO records (hat_id, record_id, endpoint, data, hash, created_at, updated_at,"
    " dup_key) SELECT :hat_id, value ->> 0, value ->> 1,"
    " CAST(substr(:texts, value ->> 3, value ->> 4) AS TEXT),"
    f" substr(:hashes, key * {_HASH_SIZE} + 1, {_HASH_SIZE}), :now, :now, value ->> 2"
    " FROM json_each(:rows)")
_INSERT_LINKS = ("INSERT INTO record_links (hat_id, group_id, record_id)"
                 " SELECT :hat_id, value ->> 0, value ->> 1 FROM json_each(:rows)")


class RecordRow(NamedTuple):
    record: NewRecord
    dup_key: int

    @property
    def content_key(self) -> sqlite_duplicates.ContentKey:
        return self.record.endpoint, self.record.hash


class Rows(NamedTuple):
    """Records in insertion order (each record, then its links) and link-group members."""

    records: list[RecordRow]
    links: list[tuple[str, str]]  # (group_id, record_id)

    def content_keys(self) -> set[sqlite_duplicates.ContentKey]:
        return {row.content_key for row in self.records}

    def dup_keys(self) -> list[int]:
        return [row.dup_key for row in self.records]


def element_rows(hat_id: str, elements: Sequence[NewElement]) -> Rows:
    records: list[RecordRow] = []
    links: list[tuple[str, str]] = []
    for record, element_links, group_id in elements:
        records.append(_record_row(hat_id, record))
        if element_links and group_id:
            records.extend(_record_row(hat_id, link) for link in element_links)
            links.append((group_id, record.record_id))
            links.extend((group_id, link.record_id) for link in element_links)
    return Rows(records, links)


def _record_row(hat_id: str, record: NewRecord) -> RecordRow:
    return RecordRow(record, sqlite_duplicates.duplicate_key(hat_id, record.endpoint,
                                                             record.hash))


class Prepared(NamedTuple):
    """The parameters of the two INSERT statements."""

    records: dict[str, object]
    links: dict[str, object] | None


def prepare(hat_id: str, now: int, rows: Rows) -> Prepared:
    texts: list[bytes] = []
    meta: list[tuple[str, str, int, int, int]] = []
    offset = 1
    for record, dup_key in rows.records:
        text = record.data.encode()
        texts.append(text)
        meta.append((record.record_id, record.endpoint, dup_key, offset, len(text)))
        offset += len(text)
    records: dict[str, object] = {
        "hat_id": hat_id, "now": now, "texts": b"".join(texts),
        "hashes": b"".join(row.record.hash for row in rows.records), "rows": orjson.dumps(meta)}
    links: dict[str, object] | None = None
    if rows.links:
        links = {"hat_id": hat_id, "rows": orjson.dumps(rows.links)}
    return Prepared(records, links)


def insert(conn: sqlite3.Connection, prepared: Prepared) -> None:
    conn.execute(_INSERT_RECORDS, prepared.records)
    if prepared.links is not None:
        conn.execute(_INSERT_LINKS, prepared.links)
