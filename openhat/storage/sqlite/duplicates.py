"""Duplicate detection for the SQLite backend, through a compact 8-byte index.

A record duplicates another when the HAT, the endpoint and the SHA-256 of the canonical
JSON are all equal. A unique index on those three columns (about 85 bytes an entry) is
keyed in hash order, so every batch dirties a page of it for nearly every record, and each
commit writes all of them to the WAL again: that cost more than the rest of the insert.
SQLite keeps instead a non-unique index on `dup_key`, an 8-byte digest of the three, whose
pages hold five times as many entries; a lookup by `dup_key` finds the candidates and the
full (endpoint, hash) comparison decides, so a collision of the short digest can never
refuse a record. The lookup runs inside the write transaction, so no concurrent writer can
slip a duplicate in between.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from typing import Any

import orjson

ContentKey = tuple[str, bytes]  # (endpoint, hash): equal within one HAT means a duplicate


def duplicate_key(hat_id: str, endpoint: str, digest: bytes) -> int:
    """The signed 64-bit `dup_key` of a record (also the SQL function hat_duplicate_key,
    which the migration that added the column uses)."""
    key = hashlib.blake2b(f"{hat_id}\0{endpoint}\0".encode() + digest, digest_size=8)
    return int.from_bytes(key.digest(), "big", signed=True)


def duplicate_keys(hat_id: str) -> Callable[[str, bytes], int]:
    """`duplicate_key` of the HAT's records as a function of (endpoint, digest), for many
    records at once: each endpoint's part of the digest's input is hashed once, and each
    record's digest added to a copy of it (a bulk load computes a million)."""
    prefixes: dict[str, Any] = {}

    def key(endpoint: str, digest: bytes) -> int:
        prefix = prefixes.get(endpoint)
        if prefix is None:
            prefix = prefixes[endpoint] = hashlib.blake2b(f"{hat_id}\0{endpoint}\0".encode(),
                                                          digest_size=8)
        hasher = prefix.copy()
        hasher.update(digest)
        return int.from_bytes(hasher.digest(), "big", signed=True)

    return key


def register_function(conn: sqlite3.Connection) -> None:
    conn.create_function("hat_duplicate_key", 3, duplicate_key, deterministic=True)


def stored(conn: sqlite3.Connection, hat_id: str, dup_keys: list[int]) -> set[ContentKey]:
    """(endpoint, hash) of the HAT's stored records whose `dup_key` is among `dup_keys`."""
    # INDEXED BY: left alone, the planner prefers the hat_id prefix of another index,
    # which scans the whole HAT.
    rows = conn.execute("SELECT endpoint, hash FROM records INDEXED BY records_by_dup_key"
                        " WHERE dup_key IN (SELECT value FROM json_each(?)) AND hat_id = ?",
                        (orjson.dumps(dup_keys), hat_id))
    return set(rows)


def stored_elsewhere(conn: sqlite3.Connection, hat_id: str, record_id: str, endpoint: str,
                     digest: bytes, dup_key: int) -> bool:
    """Whether a record other than `record_id` already holds this data in the endpoint."""
    row = conn.execute("SELECT 1 FROM records INDEXED BY records_by_dup_key WHERE dup_key = ?"
                       " AND hat_id = ? AND endpoint = ? AND hash = ? AND record_id <> ?",
                       (dup_key, hat_id, endpoint, digest, record_id)).fetchone()
    return row is not None
