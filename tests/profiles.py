"""Hypothesis profiles: how random the suite's random tests are, and how long they run.

- `ci`: loaded in a strict run (scripts/test, or CI set; tests/realparts.py) unless
  HYPOTHESIS_PROFILE names another: the same examples every time (derandomize), so a red run
  is repeatable and a green one is not luck.
- `dev`: the default elsewhere, fresh examples each run.
- `long`: `HYPOTHESIS_PROFILE=long`, for deliberate fuzz runs: fresh examples and many of
  them. A test that sets its own count takes it from `examples()`, so the long profile
  raises it too (an explicit `max_examples` would otherwise win over the profile).

A bug a random test finds becomes a fixed regression test (e.g. tests/api/test_query_input.py).
"""

from __future__ import annotations

import os

from hypothesis import settings

from tests.realparts import strict

LONG_EXAMPLES = 2000


def load() -> str:
    settings.register_profile("ci", derandomize=True, print_blob=True)
    # Hypothesis loads its own derandomized profile where CI is set, and a new profile
    # inherits from the one loaded: fresh examples must be asked for by name.
    settings.register_profile("long", max_examples=LONG_EXAMPLES, derandomize=False,
                              print_blob=True)
    settings.register_profile("dev", derandomize=False, print_blob=True)
    name = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if strict() else "dev")
    settings.load_profile(name)
    return name


def examples(usual: int) -> int:
    """A test's example count: `usual`, or at least the long profile's in a long run."""
    if os.environ.get("HYPOTHESIS_PROFILE") == "long":
        return max(usual, LONG_EXAMPLES)
    return usual
