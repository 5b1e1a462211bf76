"""How many requests the fuzz tests sent, summed over xdist workers (tests/conftest.py prints
it at the end of the run)."""

from __future__ import annotations

sent = 0


def count(n: int = 1) -> None:
    global sent
    sent += n
