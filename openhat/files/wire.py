"""Files on the wire: the original's ApiHatFile body in (upload, update, search templates),
and ApiHatFile out (MODELS `ApiHatFile`, `HatFileStatus`; dates as epoch milliseconds, as
play-json-joda writes a DateTime by default)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openhat.files.rules import Template
from openhat.storage.rows import FileStatus, StoredFile
from openhat.wire import (
    MAX_TIME,
    MIN_TIME,
    Errors,
    Json,
    error,
    is_object,
    nul_refused,
    parse_time,
    raise_if,
)

STATUSES = ("Initialized", FileStatus.NEW, FileStatus.COMPLETED, FileStatus.DELETED)


@dataclass(frozen=True)
class FileIn:
    """The parts of an ApiHatFile body openhat reads (ids, status, URLs and permissions in a
    body are the server's to set, and ignored, as the original does on upload)."""

    name: str
    source: str
    date_created: int | None
    tags: tuple[str, ...] | None
    title: str | None
    description: str | None
    source_url: str | None
    content_type: str | None
    status: str | None  # a search template's status

    @property
    def template(self) -> Template:
        return Template(self.name, self.source, self.status, self.title, self.description,
                        self.tags)


def _text(body: Json, key: str, errors: Errors, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            error(errors, f"obj.{key}", "error.path.missing" if key not in body
                  else "error.expected.jsstring")
        return None
    if not isinstance(value, str):
        error(errors, f"obj.{key}", "error.expected.jsstring")
        return None
    return None if nul_refused(value, f"obj.{key}", errors) else value


def _tags(body: Json, errors: Errors) -> tuple[str, ...] | None:
    tags = body.get("tags")
    if tags is None:
        return None
    if not isinstance(tags, list):
        error(errors, "obj.tags", "error.expected.jsarray")
        return None
    for i, tag in enumerate(tags):
        if not isinstance(tag, str):
            error(errors, f"obj.tags[{i}]", "error.expected.jsstring")
    return tuple(tags)


def _status(body: Json, errors: Errors) -> str | None:
    status = body.get("status")
    if status is None:
        return None
    if not is_object(status, "obj.status", errors):
        return None
    kind = status.get("status")
    if kind not in STATUSES:
        error(errors, "obj.status.status", "error.path.missing" if kind is None
              else "error.expected.filestatus")
        return None
    size = status.get("size")
    if kind == FileStatus.COMPLETED and (isinstance(size, bool) or not isinstance(size, int)):
        error(errors, "obj.status.size", "error.path.missing" if size is None
              else "error.expected.jsnumber")
    return str(kind)


def parse_file(body: Any) -> FileIn:
    """An ApiHatFile body. Raises BadRequest with JsError-shaped messages, all at once."""
    errors: Errors = {}
    if not is_object(body, "obj", errors):
        raise_if(errors)
    name = _text(body, "name", errors, required=True)
    source = _text(body, "source", errors, required=True)
    created = None
    if body.get("dateCreated") is not None:
        created = parse_time(body["dateCreated"])
        if created is None:
            error(errors, "obj.dateCreated", "error.expected.jodadate.format")
        elif not MIN_TIME <= created <= MAX_TIME:
            error(errors, "obj.dateCreated", "error.date.outside.years.1.to.9999")
            created = None
    if body.get("lastUpdated") is not None and parse_time(body["lastUpdated"]) is None:
        error(errors, "obj.lastUpdated", "error.expected.jodadate.format")
    optional = {key: _text(body, key, errors)
                for key in ("title", "description", "sourceURL", "contentType", "fileId",
                            "contentUrl")}
    if body.get("contentPublic") is not None and not isinstance(body["contentPublic"], bool):
        error(errors, "obj.contentPublic", "error.expected.jsboolean")
    if body.get("permissions") is not None and not isinstance(body["permissions"], list):
        error(errors, "obj.permissions", "error.expected.jsarray")
    tags = _tags(body, errors)
    status = _status(body, errors)
    raise_if(errors)
    assert name is not None and source is not None
    return FileIn(name, source, created, tags, optional["title"], optional["description"],
                  optional["sourceURL"], optional["contentType"], status)


def status_json(file: StoredFile) -> Json:
    if file.status == FileStatus.COMPLETED:
        return {"size": file.size or 0, "status": file.status}
    return {"status": file.status}


def file_json(file: StoredFile, content_url: str | None = None,
              permissions: bool = True) -> Json:
    """ApiHatFile, its fields in the original's order; absent ones left out."""
    out: Json = {"fileId": file.file_id, "name": file.name, "source": file.source,
                 "dateCreated": file.created_at, "lastUpdated": file.updated_at}
    for key, value in (("tags", None if file.tags is None else list(file.tags)),
                       ("title", file.title), ("description", file.description),
                       ("sourceURL", file.source_url)):
        if value is not None:
            out[key] = value
    out["status"] = status_json(file)
    if content_url is not None:
        out["contentUrl"] = content_url
    if file.content_type is not None:
        out["contentType"] = file.content_type
    out["contentPublic"] = file.public
    if permissions:
        out["permissions"] = [{"userId": a.user_id, "contentReadable": a.content_readable}
                              for a in file.permissions]
    return out
