"""The one structural rule: imports point inward (web and cli → domain → storage)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "openhat"


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


@pytest.mark.parametrize("path", modules(PACKAGE / "storage"), ids=lambda p: p.name)
def test_storage_imports_neither_web_nor_domain(path: Path) -> None:
    bad = {m for m in imports(path) if m.startswith("openhat.") and
           not m.startswith(("openhat.storage", "openhat.config", "openhat.clock"))}
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("path", [p for p in modules(PACKAGE) if p.parent == PACKAGE],
                         ids=lambda p: p.name)
def test_domain_does_not_import_web_or_cli(path: Path) -> None:
    if path.name in ("cli.py", "__main__.py"):
        return
    bad = {m for m in imports(path) if m.startswith(("openhat.web", "openhat.cli"))}
    assert not bad, f"{path.name} imports {bad}"
