"""The records area: a HAT's records, their link groups, and the sorted pages read from them.

`Records` holds the reads (`store.records`, or `tx.records` inside a unit of work, where they
see the transaction's own writes); `RecordsWriter` adds the changes and exists only inside a
unit of work (`store.write(hat_id)`), all of them committing together or not at all.

Both backends implement them: the write path is hand-written per engine (SQLite's one-step
`json_each` insert, PostgreSQL's COPY), and every page is a `PageQuery` (storage.query gives
its semantics) built by the engine's query builder. Record data crosses as JSON text, never
decoded (storage.base).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from openhat.storage.query import EndpointSelect, LinkedRecord, PageQuery, QueriedRecord
from openhat.storage.query_indexes import OrderIndexes
from openhat.storage.rows import NewElement, NewRecord, StoredRecord


class Records(ABC):
    """The reads of the records area."""

    indexes: OrderIndexes  # the store's order-index policy (storage/query_indexes.py)

    @abstractmethod
    def get(self, hat_id: str, record_id: str) -> StoredRecord | None:
        """The record, or None when the HAT holds no record of that id."""

    @abstractmethod
    def data_bytes(self, hat_id: str) -> int:
        """Bytes of the HAT's record data as stored (the system status's database usage)."""

    @abstractmethod
    def get_many(self, hat_id: str, record_ids: Sequence[str]) -> list[StoredRecord]:
        """The records of these ids that the HAT holds, in no particular order."""

    @abstractmethod
    def page(self, hat_id: str, query: PageQuery) -> list[QueriedRecord]:
        """One page (storage.query gives the semantics): the union of the query's endpoint
        selections, each filtered, sorted (missing values last, ties in insertion order,
        then in the order of the selections), then `skip`/`take`. A sorted page of a large
        endpoint may start building an order index in the background (query_indexes)."""

    @abstractmethod
    def links(self, hat_id: str, record_ids: Sequence[str],
              select: EndpointSelect) -> list[LinkedRecord]:
        """Records of `select` that share a link group with one of `record_ids` (never a
        record itself), once per main record, grouped by main record in insertion order."""

    @abstractmethod
    def linked(self, hat_id: str, record_id: str) -> list[StoredRecord]:
        """Every record that shares a link group with `record_id` (never the record itself),
        whatever its endpoint, once, in insertion order; [] for an unknown id."""

    @abstractmethod
    def endpoints(self, hat_id: str) -> list[str]:
        """Distinct endpoints that hold records, sorted."""

    @abstractmethod
    def endpoints_of(self, hat_id: str, record_ids: Sequence[str]) -> list[str]:
        """Distinct endpoints of the given records, sorted (unknown ids are left out)."""

    @abstractmethod
    def newest_time(self, hat_id: str, endpoint: str) -> int | None:
        """When a record of the endpoint was last stored or updated (unix ms), or None when
        the endpoint holds none (an application's `mostRecentData`)."""


class RecordsWriter(Records):
    """The changes of the records area, inside one unit of work."""

    @abstractmethod
    def insert(self, hat_id: str, elements: Sequence[NewElement], now_ms: int,
               skip_duplicates: bool = False) -> list[bool]:
        """Store records with their links, in order (each element's record, then its links).

        Returns, per element, whether it was stored. Without `skip_duplicates` a duplicate
        anywhere raises DuplicateRecord and nothing is stored; with it, an element whose
        record or links duplicate stored data (or an earlier element) is skipped whole.
        Either way the unit of work stays usable."""

    @abstractmethod
    def update(self, hat_id: str, updates: Sequence[NewRecord], now_ms: int) -> None:
        """Replace the data of existing records (their endpoint is kept). Raises
        RecordsMissing (an unknown id) or DuplicateRecord (the new data is another record's
        of the same endpoint); the unit of work, left by the error, then changes nothing."""

    @abstractmethod
    def delete(self, hat_id: str, record_ids: Sequence[str]) -> None:
        """Delete exactly these records and their link memberships; a group left with fewer
        than two members goes too. Raises RecordsMissing when any id is unknown or listed
        twice (the unit of work, left by the error, then changes nothing)."""

    @abstractmethod
    def delete_endpoint(self, hat_id: str, endpoint: str) -> int:
        """Delete every record of one endpoint (as `delete` does); returns how many."""

    @abstractmethod
    def link(self, hat_id: str, group_id: str, record_ids: Sequence[str]) -> None:
        """Put existing records into one new link group (an id listed twice counts once).
        Raises RecordsMissing when any id is unknown."""
