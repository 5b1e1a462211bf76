"""The files area's pure rules: ids from source and name (the original's Slugs and
getUniqueFileId), and search templates."""

from __future__ import annotations

import pytest

from openhat.files.rules import FILE_ID, Template, id_parts, selects, slugify, unique_id
from openhat.storage.rows import FileStatus, StoredFile


@pytest.mark.parametrize(("text", "slug"), [
    ("Hello World", "hello-world"),
    ("Crème brûlée", "creme-brulee"),  # accents dropped, not the letters
    ("a/b\\c..d", "abcd"),
    ("日本", ""),
    ("snake_case", "snake_case"),
])
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


@pytest.mark.parametrize(("source", "name", "parts"), [
    ("test", "testFile.png", ("testtestfile", ".png")),
    ("test", "archive.tar.gz", ("testarchivetar", ".gz")),
    ("test", "file.", ("testfile", "")),  # a trailing dot is no extension (Java's split)
    ("test", ".bashrc", ("test", ".bashrc")),
    ("", "日本", ("file", "")),  # nothing left to slug
    ("test", "x." + "e" * 17, ("testx" + "e" * 17, "")),  # too long to be an extension
    ("s", "n" * 500, ("s" + "n" * 119, "")),
])
def test_id_parts(source: str, name: str, parts: tuple[str, str]) -> None:
    assert id_parts(source, name) == parts
    assert FILE_ID.fullmatch(unique_id(*parts, [parts[0] + parts[1]] * 2))


@pytest.mark.parametrize(("taken", "found"), [
    ([], "a.png"),
    (["a.png"], "a-1.png"),
    (["a.png", "a-1.png", "a-7.png"], "a-8.png"),
    (["a.png", "a-b.png", "ab-3.png"], "a-1.png"),  # only a-N counts
    (["ab.png"], "a.png"),
])
def test_unique_id(taken: list[str], found: str) -> None:
    assert unique_id("a", ".png", taken) == found


FILE = StoredFile("f", "Holiday Photos.jpg", "camera", 0, 0, ("sea", "2026"), "By the sea",
                  None, None, None, FileStatus.COMPLETED, 1, False)


@pytest.mark.parametrize(("template", "expected"), [
    (Template(), True),
    (Template(name="photo"), True),  # English stems, as PostgreSQL's to_tsvector
    (Template(name="holiday photos"), True),
    (Template(name="holiday video"), False),  # every word must match
    (Template(source="camera"), True),
    (Template(source="scanner"), False),
    (Template(status=FileStatus.NEW), False),
    (Template(tags=("sea",)), True),
    (Template(tags=("sea", "sky")), False),
    (Template(description="anything"), False),  # no description to match
    (Template(title=""), False),  # a given query with no words matches nothing
])
def test_templates_select(template: Template, expected: bool) -> None:
    assert selects(template, FILE) is expected
