"""One rule for tests that need a real part (PostgreSQL, Node.js and the SDK, and the other
servers the suite starts): skip when it is missing on a developer's machine, fail when the
run is strict.

A run is strict under `scripts/test` (the README's test command, which exports
`OPENHAT_TEST_STRICT=1`) and wherever `CI` is true, so the whole-suite command cannot pass
with part of the suite silently skipped, whether or not the runner sets `CI`.
"""

from __future__ import annotations

import os

import pytest


def strict() -> bool:
    """Whether a missing real part fails the test instead of skipping it."""
    flags = (os.environ.get("OPENHAT_TEST_STRICT", ""), os.environ.get("CI", ""))
    return any(flag.strip().lower() in {"1", "true", "yes"} for flag in flags)


def missing(why: str) -> None:
    """Skip, or fail in a strict run, because a real part the test needs is missing."""
    if strict():
        pytest.fail(f"{why} (a strict run needs every real part: nothing may be skipped)")
    pytest.skip(why)
