"""Secrets are never compared with `==`: passwords are checked by argon2 and tokens by their
signatures (both constant time). A plain comparison of a value named like a secret would
leak, through its timing, how much of a guess was right; this test forbids one."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "openhat"
SECRET = re.compile(r"(password|secret|signature|private|(^|_)token)$|^token$", re.IGNORECASE)


def names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        return [node.attr]
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return [str(node.slice.value)]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args \
            and isinstance(node.args[0], ast.Constant):  # headers.get("password")
        return [str(node.args[0].value)]
    return []


def secret_comparisons(source: str) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare) or not any(
                isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
            continue
        if any(SECRET.search(name) for side in (node.left, *node.comparators)
               for name in names(side)):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")),
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_plain_comparison_of_secrets(path: Path) -> None:
    assert secret_comparisons(path.read_text()) == [], path


@pytest.mark.parametrize("source,found", [
    ("password == given", True),
    ("user.password != attempt", True),
    ("body['newPassword'] == old", True),
    ("request.headers.get('password') == x", True),
    ("access_token == other", True),
    ("kind != 'retrieveapplicationtoken'", False),
    ("k != TOKEN_FIELD", False),
    ("key.kid == header.get('kid')", False),
])
def test_the_check_itself(source: str, found: bool) -> None:
    assert bool(secret_comparisons(source)) is found
