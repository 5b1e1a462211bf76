"""The official JavaScript SDK (@dataswift/hat-js 0.5.0) against a real `openhat serve`.

`scripts/test` installs the SDK (`npm ci` in tests/hatjs); without Node.js the test skips
locally and fails in a strict run (tests/realparts.py), where it must run.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.files_fixtures import S3_ENV, files_url, s3_endpoint  # noqa: F401 (a fixture)
from tests.realparts import missing
from tests.servers import serving

HATJS = Path(__file__).parent / "hatjs"


def require_sdk() -> None:
    if shutil.which("node") is None or not (HATJS / "node_modules").exists():
        missing("Node.js or the hat-js SDK is not installed (npm ci --prefix tests/hatjs)")


def run_script(tmp_path: Path, script: str,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {"OPENHAT_OWNER_PASSWORD": "sdk-check-password-1", **(env or {})}
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


@pytest.mark.parametrize("store", ["local", "s3"])
def test_hatjs_file_calls(tmp_path: Path, store: str, request: pytest.FixtureRequest) -> None:
    """The SDK's whole files() group, on the local blob store and on S3 (moto's server)."""
    require_sdk()
    env = {}
    if store == "s3":
        env = {**S3_ENV, "OPENHAT_FILES_URL": files_url("s3", request)}
    result = run_script(tmp_path, "files.mjs", env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all hat-js file checks passed" in result.stdout
