"""File operations (spec 5.3): each change one unit of work with its events; the bytes go
to the blob store through signed URLs, never through these calls.

Who may do what follows the original (rules.py): the owner and applications that manage a
file's source do everything; users see the files they were granted, and read their content
when granted that too and the file is complete.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace

from starlette.concurrency import run_in_threadpool

from openhat import clock
from openhat.errors import (
    BadRequest,
    BlobUrlRefused,
    FileAccessNotGranted,
    FileNotAvailable,
    FileNotFound,
    Forbidden,
    HandlerNotFound,
    PayloadTooLarge,
    UploadConflict,
)
from openhat.events import (
    FileAccessChanged,
    FileCompleted,
    FileDeleted,
    FilePublicChanged,
    FileUpdated,
    FileUploadStarted,
)
from openhat.files import rules
from openhat.files.blobs import BLOB_PATH, URL_SECONDS, BlobStore, Place, signature_valid
from openhat.files.local import LocalBlobs
from openhat.files.rules import Accessor, Template
from openhat.files.wire import FileIn, file_json
from openhat.storage.base import Store, Tx
from openhat.storage.rows import FileStatus, StoredFile
from openhat.wire import Json, ascii_digits

log = logging.getLogger("openhat.files")


@dataclass(frozen=True)
class Files:
    """What every file operation works on: the HAT's store and blob store, the HAT, and the
    base URL the request reached it at (signed local URLs point there)."""

    store: Store
    blobs: BlobStore
    hat_id: str
    base_url: str
    max_bytes: int

    @functools.cached_property
    def place(self) -> Place:
        """The HAT's signing place, read once per operation (a search signs many URLs)."""
        secret = self.store.files.secret(self.hat_id)
        return Place(self.hat_id, self.base_url, secret or b"")

    def content_url(self, file: StoredFile) -> str | None:
        """A signed GET URL for a complete file's bytes."""
        if file.status != FileStatus.COMPLETED:
            return None
        return self.blobs.download_url(self.place, file.file_id,
                                       clock.now_s() + URL_SECONDS)

    def find(self, file_id: str) -> StoredFile:
        found = self.store.files.get(self.hat_id, file_id) \
            if rules.FILE_ID.fullmatch(file_id) else None
        if found is None:
            raise FileNotFound(file_id)
        return found

    def shown(self, who: Accessor, file: StoredFile) -> Json:
        """The file as `who` sees it: its content URL when they may read the content; the
        grants only for the owner (as the original)."""
        url = self.content_url(file) if rules.can_read_content(who, file) else None
        return file_json(file, url, permissions=rules.is_owner(who.principal))


def start_upload(files: Files, who: Accessor, file: FileIn) -> Json:
    """Store a new file's metadata (status New) under an id made from its source and name,
    grant the uploader access, and answer with the `contentUrl` to PUT the bytes to. An
    application may upload only to the sources it manages (403)."""
    if who.principal.application is not None and not rules.manages(who.principal,
                                                                   file.source):
        raise Forbidden()
    now = clock.now_ms()
    base, extension = rules.id_parts(file.source, file.name)
    with files.store.write(files.hat_id) as tx:
        tx.files.lock_ids(files.hat_id)
        file_id = rules.unique_id(base, extension, tx.files.ids_like(files.hat_id, base))
        tx.files.add(files.hat_id, StoredFile(
            file_id, file.name, file.source, file.date_created or now, now, file.tags,
            file.title, file.description, file.source_url, file.content_type,
            FileStatus.NEW, None, False))
        tx.files.grant(files.hat_id, [file_id], who.user_id, True)
        secret = tx.files.ensure_secret(files.hat_id)
        tx.emit(FileUploadStarted(files.hat_id, file_id))
        stored = tx.files.get(files.hat_id, file_id)
    assert stored is not None
    url = files.blobs.upload_url(Place(files.hat_id, files.base_url, secret), file_id,
                                 file.content_type, clock.now_s() + URL_SECONDS)
    return file_json(stored, url)


def complete(files: Files, who: Accessor, file_id: str) -> Json:
    """Mark an uploaded file Completed with its size. 404 for a file the caller may not
    upload to; 400 "File not available" when no bytes have arrived (or it was deleted);
    413 (and the bytes removed) when S3 took more than the limit."""
    file = files.find(file_id)
    if not rules.can_read_content(who, file, complete_only=False):
        raise FileNotFound(file_id)
    info = files.blobs.stat(files.hat_id, file_id) \
        if file.status != FileStatus.DELETED else None
    if info is None or info.size <= 0:
        raise FileNotAvailable("Not fully uploaded file can not be completed", status=400)
    if info.size > files.max_bytes:
        files.blobs.delete(files.hat_id, file_id)
        raise PayloadTooLarge(f"File content exceeds {files.max_bytes} bytes")
    with files.store.write(files.hat_id) as tx:
        current = tx.files.get(files.hat_id, file_id)
        if current is None or current.status == FileStatus.DELETED:
            raise FileNotAvailable("Not fully uploaded file can not be completed", status=400)
        done = replace(current, status=FileStatus.COMPLETED, size=info.size,
                       content_type=current.content_type or info.content_type,
                       updated_at=clock.now_ms())
        tx.files.update(files.hat_id, done)
        tx.emit(FileCompleted(files.hat_id, file_id, info.size))
    return file_json(done)


