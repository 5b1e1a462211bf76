"""Login protection and the login log.

Beside the per-address limit of the web layer (10 at once, one every 2 s), each account
(the username as given, known or not, so that the limit tells nothing about which users
exist) has its own: after 5 failed logins in a row, each further attempt waits 2 s, then
4 s, 8 s ... up to 15 minutes after the last failure, from whatever address; a success or a
password reset ends the wait. The state is the login log itself (time, address, outcome),
kept 90 days in the HAT's database, so every server process sees the same limit.

Every attempt is logged as a failure *before* its password is checked, and turned into a
success afterwards: parallel guesses count against the limit even before they finish.
"""

from __future__ import annotations

from collections.abc import Sequence

from openhat.clock import DAY_MS, SECOND_MS, now_ms
from openhat.errors import NotAuthenticated, RateExceeded
from openhat.identity import tokens, users
from openhat.storage.base import Store, Tx
from openhat.storage.rows import Hat, LoginEntry, SigningKey, User

FREE_FAILURES = 5
MAX_WAIT_MS = 15 * 60 * SECOND_MS
KEPT_MS = 90 * DAY_MS
MAX_USERNAME = 255  # as logged
SUCCESS, FAILURE, THROTTLED, RESET = "success", "failure", "throttled", "reset"


def wait_ms(entries: Sequence[LoginEntry], now: int) -> int:
    """How long the account must wait before its next attempt, from its newest log
    entries (newest first): 0 while fewer than FREE_FAILURES failures follow its last
    success or reset."""
    failures = [e for e in _since_last_success(entries) if e.outcome == FAILURE]
    if len(failures) < FREE_FAILURES:
        return 0
    wait: int = min(MAX_WAIT_MS, SECOND_MS * 2 ** (len(failures) - FREE_FAILURES + 1))
    return max(0, failures[0].at + wait - now)


def _since_last_success(entries: Sequence[LoginEntry]) -> list[LoginEntry]:
    found = []
    for entry in entries:
        if entry.outcome in (SUCCESS, RESET):
            break
        found.append(entry)
    return found


def log_in(store: Store, hat: Hat, keys: list[SigningKey], username: str, password: str,
           address: str, lifetimes: tokens.Lifetimes) -> users.Login:
    """Log in and log the attempt. Raises RateExceeded (429) while the account must wait
    (the password is not checked then), NotAuthenticated for wrong credentials or a
    disabled user."""
    name = username[:MAX_USERNAME]
    with store.write(hat.hat_id) as tx:
        now = now_ms()
        # Enough entries to count the failures that set the longest wait.
        recent = tx.accounts.logins(hat.hat_id, name, limit=FREE_FAILURES + 16)
        throttled = wait_ms(recent, now) > 0
        seq = tx.accounts.log_login(hat.hat_id, LoginEntry(
            now, address, name, None, THROTTLED if throttled else FAILURE), now - KEPT_MS)
    if throttled:
        raise RateExceeded("Too many failed logins for this account: try again later",
                           details=["Request to /users/access_token"])
    login = users.log_in(store, hat, keys, username, password, lifetimes)
    if login is None:
        raise NotAuthenticated()
    with store.write(hat.hat_id) as tx:
        tx.accounts.set_outcome(hat.hat_id, seq, SUCCESS, login.user.user_id)
    return login


def record_reset(tx: Tx, user: User) -> None:
    """Log a password reset of `user`, inside its unit of work: it ends the account's wait."""
    now = now_ms()
    tx.accounts.log_login(user.hat_id, LoginEntry(now, "", user.username[:MAX_USERNAME],
                                                  user.user_id, RESET), now - KEPT_MS)


def previous_login(store: Store, hat_id: str, user_id: str) -> LoginEntry | None:
    """The user's successful login before its newest one ("Previous Login")."""
    return store.accounts.previous_login(hat_id, user_id)
