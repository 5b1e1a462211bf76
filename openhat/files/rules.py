"""The files area's pure rules: how a file's id is made from its source and name, who may
see a file or read its content, and which files a search template selects."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from openhat.identity.permissions import OWNER, Principal, Role, with_role
from openhat.storage.jsonsem import lexemes, matches
from openhat.storage.rows import FileStatus, StoredFile

# Ids are made only of these (see slugify), so an id is safe in a URL and as a file name; a
# path parameter that does not match names no file.
FILE_ID = re.compile(r"[a-z0-9_-]{1,131}(\.[a-z0-9_-]{1,16})?")  # base, -N, extension
MAX_BASE = 120  # characters of an id's slug (the original has no bound; file names have)
MAX_EXTENSION = 16
EMPTY_SLUG = "file"  # for a source and name with no letter or digit in ASCII


def slugify(text: str) -> str:
    """The original's slug: accents dropped (NFD), everything but ASCII letters, digits,
    `_` and spaces removed, spaces as `-`, lower case."""
    plain = unicodedata.normalize("NFD", text)
    return re.sub(r"[^A-Za-z0-9_ ]", "", plain).replace(" ", "-").lower()


def id_parts(source: str, name: str) -> tuple[str, str]:
    """The slug of source + name without its extension, and the extension (`.png`, or ''
    when the name has none)."""
    parts = name.split(".")
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()  # as Java's split: trailing empty parts are dropped
    extension = slugify(parts[-1]) if len(parts) > 1 else ""
    if len(extension) > MAX_EXTENSION:
        extension = ""
    base = slugify(source + name)
    if extension:
        base = base.removesuffix(extension)
    base = base[:MAX_BASE].rstrip("-") or EMPTY_SLUG
    return base, f".{extension}" if extension else ""


def unique_id(base: str, extension: str, taken: list[str]) -> str:
    """`base + extension`, or when taken, `base-N + extension` with N one more than the
    highest number already used that way (the original's slugifyUnique)."""
    if base + extension not in taken:
        return base + extension
    numbered = re.compile(rf"{re.escape(base)}-([0-9]+){re.escape(extension)}")
    used = [int(m.group(1)) for m in map(numbered.fullmatch, taken) if m is not None]
    return f"{base}-{max(used, default=0) + 1}{extension}"


# --- who may do what -------------------------------------------------------------------------

MANAGE_FILES = Role("managefiles")


@dataclass(frozen=True)
class Accessor:
    """Who asks: their roles, and the user their token speaks for."""

    principal: Principal
    user_id: str


def is_owner(p: Principal) -> bool:
    """The owner's own token (an application's is not, whatever it was granted)."""
    return with_role(p, OWNER)


def manages(p: Principal, source: str) -> bool:
    """The owner, or an enabled application granted `owner` or `managefiles:<source>`."""
    if is_owner(p):
        return True
    return p.application is not None and p.app_enabled and (
        OWNER in p.app_roles or Role("managefiles", source) in p.app_roles)


def _granted(who: Accessor, file: StoredFile, content: bool) -> bool:
    """A grant to the token's user; application tokens act only through their own grants."""
    return who.principal.application is None and any(
        a.user_id == who.user_id and (a.content_readable or not content)
        for a in file.permissions)


def can_see(who: Accessor, file: StoredFile) -> bool:
    """May read the file's metadata."""
    return manages(who.principal, file.source) or _granted(who, file, content=False)


def can_read_content(who: Accessor, file: StoredFile, complete_only: bool = True) -> bool:
    """May read (or, before completion, upload and complete) the file's content."""
    return manages(who.principal, file.source) or (
        (not complete_only or file.status == FileStatus.COMPLETED)
        and _granted(who, file, content=True))


# --- search templates -----------------------------------------------------------------------

@dataclass(frozen=True)
class Template:
    """A search template (an ApiHatFile body): every given part must match."""

    name: str = ""
    source: str = ""
    status: str | None = None
    title: str | None = None
    description: str | None = None
    tags: tuple[str, ...] | None = None


def _words_match(text: str | None, query: str | None) -> bool:
    """The original's `to_tsvector(text) @@ plainto_tsquery(query)` (jsonsem: English
    stems, stop words dropped); no query matches everything."""
    if query is None:
        return True
    return matches(text or "", lexemes(query))


def selects(template: Template, file: StoredFile) -> bool:
    """Whether the template selects the file: name and source by words when not empty,
    title and description by words when given, status exactly, tags all present."""
    return (_words_match(file.name, template.name or None)
            and _words_match(file.source, template.source or None)
            and (template.status is None or file.status == template.status)
            and _words_match(file.title, template.title)
            and _words_match(file.description, template.description)
            and (template.tags is None or set(template.tags) <= set(file.tags or ())))