def get(files: Files, who: Accessor, file_id: str) -> Json:
    """One file, as the caller may see it: 404 "No such file", or "File not available" for
    one they may not see."""
    file = files.find(file_id)
    if not rules.can_see(who, file):
        raise FileNotAvailable(f"File {file_id} not available - unauthorized or file"
                               " incomplete")
    return files.shown(who, file)


def content_url(files: Files, who: Accessor | None, file_id: str) -> str:
    """Where to read a complete file's bytes: for anyone when it is public, else for
    callers who may read its content. FileNotFound otherwise."""
    file = files.find(file_id)
    allowed = file.public or (who is not None and rules.can_read_content(who, file))
    url = files.content_url(file) if allowed else None
    if url is None:
        raise FileNotFound(file_id)
    return url


def search(files: Files, who: Accessor, template: Template) -> list[Json]:
    """The files the template selects that the caller may see, oldest first."""
    return [files.shown(who, f) for f in files.store.files.all(files.hat_id, template.status)
            if rules.selects(template, f) and rules.can_see(who, f)]


def update(files: Files, who: Accessor, file_id: str, file: FileIn) -> Json:
    """Replace a file's name, tags, title and description (its id and source stay). The
    file id is the path's (the original reads it from the body)."""
    found = files.find(file_id)
    if not rules.can_read_content(who, found):
        raise FileNotFound(file_id)
    with files.store.write(files.hat_id) as tx:
        current = tx.files.get(files.hat_id, file_id)
        if current is None:
            raise FileNotFound(file_id)
        changed = replace(current, name=file.name, tags=file.tags, title=file.title,
                          description=file.description, updated_at=clock.now_ms())
        tx.files.update(files.hat_id, changed)
        tx.emit(FileUpdated(files.hat_id, file_id))
    return file_json(changed)


def _managed(files: Files, who: Accessor, file_id: str) -> StoredFile:
    file = files.find(file_id)
    if not rules.manages(who.principal, file.source):
        raise FileNotFound(file_id)
    return file


def delete(files: Files, who: Accessor, file_id: str) -> Json:
    """Mark a file Deleted and remove its bytes (after the commit: a crash in between
    leaves bytes nothing points at, never a file without them)."""
    _managed(files, who, file_id)
    with files.store.write(files.hat_id) as tx:
        current = tx.files.get(files.hat_id, file_id)
        if current is None:
            raise FileNotFound(file_id)
        deleted = replace(current, status=FileStatus.DELETED, size=None,
                          updated_at=clock.now_ms())
        tx.files.update(files.hat_id, deleted)
        tx.emit(FileDeleted(files.hat_id, file_id))
    files.blobs.delete(files.hat_id, file_id)
    return file_json(deleted)


def set_public(files: Files, who: Accessor, file_id: str, public: bool) -> Json:
    """Let anyone read the file's content without a token (or no longer)."""
    _managed(files, who, file_id)
    with files.store.write(files.hat_id) as tx:
        current = tx.files.get(files.hat_id, file_id)
        if current is None:
            raise FileNotFound(file_id)
        changed = replace(current, public=public, updated_at=clock.now_ms())
        tx.files.update(files.hat_id, changed)
        tx.emit(FilePublicChanged(files.hat_id, file_id, public))
    return file_json(changed)


def set_access(files: Files, who: Accessor, file_id: str, user_id: str,
               content: bool | None) -> Json:
    """Grant a user access to one file (`content`: its content too), or with None take it
    away. 404 for a file the caller does not manage, 400 for an unknown user."""
    _managed(files, who, file_id)
    changed = _change_access(files, user_id, content, lambda tx: [
        file_id] if tx.files.get(files.hat_id, file_id) is not None else [])
    if not changed:  # deleted meanwhile
        raise FileNotFound(file_id)
    return changed[0]


def set_access_matching(files: Files, who: Accessor, user_id: str, template: Template,
                        content: bool | None) -> list[Json]:
    """`set_access` for every file the template selects that the caller manages."""
    return _change_access(files, user_id, content, lambda tx: [
        f.file_id for f in tx.files.all(files.hat_id, template.status)
        if rules.selects(template, f) and rules.manages(who.principal, f.source)])


