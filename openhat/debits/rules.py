"""The pure rules of data debits: when a consent is active, and which keys are reserved.

Used by the v2.6 and the legacy model alike (a legacy bundle is a permissions row too), and
by applications (whether an application's debit is active). No storage, no clock: the
caller passes `now` (unix ms).
"""

from __future__ import annotations

import math

from openhat.errors import DebitRequestMalformed
from openhat.storage.rows import Debit, DebitPermissions

APPLICATION_KEY_PREFIX = "app-"


def permissions_end(p: DebitPermissions) -> int | None:
    """When a consent ends: at cancellation, at the end of the period running when it was
    cancelled (cancelAtPeriodEnd), after one period (not cancelled, cancelAtPeriodEnd), or
    never (MODELS `DataDebitPermissions.end`)."""
    if p.canceled_at is not None and not p.cancel_at_period_end:
        return p.canceled_at
    if p.canceled_at is not None:
        periods = max(0, math.ceil((p.canceled_at - p.start) / p.period))
        return p.start + periods * p.period
    return p.start + p.period if p.cancel_at_period_end else None


def is_active(p: DebitPermissions, now: int) -> bool:
    end = permissions_end(p)
    return p.accepted and p.start <= now and (end is None or end > now)


def active_permissions(debit: Debit, now: int) -> DebitPermissions | None:
    """The newest active consent."""
    active = [p for p in debit.permissions if is_active(p, now)]
    return active[-1] if active else None


def bundle_ids(debits: list[Debit]) -> list[str]:
    """Every bundle id the debits' consents name (bundles and conditions), for loading them
    in one query."""
    return [name for debit in debits for p in debit.permissions
            for name in (p.bundle_id, p.conditions_id) if name is not None]


def refuse_reserved(key: str) -> None:
    """Raises DebitRequestMalformed for a key of the form `app-<id>`: only application setup
    creates those, else a debit made in advance would be enabled by that application's setup."""
    if key.startswith(APPLICATION_KEY_PREFIX):
        raise DebitRequestMalformed(f"Data Debit request malformed: Data Debit keys starting"
                                    f" with {APPLICATION_KEY_PREFIX} are reserved for"
                                    " application setup")
