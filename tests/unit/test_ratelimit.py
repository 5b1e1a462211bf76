"""The login token bucket: 10 at once, then one more every 2 seconds, per key."""

from __future__ import annotations

from openhat.web.ratelimit import TokenBuckets


def test_burst_then_refill() -> None:
    buckets = TokenBuckets(capacity=10, refill_seconds=2.0)
    assert [buckets.take("ip", now=0.0) for _ in range(11)] == [True] * 10 + [False]
    assert buckets.take("ip", now=1.0) is False  # half a token
    assert buckets.take("ip", now=2.1) is True
    assert buckets.take("ip", now=2.2) is False


def test_keys_are_independent() -> None:
    buckets = TokenBuckets(capacity=1, refill_seconds=100)
    assert buckets.take("a", now=0) and buckets.take("b", now=0)
    assert not buckets.take("a", now=1)


def test_refill_never_exceeds_capacity() -> None:
    buckets = TokenBuckets(capacity=2, refill_seconds=1)
    buckets.take("ip", now=0)
    assert [buckets.take("ip", now=1000) for _ in range(3)] == [True, True, False]


def test_memory_stays_bounded() -> None:
    buckets = TokenBuckets(capacity=1, refill_seconds=1, max_keys=100)
    for i in range(1000):
        buckets.take(f"ip{i}", now=float(i))
    assert len(buckets._buckets) <= 101