def _change_access(files: Files, user_id: str, content: bool | None,
                   pick: Callable[[Tx], list[str]]) -> list[Json]:
    """Grant (or with `content` None, restrict) `user_id` on the files `pick` chooses, in
    one unit of work; returns them as changed."""
    with files.store.write(files.hat_id) as tx:
        if tx.users.by_id(files.hat_id, user_id) is None:
            raise FileAccessNotGranted()
        chosen = pick(tx)
        if content is None:
            tx.files.restrict(files.hat_id, chosen, user_id)
        else:
            tx.files.grant(files.hat_id, chosen, user_id, content)
        tx.emit(FileAccessChanged(files.hat_id, tuple(chosen), user_id,
                                  content is not None, bool(content)))
        changed = [tx.files.get(files.hat_id, file_id) for file_id in chosen]
    return [file_json(f) for f in changed if f is not None]


# --- the local store's signed blob URLs --------------------------------------------------------

def _local(files: Files, method: str, file_id: str) -> LocalBlobs:
    if not isinstance(files.blobs, LocalBlobs):  # S3 serves the bytes itself
        raise HandlerNotFound(method, f"{BLOB_PATH}/{file_id}")
    return files.blobs


def _check_signed(files: Files, method: str, file_id: str, expires: str | None,
                  given: str | None) -> StoredFile:
    """The file a signed local URL names, when its signature is this HAT's for `method`,
    `file_id` and `expires` and it has not expired. Raises BlobUrlRefused (403)."""
    if expires is None or given is None or not ascii_digits(expires) \
            or len(expires) > 12:
        raise BlobUrlRefused("The URL is not signed")
    secret = files.store.files.secret(files.hat_id)
    if secret is None or not rules.FILE_ID.fullmatch(file_id) or not signature_valid(
            secret, method, files.hat_id, file_id, int(expires), given):
        raise BlobUrlRefused("The URL's signature is not valid")
    if int(expires) < clock.now_s():
        raise BlobUrlRefused("The URL has expired")
    return files.find(file_id)


async def receive_upload(files: Files, file_id: str, expires: str | None,
                         given: str | None, content_type: str | None,
                         declared_size: str | None, chunks: AsyncIterator[bytes]) -> None:
    """Take the bytes PUT to a signed upload URL, streamed to disk. Refused, with nothing
    kept: a bad or expired URL (403), a file not awaiting its bytes (409: uploaded,
    completed or deleted), another content type than the one declared at upload (400), more
    than the limit (413)."""
    blobs = _local(files, "PUT", file_id)
    file = await run_in_threadpool(_check_signed, files, "PUT", file_id, expires, given)
    if file.status != FileStatus.NEW:
        raise UploadConflict(f"File {file_id} is not awaiting an upload")
    declared = (content_type or "").split(";")[0].strip().lower()
    if file.content_type is not None and declared != file.content_type.lower():
        raise BadRequest(f"Content-Type must be {file.content_type}")
    if declared_size is not None and ascii_digits(declared_size) \
            and int(declared_size) > files.max_bytes:
        raise PayloadTooLarge(f"File content exceeds {files.max_bytes} bytes")
    await blobs.receive(files.hat_id, file_id, chunks, files.max_bytes)
    await run_in_threadpool(_received, files, blobs, file_id, declared)


def _received(files: Files, blobs: LocalBlobs, file_id: str, content_type: str) -> None:
    """After the bytes are in: keep the type they were sent with (when the upload declared
    none), unless the file was deleted meanwhile (a delete's removal of the bytes may have
    come first: they are removed here instead)."""
    with files.store.write(files.hat_id) as tx:
        now = tx.files.get(files.hat_id, file_id)
        if now is not None and now.status != FileStatus.DELETED:
            if now.content_type is None and content_type:
                tx.files.update(files.hat_id, replace(now, content_type=content_type))
                tx.emit(FileUpdated(files.hat_id, file_id))
            return
    blobs.delete(files.hat_id, file_id)
    raise UploadConflict(f"File {file_id} is not awaiting an upload")


@dataclass(frozen=True)
class Download:
    """A file's bytes on the local disk, to stream."""

    path: str
    content_type: str


def download(files: Files, file_id: str, expires: str | None, given: str | None) -> Download:
    """What a signed download URL serves: 403 for a bad or expired URL, 404 when the file is
    not complete."""
    blobs = _local(files, "GET", file_id)
    file = _check_signed(files, "GET", file_id, expires, given)
    path = blobs.path(files.hat_id, file_id)
    if file.status != FileStatus.COMPLETED or not path.exists():
        raise FileNotFound(file_id)
    return Download(str(path), file.content_type or "application/octet-stream")


def usage(store: Store, hat_id: str) -> int:
    """Bytes of the HAT's completed files (its file storage usage)."""
    return store.files.usage(hat_id)
