"""The export archive (docs/export-format.md): a gzipped tar of NDJSON parts, written and
read as a stream, so neither side ever holds more than one part in memory.

Members, in this order: `openhat-export.json` (the header: format, version, the HAT, each
table's columns and row count), `tables/<table>/<n>.ndjson` (each table's rows, parents
first, at most PART_ROWS rows a part), `blobs/files/<file_id>` (each completed file's
content, streamed in chunks; version 2), then `manifest.json` (every member's size, rows and
SHA-256, and each table's row count), last, so a truncated archive has none.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import operator
import tarfile
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

from openhat.errors import BadRequest
from openhat.files.blobs import CHUNK_BYTES
from openhat.storage.sql.portable import PAGE_ROWS, PORTABLE_TABLES, Column, PortableTable, Row
from openhat.wire import parse_json_texts

FORMAT = "openhat-export"
VERSION = 2  # 2 added the members blobs/files/<file_id>
READS = (1, 2)  # the versions this openhat imports
BLOBS = "blobs/files/"
BLOCK = tarfile.BLOCKSIZE
HEADER = "openhat-export.json"
MANIFEST = "manifest.json"
PART_ROWS = 10_000
PART_BYTES = 8 << 20
MAX_PART_BYTES = 64 << 20  # what a reader accepts (other writers may make larger parts)
COMPRESS_LEVEL = 1  # JSON still shrinks ~5x; higher levels cost more CPU than the rest
ORDER = {table.name: i for i, table in enumerate(PORTABLE_TABLES)}


class Progress:
    """What a long export, import or move reports; this one reports nothing."""

    def start(self, rows: dict[str, int]) -> None:
        """The rows to come, per table."""

    def advance(self, table: str, rows: int) -> None:
        """`rows` more of `table` are done."""


class ArchiveError(Exception):
    """The archive cannot be imported as it is (damaged, truncated, not ours, or its rows do
    not fit the tables); nothing was written."""


@contextmanager
def _damaged() -> Iterator[None]:
    """The errors of a damaged or truncated gzip or tar stream, as an ArchiveError."""
    try:
        yield
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ArchiveError(f"the archive is damaged or truncated: {exc}") from None


def part_name(table: str, number: int) -> str:
    return f"tables/{table}/{number:06d}.ndjson"


def column_spec(table: PortableTable) -> list[dict[str, Any]]:
    return [{"name": c.name, "kind": c.kind, "nullable": c.nullable} for c in table.columns]


# --- rows as lines -------------------------------------------------------------------------

def line_encoder(table: PortableTable) -> Callable[[Row], bytes]:
    """A row (the storage's values) as one NDJSON line: bytes as base64, JSON embedded as
    it is stored (never decoded)."""
    names = table.names
    blobs = [i for i, c in enumerate(table.columns) if c.kind == "bytes"]
    texts = [i for i, c in enumerate(table.columns) if c.kind == "json"]
    if not blobs and not texts:
        return lambda row: orjson.dumps(dict(zip(names, row, strict=True))) + b"\n"

    def encode(row: Row) -> bytes:
        values = list(row)
        for i in blobs:
            if values[i] is not None:
                values[i] = base64.b64encode(values[i]).decode()
        for i in texts:
            values[i] = orjson.Fragment(values[i])
        return orjson.dumps(dict(zip(names, values, strict=True))) + b"\n"

    return encode


_TYPES: dict[str, type[Any]] = {"text": str, "int": int, "order": int, "bool": bool}


def _check(column: Column, value: Any) -> Any:
    """The value of `column` from a line, checked and decoded (JSON stays a value)."""
    if value is None:
        if column.nullable:
            return None
        raise ArchiveError(f"{column.name} may not be null")
    kind = column.kind
    if kind == "json":
        return value
    if kind == "bytes" and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except ValueError:
            raise ArchiveError(f"{column.name} is not base64") from None
    if type(value) is _TYPES.get(kind):
        if kind == "order" and value < 1:
            raise ArchiveError(f"{column.name} must be a positive integer")
        return value
    raise ArchiveError(f"{column.name} must be of kind {kind}: {value!r}")


def lines_decoder(table: PortableTable) -> Callable[[list[bytes]], list[list[Any]]]:
    """NDJSON lines as the rows' values in column order, each checked against its kind;
    raises ArchiveError for a line that does not fit the table. A row whose values all
    have the plain type of their kind passes with one comparison of their types; the rest
    (nulls, bytes, errors) go through `_check` value by value."""
    columns = table.columns
    names = table.names
    keys = set(names)
    plain = [i for i, c in enumerate(columns) if c.kind != "json"]
    pick = operator.itemgetter(*plain) if len(plain) > 1 else None
    expected = tuple(_TYPES.get(columns[i].kind) for i in plain)
    orders = [i for i, c in enumerate(columns) if c.kind == "order"]

    def slow(values: list[Any]) -> list[Any]:
        for i in plain:
            try:
                values[i] = _check(columns[i], values[i])
            except ArchiveError as exc:
                raise ArchiveError(f"{table.name}: {exc}") from None
        return values

    def damaged() -> ArchiveError:
        return ArchiveError(f"{table.name}: a line is not a JSON object of the columns"
                            f" {sorted(keys)}: the archive is damaged")

    def decode(found: Any) -> list[Any]:
        try:
            values = [found[name] for name in names]
        except (TypeError, KeyError):
            raise damaged() from None
        if len(found) != len(names):
            raise ArchiveError(f"{table.name}: a line holds columns other than {sorted(keys)}")
        types = tuple(map(type, pick(values))) if pick else tuple(type(values[i]) for i in plain)
        if types != expected or any(values[i] < 1 for i in orders):
            return slow(values)
        return values

    def decode_lines(lines: list[bytes]) -> list[list[Any]]:
        try:
            found = parse_json_texts(lines)  # every number exactly (record data keeps its values)
        except BadRequest:
            raise damaged() from None
        return [decode(line) for line in found]

    return decode_lines


# --- writing -------------------------------------------------------------------------------

class _Chunks(io.RawIOBase):
    """A write-only stream that hands back what was written since the last `take`."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


@dataclass
class _Member:
    name: str
    size: int
    sha256: str
    rows: int | None = None

    def json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "bytes": self.size, "sha256": self.sha256}
        if self.rows is not None:
            out["rows"] = self.rows
        return out


