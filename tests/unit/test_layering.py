"""The structural rules of docs/architecture.md: imports point inward (web and cli → domain →
storage), handlers never touch the Store, and only storage knows the concrete backends.

Every import counts, including those inside functions (ast.walk visits the whole tree) and
module names passed to importlib as strings.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "openhat"
# Shared leaf modules every layer may use: they import no area of their own.
SHARED = ("openhat.config", "openhat.clock", "openhat.events", "openhat.errors", "openhat.wire")
BACKENDS = ("openhat.storage.sqlite", "openhat.storage.postgres")


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and _names_a_module(node):
            found.update(arg.value.split(":")[0] for arg in node.args[:1]
                         if isinstance(arg, ast.Constant) and isinstance(arg.value, str))
    return found


def _names_a_module(call: ast.Call) -> bool:
    """A call that imports by name: importlib.import_module, __import__, or uvicorn.run with
    a "module:attr" string."""
    func = call.func
    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return called in ("import_module", "__import__", "run")


def modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def name(path: Path) -> str:
    return str(path.relative_to(PACKAGE))


def inside(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


@pytest.mark.parametrize("path", modules(PACKAGE / "storage"), ids=name)
def test_storage_imports_nothing_above_it(path: Path) -> None:
    bad = {m for m in imports(path) if m.startswith("openhat.")
           and not inside(m, "openhat.storage", *SHARED)}
    assert not bad, f"{name(path)} imports {bad}"


DOMAIN = [p for p in modules(PACKAGE)
          if not inside(".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts),
                        "openhat.web", "openhat.cli", "openhat.storage", "openhat.__main__")]


@pytest.mark.parametrize("path", DOMAIN, ids=name)
def test_domain_imports_neither_web_nor_cli(path: Path) -> None:
    bad = {m for m in imports(path) if inside(m, "openhat.web", "openhat.cli")}
    assert not bad, f"{name(path)} imports {bad}"


@pytest.mark.parametrize("path", modules(PACKAGE / "web"), ids=name)
def test_web_imports_no_cli(path: Path) -> None:
    """web and cli are both outer layers: the CLI starts the server (cli -> web), never the
    other way round."""
    bad = {m for m in imports(path) if inside(m, "openhat.cli", "openhat.__main__")}
    assert not bad, f"{name(path)} imports {bad}"


@pytest.mark.parametrize("path", [PACKAGE / f"{m.split('.')[1]}.py" for m in SHARED], ids=name)
def test_shared_modules_import_no_area(path: Path) -> None:
    bad = {m for m in imports(path) if m.startswith("openhat.") and not inside(m, *SHARED)}
    assert not bad, f"{name(path)} imports {bad}"


@pytest.mark.parametrize("path", modules(PACKAGE / "web" / "endpoints"), ids=name)
def test_handlers_never_touch_the_store(path: Path) -> None:
    """Handlers parse, make one domain call and serialise: no storage import, and no
    `call.store.<method>(...)` (passing `call.store` on to the domain is the one use)."""
    bad = {m for m in imports(path) if inside(m, "openhat.storage")}
    assert not bad, f"{name(path)} imports {bad}"
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) \
                and node.value.attr == "store":
            raise AssertionError(f"{name(path)}:{node.lineno} calls the Store: .store.{node.attr}")


@pytest.mark.parametrize("path", [p for p in modules(PACKAGE) if not inside(
    ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts), "openhat.storage")], ids=name)
def test_only_storage_names_a_backend(path: Path) -> None:
    bad = {m for m in imports(path) if inside(m, *BACKENDS)}
    assert not bad, f"{name(path)} imports {bad}"


def test_few_modules_sit_directly_in_the_package() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 12, top


@pytest.mark.parametrize("path", modules(PACKAGE), ids=name)
def test_no_module_passes_600_lines(path: Path) -> None:
    assert len(path.read_text().splitlines()) <= 600
