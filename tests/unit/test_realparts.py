"""How strict and how random a run is (tests/realparts.py, tests/profiles.py): one reading of
the CI variable for every guard, and the Hypothesis profile each kind of run loads."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.realparts import missing, strict

TESTS = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("env", "expected"), [
    ({}, False), ({"CI": "true"}, True), ({"CI": "1"}, True), ({"CI": "TRUE "}, True),
    ({"CI": "false"}, False), ({"CI": ""}, False), ({"OPENHAT_TEST_STRICT": "1"}, True),
    ({"OPENHAT_TEST_STRICT": "yes", "CI": "false"}, True)])
def test_a_run_is_strict_under_scripts_test_or_ci(monkeypatch: pytest.MonkeyPatch,
                                                   env: dict[str, str], expected: bool) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("OPENHAT_TEST_STRICT", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert strict() is expected
    outcome = pytest.fail.Exception if expected else pytest.skip.Exception
    with pytest.raises(outcome):
        missing("a real part")


def test_no_guard_reads_the_ci_variable_on_its_own() -> None:
    """Every skip guard (PostgreSQL, Chromium, Node.js, the other servers) goes through
    realparts.missing: a guard reading CI itself would read it its own way."""
    readers = [str(path.relative_to(TESTS)) for path in TESTS.rglob("*.py")
               if path.name != "realparts.py"
               and re.search(r"""environ(\.get)?[\[(]\s*["']CI["']""", path.read_text())]
    assert readers == []


def _profile_in(env: dict[str, str]) -> dict[str, object]:
    script = ("import json; from hypothesis import settings; from tests import profiles; "
              "profiles.load(); examples = profiles.examples; d = settings.default; "
              "print(json.dumps({'derandomize': d.derandomize, 'max_examples': d.max_examples,"
              " 'examples_25': examples(25)}))")
    clean = {k: v for k, v in os.environ.items()
             if k not in ("CI", "OPENHAT_TEST_STRICT", "HYPOTHESIS_PROFILE")}
    out = subprocess.run([sys.executable, "-c", script], env={**clean, **env}, check=True,
                         capture_output=True, text=True, cwd=TESTS.parent).stdout
    return dict(json.loads(out.splitlines()[-1]))


def test_each_kind_of_run_loads_its_hypothesis_profile() -> None:
    """Strict runs repeat their examples; a long run draws fresh ones, many, even where CI
    is set (Hypothesis's own CI profile is derandomized); explicit counts follow it."""
    assert _profile_in({"OPENHAT_TEST_STRICT": "1"}) == {
        "derandomize": True, "max_examples": 100, "examples_25": 25}
    assert _profile_in({}) == {"derandomize": False, "max_examples": 100, "examples_25": 25}
    assert _profile_in({"HYPOTHESIS_PROFILE": "long", "CI": "true"}) == {
        "derandomize": False, "max_examples": 2000, "examples_25": 2000}


def test_the_suite_loaded_its_profile() -> None:
    from hypothesis import settings

    expected = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if strict() else "dev")
    assert settings.default == settings.get_profile(expected)
