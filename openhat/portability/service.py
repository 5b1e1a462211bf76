"""Exporting a whole HAT, importing it into a database of either engine, and moving it between
engines: every table of storage's registry (PORTABLE_TABLES), streamed a page at a time.

- Export reads one snapshot (`store.snapshot()`), so the archive is the HAT as of one moment
  while writes go on, and yields the archive's bytes as they are made; then each completed
  file's content, streamed from the blob store a chunk at a time.
- Import is one unit of work: the HAT's row (refused when the id or the domain is taken),
  then every part's rows as they are read, then each file's content into the target's blob
  store; the checksums and the counts are verified before the commit, and the contents
  written are removed again when anything fails, so a damaged archive writes nothing.
- A move holds the HAT in the source (its writes wait), copies its rows into the target in
  one unit of work, verifies the counts, commits, switches the directory, and deletes the
  source rows (the protocol of storage/postgres/move.py, on any engines).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import ExitStack
from dataclasses import dataclass
from typing import IO, Any

import orjson

from openhat import __version__
from openhat.clock import now_ms
from openhat.events import HatCreated
from openhat.files.blobs import BlobStore
from openhat.hats.service import normalise_domain
from openhat.idempotency import KEEP_MS
from openhat.portability import archive
from openhat.portability.archive import ArchiveError, Progress
from openhat.portability.decoding import AHEAD, Decoder, read_ahead, stored_values
from openhat.storage.base import Store, Tx
from openhat.storage.rows import (
    FileStatus,
    Hat,
    HatExists,
    HatUnavailable,
    RowsConflict,
    StorageError,
)
from openhat.storage.sql.portable import PAGE_ROWS, PORTABLE_TABLES, PortableTable, Row
from openhat.wire import parse_json


@dataclass(frozen=True)
class Imported:
    hat: Hat
    rows: dict[str, int]  # per table


# --- export --------------------------------------------------------------------------------

def export_archive(store: Store, blobs: BlobStore, hat: Hat,
                   progress: Progress | None = None) -> Iterator[bytes]:
    """The archive of the HAT (docs/export-format.md), as a stream of bytes, with the
    content of its completed files from `blobs`. Idempotency keys whose window has passed
    are left out; so is a completed file whose bytes the store no longer has."""
    progress = progress or Progress()
    exported_at = now_ms()
    since = exported_at - KEEP_MS
    with store.snapshot() as reader:
        counts = {t.name: reader.count(t, hat.hat_id, since) for t in PORTABLE_TABLES}
        progress.start(counts)
        out = archive.ArchiveWriter(exported_at // 1000)
        header = {
            "format": archive.FORMAT, "version": archive.VERSION,
            "generator": f"openhat {__version__}", "exported_at": exported_at,
            "hat": {"hat_id": hat.hat_id, "domain": hat.domain, "created_at": hat.created_at},
            "tables": {t.name: {"rows": counts[t.name], "key": list(t.key),
                                "columns": archive.column_spec(t)} for t in PORTABLE_TABLES},
        }
        out.add(archive.HEADER, orjson.dumps(header, option=orjson.OPT_INDENT_2))
        yield out.chunks()
        completed: dict[str, int | None] = {}
        for table in PORTABLE_TABLES:
            rows = reader.rows(table, hat.hat_id, since)
            if table.name == "files":
                rows = _completed(table, rows, completed)
            yield from out.add_table(table, rows, progress)
    for file_id in completed:
        info = blobs.stat(hat.hat_id, file_id)
        if info is not None:
            yield from out.add_blob(file_id, info.size, blobs.read(hat.hat_id, file_id))
    yield out.close()


def _completed(table: PortableTable, rows: Iterable[Row],
               into: dict[str, int | None]) -> Iterator[Row]:
    """The files' rows as they go by, noting the completed files' ids and sizes `into`."""
    file_id, status, size = (table.names.index(n) for n in ("file_id", "status", "size"))
    for row in rows:
        if row[status] == FileStatus.COMPLETED:
            into[row[file_id]] = row[size]
        yield row


# --- import --------------------------------------------------------------------------------

def import_archive(store: Store, blobs: BlobStore, source: IO[bytes],
                   domain: str | None = None, progress: Progress | None = None,
                   taken: Callable[[str], bool] = lambda domain: False) -> Imported:
    """Create the archive's HAT in `store`, under `domain` if given (else its own), keeping
    its id, its rows' ids, order and times, and its files' contents in `blobs`. One unit of
    work: nothing is written unless every checksum and count checks out (the contents
    written before are removed again).

    Raises ArchiveError (damaged, truncated, not an export, rows that do not fit) and
    HatExists (the store, or `taken`, already has the HAT's id or domain)."""
    written: list[tuple[str, str]] = []
    try:
        try:
            return _import(store, blobs, source, domain, progress or Progress(), taken, written)
        except RowsConflict as exc:
            raise ArchiveError(f"the archive holds a row more than once: {exc}") from None
    except BaseException:
        for hat_id, file_id in written:
            blobs.delete(hat_id, file_id)
        raise


def _import(store: Store, blobs: BlobStore, source: IO[bytes], domain: str | None,
            progress: Progress, taken: Callable[[str], bool],
            written: list[tuple[str, str]]) -> Imported:
    """import_archive, noting each file content it wrote in `written`."""
    reader = archive.ArchiveReader(source)
    completed: dict[str, int | None] = {}
    pending: deque[tuple[PortableTable, int, Future[list[Row]]]] = deque()
    with store.write() as tx, ExitStack() as stack:
        hat: Hat | None = None
        decoder = Decoder(0)

        def load_next() -> None:
            """Load the oldest batch decoded (in archive order: parents first)."""
            assert hat is not None
            table, lines, decoded = pending.popleft()
            rows = decoded.result()
            if table.name == "files":
                rows = list(_completed(table, rows, completed))
            tx.portable.load(table, hat.hat_id, rows)
            progress.advance(table.name, lines)

        for member in read_ahead(reader.members()):
            if isinstance(member, archive.Blob):
                if hat is None:
                    raise ArchiveError("a file's content comes before any rows")
                while pending:  # every file's row first
                    load_next()
                _put_blob(blobs, hat.hat_id, member, completed, written)
                continue
            table, batches = member
            if hat is None:
                hat = _new_hat(reader.header, domain, taken)
                tx.hats.create(hat)
                declared = _header_rows(reader.header)
                tx.portable.expect(declared)
                progress.start(declared)
                decoder = stack.enter_context(Decoder(sum(declared.values())))
            for lines in batches:
                pending.append((table, len(lines), decoder.submit(table, lines)))
                while len(pending) > AHEAD:
                    load_next()
        while pending:
            load_next()
        if hat is None:  # an archive without parts: a HAT has at least its key and owner
            raise ArchiveError("the archive holds no rows: it is truncated or empty")
        declared = reader.verify()
        tx.portable.finish()
        loaded = {t.name: tx.portable.count(t, hat.hat_id) for t in PORTABLE_TABLES}
        if {k: v for k, v in loaded.items() if v} != declared:
            raise ArchiveError(f"rows loaded {loaded} differ from the manifest's {declared}")
        tx.emit(HatCreated(hat.hat_id, hat.domain))
    return Imported(hat, loaded)


def _put_blob(blobs: BlobStore, hat_id: str, blob: archive.Blob,
              completed: dict[str, int | None], written: list[tuple[str, str]]) -> None:
    """Write a file's content from the archive into the blob store (its checksum is verified
    with the manifest's before the rows commit). Bytes the store has already (it is the
    source's own store) are kept as they are, and left there on failure."""
    if blob.file_id not in completed:
        raise ArchiveError(f"the archive holds the content of {blob.file_id!r}, which is no"
                           " completed file of it")
    if completed.pop(blob.file_id) not in (None, blob.size):
        raise ArchiveError(f"the content of {blob.file_id!r} is not the file's size")
    try:
        blobs.put(hat_id, blob.file_id, blob.chunks)
    except ValueError as exc:  # an id the store cannot name
        raise ArchiveError(str(exc)) from None
    except FileExistsError:
        for _ in blob.chunks:  # read on: the manifest checks its checksum all the same
            pass
        return
    written.append((hat_id, blob.file_id))


def _new_hat(header: dict[str, Any], domain: str | None,
             taken: Callable[[str], bool]) -> Hat:
    found = header.get("hat")
    if not isinstance(found, dict) or not all(
            isinstance(found.get(k), t) for k, t in
            (("hat_id", str), ("domain", str), ("created_at", int))):
        raise ArchiveError("the header names no HAT")
    hat = Hat(found["hat_id"], normalise_domain(domain or found["domain"]), found["created_at"])
    if taken(hat.domain):
        raise HatExists(hat.domain)
    return hat


def _header_rows(header: dict[str, Any]) -> dict[str, int]:
    tables = header.get("tables")
    if not isinstance(tables, dict):
        return {}
    return {name: int(entry.get("rows", 0)) for name, entry in tables.items()
            if isinstance(entry, dict) and isinstance(entry.get("rows", 0), int)}


# --- moves ---------------------------------------------------------------------------------

class MoveFailed(StorageError):
    """The copy could not be verified; nothing changed."""


def move_hat(source: Store, target: Store, hat_id: str, switch: Callable[[Tx], None],
             progress: Progress | None = None) -> dict[str, int]:
    """Move a HAT between databases of any engines: hold it in the source (its writes wait,
    reads go on), copy every row into the target in one unit of work, verify the counts,
    commit, `switch` (point the directory at the target, given the source's unit of work
    for a directory in the source database; on failure the copy is deleted), then delete
    the source rows. Returns the rows per table.

    Raises HatUnavailable (not in the source), HatExists (the target has its id or
    domain), MoveFailed (the counts differ)."""
    progress = progress or Progress()
    with source.write(hat_id) as held:
        domain = held.portable.hold(hat_id)
        hat = None if domain is None else held.hats.by_domain(domain)
        if hat is None:
            raise HatUnavailable(hat_id)
        counts = {t.name: held.portable.count(t, hat_id) for t in PORTABLE_TABLES}
        progress.start(counts)
        with target.write() as tx:
            tx.hats.create(hat)
            tx.portable.expect(counts)
            for table in PORTABLE_TABLES:
                for page in _pages(held.portable.rows(table, hat_id), table):
                    tx.portable.load(table, hat_id, page)
                    progress.advance(table.name, len(page))
            tx.portable.finish()
            copied = {t.name: tx.portable.count(t, hat_id) for t in PORTABLE_TABLES}
            if copied != counts:
                raise MoveFailed(f"row counts differ after copying: source {counts},"
                                 f" target {copied}")
        try:
            switch(held)
        except BaseException:
            with target.write() as undo:
                undo.hats.delete(hat_id)
            raise
        held.hats.delete(hat_id)
    return counts


def _pages(rows: Iterator[tuple[Any, ...]], table: PortableTable
           ) -> Iterator[list[tuple[Any, ...]]]:
    """The rows a page at a time as the loader takes them, JSON columns made canonical
    (PostgreSQL's JSONB text orders keys its own way)."""
    stored = stored_values(table)
    json_at = [i for i, c in enumerate(table.columns) if c.kind == "json"]
    page: list[tuple[Any, ...]] = []
    for row in rows:
        values = list(row)
        for i in json_at:
            values[i] = parse_json(values[i])  # stored text: every number exactly
        page.append(stored(values))
        if len(page) >= PAGE_ROWS:
            yield page
            page = []
    if page:
        yield page
