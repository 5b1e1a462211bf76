"""An archive read and its lines decoded beside the load, so that an import uses two cores:

- `read_ahead`: the archive's members read (gunzipped, untarred, each part's SHA-256) in a
  thread, a part or two ahead: that work is mostly C code that lets go of the GIL.
- `Decoder`: the lines turned into the rows the loader takes, in processes of their own for
  a large import: decoding is pure Python and holds the GIL (in a thread beside the load it
  would stall the load's every step).

A row's JSON column becomes its canonical text (as the API stores it: the duplicate key's
input, so a record imported is a duplicate of the same data written later), and the
columns the importer derives are computed from it.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import queue
import threading
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from functools import cache
from types import TracebackType
from typing import Any, cast

from openhat.errors import HatError
from openhat.portability.archive import ArchiveError, Blob, Part, lines_decoder
from openhat.records.service import canonical
from openhat.storage.sql.portable import BY_NAME, PORTABLE_TABLES, PortableTable, Row

PROCESS_ROWS = 50_000  # from this many rows on an import decodes in a process of its own
# (starting one costs about 0.3 s, which a smaller import would notice)
WORKERS = 2  # decoding processes (with this one loading, and the archive read in a thread)
AHEAD = 4  # batches decoded ahead of the load: enough to keep both sides busy, small in memory
PARTS_AHEAD = 2  # parts read ahead (a part is at most archive.MAX_PART_BYTES)
_WAIT_S = 0.1  # how often a waiting reader looks whether the import has stopped

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
    """Decodes batches of lines: in WORKERS processes when `rows` (what the import holds)
    reaches PROCESS_ROWS, else here, at once; the results come in the order submitted. Two
    workers on two cores: decoding a row costs more CPU than loading it, and the load's
    steps leave the core while SQLite works. The workers run without the cycle collector:
    decoded JSON holds no cycles (reference counts free it), and collecting among the
    thousands of objects of a batch in flight costs a sixth of the decoding. Use it as a
    context manager: leaving it stops the workers, with what they had still to do."""

    def __init__(self, rows: int) -> None:
        spawn = multiprocessing.get_context("spawn")
        self._pool = (ProcessPoolExecutor(WORKERS, mp_context=spawn, initializer=gc.disable)
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


ReadPart = tuple[PortableTable, list[list[bytes]]]
_END = object()


def read_ahead(members: Generator[Part | Blob, None, None]) -> Iterator[ReadPart | Blob]:
    """The members of `members` (ArchiveReader.members) read in a thread of their own, each
    part whole (its batches of lines), up to PARTS_AHEAD parts ahead. A file's content is
    read by the consumer, from the archive's stream: the thread waits meanwhile. The
    reader's errors are raised here, in order; stopping early stops the thread."""
    ready: queue.Queue[object] = queue.Queue(PARTS_AHEAD)
    stop = threading.Event()

    def hand(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=_WAIT_S)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for member in members:
                if isinstance(member, Blob):
                    read_by_consumer = threading.Event()
                    if not hand(Blob(member.file_id, member.size,
                                     _signalling(member.chunks, read_by_consumer))):
                        return
                    while not read_by_consumer.wait(_WAIT_S):
                        if stop.is_set():
                            return
                elif not hand((member[0], list(member[1]))):
                    return
            hand(_END)
        except BaseException as exc:  # raised again in the consumer
            hand(exc)
        finally:
            members.close()

    thread = threading.Thread(target=read, name="openhat-archive-reader", daemon=True)
    thread.start()
    try:
        while (item := ready.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield cast(ReadPart | Blob, item)
    finally:
        stop.set()
        thread.join()


def _signalling(chunks: Iterator[bytes], done: threading.Event) -> Iterator[bytes]:
    try:
        yield from chunks
    finally:
        done.set()
