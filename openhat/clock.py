"""The one place openhat reads the time, and the units its stored times use.

Two units, each named where it is stored:
- unix **milliseconds** (`*_ms`, or documented as such): records, debits, bundles,
  combinators, applications, idempotency keys, HATs (`Hat.created_at`) — the HAT API's own
  unit for dates it computes with;
- unix **seconds** (`*_s`): token claims (`iat`, `exp`, as JWT defines them) and what is
  compared with them (`User.password_changed_at`, `SigningKey.created_at`), and migration
  bookkeeping.
"""

from __future__ import annotations

import time

SECOND_MS = 1000
HOUR_MS = 3_600 * SECOND_MS
DAY_S = 86_400
DAY_MS = DAY_S * SECOND_MS


def now_ms() -> int:
    """Now, in unix milliseconds."""
    return time.time_ns() // 1_000_000


def now_s() -> int:
    """Now, in whole unix seconds (for token claims and the times compared with them)."""
    return int(time.time())
