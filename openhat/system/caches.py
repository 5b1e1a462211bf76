"""The request-context caches, cleared together by `DELETE /system/destroy-cache`.

A module that keeps a cache of HAT state (keys, applications, the directory) registers its
`clear` here when it is imported, so the owner can drop every cached value of this process
without knowing which caches exist.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

_clearers: dict[str, Callable[[], None]] = {}
_lock = threading.Lock()


def register(name: str, clear: Callable[[], None]) -> None:
    """Have `clear` run on every destroy-cache (a second registration of `name` replaces
    the first, so re-importing a module does not run its clearer twice)."""
    with _lock:
        _clearers[name] = clear


def clear_all() -> list[str]:
    """Run every registered clearer; return the names of the caches cleared, in order."""
    with _lock:
        clearers = list(_clearers.items())
    for _, clear in clearers:
        clear()
    return [name for name, _ in clearers]