class ArchiveWriter:
    """Builds the archive member by member; `chunks()` after each step hands back the
    compressed bytes made so far."""

    def __init__(self, mtime_s: int) -> None:
        self._out = _Chunks()
        self._gzip = gzip.GzipFile(fileobj=self._out, mode="wb", compresslevel=COMPRESS_LEVEL,
                                   mtime=mtime_s)
        self._tar = tarfile.open(fileobj=self._gzip, mode="w|",  # noqa: SIM115 (closed by close)
                                 format=tarfile.PAX_FORMAT)
        self._mtime = mtime_s
        self.members: list[_Member] = []
        self.rows: dict[str, int] = {}

    def chunks(self) -> bytes:
        return self._out.take()

    def add(self, name: str, data: bytes, rows: int | None = None) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = len(data), self._mtime, 0o644
        self._tar.addfile(info, io.BytesIO(data))
        self.members.append(_Member(name, len(data), hashlib.sha256(data).hexdigest(), rows))

    def add_table(self, table: PortableTable, rows: Iterable[Row],
                  progress: Progress) -> Iterator[bytes]:
        """Add a table's rows as parts; yields the compressed bytes after each part."""
        encode = line_encoder(table)
        lines: list[bytes] = []
        size = number = total = 0
        for row in rows:
            line = encode(row)
            lines.append(line)
            size += len(line)
            if len(lines) >= PART_ROWS or size >= PART_BYTES:
                number += 1
                total += len(lines)
                self.add(part_name(table.name, number), b"".join(lines), len(lines))
                progress.advance(table.name, len(lines))
                lines, size = [], 0
                yield self.chunks()
        if lines:
            number += 1
            total += len(lines)
            self.add(part_name(table.name, number), b"".join(lines), len(lines))
            progress.advance(table.name, len(lines))
            yield self.chunks()
        self.rows[table.name] = total

    def add_blob(self, file_id: str, size: int, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """Add a file's content, `size` bytes from `chunks`; yields the compressed bytes
        after each chunk, so no file is ever whole in memory (tarfile's `addfile` copies a
        member in one call, so the member is written here: its header, its bytes, the
        padding to the next block, with the tar's offset kept as `addfile` keeps it).
        Raises ValueError when the chunks are not `size` bytes (the file changed)."""
        name = f"{BLOBS}{file_id}"
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, self._mtime, 0o644
        tar, stream = self._tar, self._tar.fileobj
        assert stream is not None
        header = info.tobuf(tar.format, tar.encoding, tar.errors)
        stream.write(header)
        digest, written = hashlib.sha256(), 0
        for chunk in chunks:
            written += len(chunk)
            if written > size:
                break
            digest.update(chunk)
            stream.write(chunk)
            yield self.chunks()
        if written != size:
            raise ValueError(f"file {file_id} changed while it was exported")
        padding = -size % BLOCK
        stream.write(b"\0" * padding)
        tar.offset += len(header) + size + padding
        self.members.append(_Member(name, size, digest.hexdigest()))
        yield self.chunks()

    def close(self) -> bytes:
        """Add the manifest, end the archive; returns the last bytes."""
        manifest = {"format": FORMAT, "version": VERSION,
                    "tables": {name: {"rows": n} for name, n in self.rows.items()},
                    "members": [m.json() for m in self.members]}
        self.add(MANIFEST, orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
        self._tar.close()
        self._gzip.close()
        return self.chunks()


# --- reading -------------------------------------------------------------------------------

@dataclass
class Blob:
    """A file's content as the archive holds it: read `chunks` to the end before the next
    member (the reader checks its SHA-256 with the manifest's in `verify`)."""

    file_id: str
    size: int
    chunks: Iterator[bytes]


Part = tuple[PortableTable, Iterator[list[bytes]]]


@dataclass
class ArchiveReader:
    """Reads an archive as a stream: the header first, then each table's parts, checking
    every part's checksum and the manifest at the end (`verify`), before the caller commits."""

    source: IO[bytes]
    header: dict[str, Any] = field(default_factory=dict)
    _seen: list[_Member] = field(default_factory=list)
    _manifest: dict[str, Any] | None = None

    def members(self) -> Generator[Part | Blob, None, None]:
        """(table, batches of its lines) per part, then each file's content, in archive
        order; the header is read first (`self.header`), the manifest last."""
        with _damaged(), gzip.GzipFile(fileobj=self.source, mode="rb") as unzipped:
            with tarfile.open(fileobj=unzipped, mode="r|") as tar:
                yield from self._members(tar)
            while unzipped.read(1 << 16):  # to the end: gzip checks its CRC and length there
                pass

    def _members(self, tar: tarfile.TarFile) -> Iterator[Part | Blob]:
        members = iter(tar)
        first = next(members, None)
        if first is None or first.name != HEADER:
            raise ArchiveError(f"not an openhat export: {HEADER} does not come first")
        self.header = self._json(tar, first)
        if self.header.get("format") != FORMAT:
            raise ArchiveError("not an openhat export")
        version = self.header.get("version")
        if version not in READS:
            raise ArchiveError(f"export format version {version!r} is not supported (this"
                               f" openhat reads {', '.join(map(str, READS))})")
        last = -1
        for member in members:
            if self._manifest is not None:
                raise ArchiveError(f"{member.name} comes after the manifest")
            if member.name == MANIFEST:
                self._manifest = self._json(tar, member)
                continue
            if member.name.startswith(BLOBS) and version != 1 and member.isfile():
                last = len(ORDER)  # after every table
                yield Blob(member.name.removeprefix(BLOBS), member.size,
                           self._chunks(tar, member))
                continue
            parts = member.name.split("/")
            table_name = parts[1] if len(parts) == 3 and parts[0] == "tables" else ""
            if table_name not in ORDER or not member.isfile():
                raise ArchiveError(f"unexpected member {member.name}")
            if ORDER[table_name] < last:
                raise ArchiveError(f"{member.name} is out of the tables' order")
            last = ORDER[table_name]
            yield PORTABLE_TABLES[last], self._lines(tar, member)

    def _json(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> dict[str, Any]:
        data = self._read(tar, member)
        self._seen.append(_Member(member.name, len(data), hashlib.sha256(data).hexdigest()))
        try:
            found = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise ArchiveError(f"{member.name} is not JSON") from None
        if not isinstance(found, dict):
            raise ArchiveError(f"{member.name} is not a JSON object")
        return found

    @staticmethod
    def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
        stream = tar.extractfile(member)
        if stream is None:
            raise ArchiveError(f"{member.name} is not a file")
        return stream.read()

    def _lines(self, tar: tarfile.TarFile, member: tarfile.TarInfo
               ) -> Iterator[list[bytes]]:
        """The part's lines in batches; a part is read whole (at most MAX_PART_BYTES), so
        its checksum is known before any of its rows is loaded."""
        if member.size > MAX_PART_BYTES:
            raise ArchiveError(f"{member.name} is larger than {MAX_PART_BYTES} bytes")
        with _damaged():
            data = self._read(tar, member)
        if data and not data.endswith(b"\n"):
            raise ArchiveError(f"{member.name} does not end with a newline")
        lines = data.splitlines(keepends=True)
        self._seen.append(_Member(member.name, len(data), hashlib.sha256(data).hexdigest(),
                                  len(lines)))
        for start in range(0, len(lines), PAGE_ROWS):
            yield lines[start:start + PAGE_ROWS]

    def _chunks(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> Iterator[bytes]:
        stream = tar.extractfile(member)
        assert stream is not None  # a file, as _members checked
        digest = hashlib.sha256()
        with _damaged():
            while chunk := stream.read(CHUNK_BYTES):
                digest.update(chunk)
                yield chunk
        self._seen.append(_Member(member.name, member.size, digest.hexdigest()))

    def verify(self) -> dict[str, int]:
        """Check the manifest against every member read (names, sizes, rows, SHA-256) and
        return its row count per table. Raises ArchiveError when any differs, or when the
        manifest is missing (a truncated archive)."""
        manifest = self._manifest
        if manifest is None:
            raise ArchiveError("the archive has no manifest: it is truncated")
        listed = manifest.get("members")
        seen = [m.json() for m in self._seen if m.name != MANIFEST]
        if listed != seen:
            raise ArchiveError("the archive's contents do not match its manifest (checksums,"
                               " sizes or rows differ): it is damaged")
        tables = manifest.get("tables")
        if not isinstance(tables, dict):
            raise ArchiveError("the manifest has no table counts")
        counts: dict[str, int] = {}
        for member in self._seen:
            if member.rows is not None:
                table = member.name.split("/")[1]
                counts[table] = counts.get(table, 0) + member.rows
        declared = {name: entry.get("rows") if isinstance(entry, dict) else None
                    for name, entry in tables.items()}
        if {k: v for k, v in declared.items() if v} != counts:
            raise ArchiveError(f"the manifest's row counts {declared} differ from the rows"
                               f" in the archive {counts}")
        return counts
