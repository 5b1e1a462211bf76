"""Files of a HAT (metadata, access grants, the URL-signing secret): plain-table SQL written
once for both engines. The bytes are not here: they live in a blob store (openhat/files).

`Files` serves the store's reads; `FilesWriter` adds the changes and exists only inside a
unit of work (`store.write(hat_id)`).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from openhat.storage.rows import FileAccess, FileStatus, StoredFile
from openhat.storage.sql.runner import Area

_FILE = ("file_id, name, source, created_at, updated_at, tags, title, description, source_url,"
         " content_type, status, size, content_public")
_LOCK_PREFIX = "files:"


def _file(row: Sequence[Any], permissions: tuple[FileAccess, ...]) -> StoredFile:
    return StoredFile(row[0], row[1], row[2], int(row[3]), int(row[4]),
                      None if row[5] is None else tuple(orjson.loads(row[5])), row[6], row[7],
                      row[8], row[9], row[10], None if row[11] is None else int(row[11]),
                      bool(row[12]), permissions)


def _tags(tags: tuple[str, ...] | None) -> str | None:
    return None if tags is None else orjson.dumps(list(tags)).decode()


class Files(Area):
    def get(self, hat_id: str, file_id: str) -> StoredFile | None:
        """The file with its access grants (by user id), or None."""
        row = self._sql.one(f"SELECT {_FILE} FROM files WHERE hat_id = :hat AND"
                            " file_id = :file", {"hat": hat_id, "file": file_id})
        if row is None:
            return None
        grants = self._sql.all("SELECT user_id, content_readable FROM file_access WHERE"
                               " hat_id = :hat AND file_id = :file ORDER BY user_id",
                               {"hat": hat_id, "file": file_id})
        return _file(row, tuple(FileAccess(g[0], bool(g[1])) for g in grants))

    def all(self, hat_id: str, status: str | None = None) -> list[StoredFile]:
        """Every file of the HAT (only those of `status`, when given), with their access
        grants, oldest first (then by id)."""
        where = "hat_id = :hat" + ("" if status is None else " AND status = :status")
        params = {"hat": hat_id, "status": status}
        grants: dict[str, list[FileAccess]] = {}
        for g in self._sql.all("SELECT file_id, user_id, content_readable FROM file_access"
                               " WHERE hat_id = :hat ORDER BY user_id", params):
            grants.setdefault(g[0], []).append(FileAccess(g[1], bool(g[2])))
        return [_file(row, tuple(grants.get(row[0], ()))) for row in self._sql.all(
            f"SELECT {_FILE} FROM files WHERE {where} ORDER BY created_at, file_id"
            f"{self._sql.dialect.byte_order}", params)]

    def ids_like(self, hat_id: str, prefix: str) -> list[str]:
        """The ids of the HAT's files that start with `prefix` (taken literally)."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return [row[0] for row in self._sql.all(
            "SELECT file_id FROM files WHERE hat_id = :hat AND file_id LIKE :pattern"
            " ESCAPE '\\'", {"hat": hat_id, "pattern": escaped + "%"})]

    def usage(self, hat_id: str) -> int:
        """Bytes held by the HAT's completed files (its file storage usage)."""
        row = self._sql.one("SELECT coalesce(sum(size), 0) FROM files WHERE hat_id = :hat AND"
                            " status = :completed",
                            {"hat": hat_id, "completed": FileStatus.COMPLETED})
        return 0 if row is None else int(row[0])

    def secret(self, hat_id: str) -> bytes | None:
        """The key that signs the HAT's blob URLs, or None before its first upload."""
        row = self._sql.one("SELECT secret FROM file_secrets WHERE hat_id = :hat",
                            {"hat": hat_id})
        return None if row is None else bytes.fromhex(row[0])


class FilesWriter(Files):
    def lock_ids(self, hat_id: str) -> None:
        """Serialise the HAT's writers of new file ids until the transaction ends (SQLite's
        write transaction already does), so two uploads never pick the same id."""
        statement = self._sql.dialect.named_lock
        if statement is not None:
            self._sql.one(statement, {"lock": _LOCK_PREFIX + hat_id})

    def add(self, hat_id: str, file: StoredFile) -> None:
        """Store a new file's metadata (its id is free: see `lock_ids`)."""
        self._sql.run(
            f"INSERT INTO files (hat_id, {_FILE}) VALUES (:hat, :file, :name, :source,"
            " :created, :updated, :tags, :title, :description, :url, :type, :status, :size,"
            " :public)",
            {"hat": hat_id, "file": file.file_id, "name": file.name, "source": file.source,
             "created": file.created_at, "updated": file.updated_at, "tags": _tags(file.tags),
             "title": file.title, "description": file.description, "url": file.source_url,
             "type": file.content_type, "status": file.status, "size": file.size,
             "public": file.public})

    def update(self, hat_id: str, file: StoredFile) -> None:
        """Replace the stored metadata of `file` (by its id); grants are kept."""
        self._sql.run(
            "UPDATE files SET name = :name, updated_at = :updated, tags = :tags, title = :title,"
            " description = :description, source_url = :url, content_type = :type,"
            " status = :status, size = :size, content_public = :public"
            " WHERE hat_id = :hat AND file_id = :file",
            {"hat": hat_id, "file": file.file_id, "name": file.name,
             "updated": file.updated_at, "tags": _tags(file.tags), "title": file.title,
             "description": file.description, "url": file.source_url,
             "type": file.content_type, "status": file.status, "size": file.size,
             "public": file.public})

    def grant(self, hat_id: str, file_ids: Iterable[str], user_id: str,
              content_readable: bool) -> None:
        """Give `user_id` access to each file (replacing the content flag it had)."""
        for file_id in file_ids:
            self._sql.run(
                "INSERT INTO file_access (hat_id, file_id, user_id, content_readable) VALUES"
                " (:hat, :file, :user, :content) ON CONFLICT (hat_id, file_id, user_id)"
                " DO UPDATE SET content_readable = :content",
                {"hat": hat_id, "file": file_id, "user": user_id, "content": content_readable})

    def restrict(self, hat_id: str, file_ids: Iterable[str], user_id: str) -> None:
        """Take `user_id`'s access to each file away (nothing where it had none)."""
        for file_id in file_ids:
            self._sql.run("DELETE FROM file_access WHERE hat_id = :hat AND file_id = :file"
                          " AND user_id = :user",
                          {"hat": hat_id, "file": file_id, "user": user_id})

    def ensure_secret(self, hat_id: str) -> bytes:
        """The HAT's URL-signing key, made (32 random bytes) on first use."""
        self._sql.run("INSERT INTO file_secrets (hat_id, secret) VALUES (:hat, :secret)"
                      " ON CONFLICT (hat_id) DO NOTHING",
                      {"hat": hat_id, "secret": secrets.token_hex(32)})
        found = self.secret(hat_id)
        assert found is not None
        return found
