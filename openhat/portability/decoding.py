"""An archive's lines as the rows the loader takes, decoded in a process of its own for a
large import: decoding is pure Python and holds the GIL (a thread beside the load would
stall the load's every step), so a second process is what lets the load (this process and
the database) and the decoding use two cores at once.

A row's JSON column becomes its canonical text (as the API stores it: the duplicate key's
input, so a record imported is a duplicate of the same data written later), and the
columns the importer derives are computed from it.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from functools import cache
from types import TracebackType
from typing import Any

from openhat.errors import HatError
from openhat.portability.archive import ArchiveError, lines_decoder
from openhat.records.service import canonical
from openhat.storage.sql.portable import BY_NAME, PORTABLE_TABLES, PortableTable, Row

PROCESS_ROWS = 50_000  # from this many rows on an import decodes in a process of its own
# (starting one costs about 0.3 s, which a smaller import would notice)
AHEAD = 4  # batches decoded ahead of the load: enough to keep both sides busy, small in memory

_DERIVED: dict[tuple[str, str], Callable[[bytes], Any]] = {
    # the duplicate key of a record: the SHA-256 of its canonical JSON (records.service)
    ("records", "hash"): lambda text: hashlib.sha256(text).digest(),
}
assert {(t.name, d) for t in PORTABLE_TABLES for d in t.derived} == set(_DERIVED)


def stored_values(table: PortableTable) -> Callable[[list[Any]], Row]:
    """A row's values (JSON columns as decoded values; the list is used up) as the loader
    takes them: JSON as canonical text, as the API stores it, and the derived columns
    computed."""
    json_at = [i for i, c in enumerate(table.columns) if c.kind == "json"]
    if not json_at:
        return tuple
    assert len(json_at) == 1 and len(table.derived) <= 1
    at = json_at[0]
    derive = [_DERIVED[(table.name, name)] for name in table.derived]

    def stored(values: list[Any]) -> Row:
        try:
            text = canonical(values[at])
        except HatError as exc:
            raise ArchiveError(f"{table.name}: {exc}") from None
        values[at] = text.decode()
        values.extend(fn(text) for fn in derive)
        return tuple(values)

    return stored


@cache
def _decoders(table_name: str
              ) -> tuple[Callable[[list[bytes]], list[list[Any]]], Callable[[list[Any]], Row]]:
    table = BY_NAME[table_name]
    return lines_decoder(table), stored_values(table)


def decode_lines(table_name: str, lines: list[bytes]) -> list[Row]:
    """The lines of a part of `table_name` as rows for the loader; raises ArchiveError for
    a line that does not fit the table. (A module function, so a worker process can run it.)"""
    decode, stored = _decoders(table_name)
    return [stored(values) for values in decode(lines)]


class Decoder:
    """Decodes batches of lines: in one worker process when `rows` (what the import holds)
    reaches PROCESS_ROWS, else here, at once. The worker runs without the cycle collector:
    decoded JSON holds no cycles (reference counts free it), and collecting among the
    thousands of objects of a batch in flight costs a sixth of the decoding. Use it as a
    context manager: leaving it stops the worker, with what it had still to do."""

    def __init__(self, rows: int) -> None:
        self._pool = (ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                          initializer=gc.disable)
                      if rows >= PROCESS_ROWS else None)

    def submit(self, table: PortableTable, lines: list[bytes]) -> Future[list[Row]]:
        """The rows of `lines`, to come (their `result()` raises the decoding's ArchiveError)."""
        if self._pool is not None:
            return self._pool.submit(decode_lines, table.name, lines)
        done: Future[list[Row]] = Future()
        try:
            done.set_result(decode_lines(table.name, lines))
        except ArchiveError as exc:
            done.set_exception(exc)
        return done

    def __enter__(self) -> Decoder:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
