"""The official JavaScript SDK (@dataswift/hat-js 0.5.0) against a real `openhat serve`.

`scripts/test` installs the SDK (`npm ci` in tests/hatjs); without Node.js the test skips
locally and fails in CI, where it must run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.servers import serving

HATJS = Path(__file__).parent / "hatjs"


def require_sdk() -> None:
    if shutil.which("node") is None or not (HATJS / "node_modules").exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Node.js and tests/hatjs/node_modules are required in CI")
        pytest.skip("Node.js or the hat-js SDK is not installed (npm ci --prefix tests/hatjs)")


def run_script(tmp_path: Path, script: str) -> subprocess.CompletedProcess[str]:
    env = {"OPENHAT_OWNER_PASSWORD": "sdk-check-password-1"}
    with serving(tmp_path, "--database", f"sqlite:///{tmp_path}/sdk.db", env=env) as (base, _):
        return subprocess.run(
            ["node", script, base.removeprefix("http://"), "owner", "sdk-check-password-1"],
            cwd=HATJS, capture_output=True, text=True, timeout=120)


def test_hatjs_data_calls(tmp_path: Path) -> None:
    require_sdk()
    result = run_script(tmp_path, "check.mjs")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all hat-js checks passed" in result.stdout


def test_hatjs_application_calls(tmp_path: Path) -> None:
    require_sdk()
    result = run_script(tmp_path, "apps.mjs")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all hat-js application checks passed" in result.stdout
