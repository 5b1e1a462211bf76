"""Signing keys and the sliding renewal's reuse of signatures (identity/tokens.py)."""

from __future__ import annotations

import jwt

from openhat.identity import tokens
from openhat.storage.rows import SigningKey, User
from tests.conftest import fresh_rsa_keys

LIFETIMES = tokens.Lifetimes()
USER = User("h", "user-1", "owner", "", ("owner",), True, 0)


def _claims(key: SigningKey, now: int) -> dict[str, object]:
    token = tokens.issue([key], "hat.example.test", USER, {"accessScope": "owner"},
                         LIFETIMES, now=now)
    return _live(token, key, now)


def _live(token: str, key: SigningKey, now: int) -> dict[str, object]:
    return tokens.current(tokens.signed(token, [key]), LIFETIMES, now=now)


def test_new_keys_are_real_and_distinct() -> None:
    with fresh_rsa_keys():
        one, two = tokens.generate_key("h"), tokens.generate_key("h")
    assert one.kid != two.kid and one.private_pem != two.private_pem
    assert one.public_pem.startswith("-----BEGIN PUBLIC KEY-----")


def test_a_session_is_signed_once_a_minute_per_key() -> None:
    key = tokens.generate_key("h")
    renewals = tokens.Renewals()
    claims = _claims(key, 1_000_000)
    first = renewals.renewed(claims, [key], now=1_000_010)
    # the same session within the minute: the same token, no signature
    assert renewals.renewed(claims, [key], now=1_000_069) == first
    assert jwt.decode(first, options={"verify_signature": False})["iat"] == 1_000_010
    # a minute on: signed anew, with the new time
    later = renewals.renewed(claims, [key], now=1_000_070)
    assert later != first
    assert jwt.decode(later, options={"verify_signature": False})["iat"] == 1_000_070
    assert _live(later, key, 1_000_070)["jti"] == claims["jti"]


def test_renewals_follow_the_signing_key_and_the_session() -> None:
    old, new = tokens.generate_key("h"), tokens.generate_key("h")
    renewals = tokens.Renewals()
    claims = _claims(old, 1_000_000)
    first = renewals.renewed(claims, [old], now=1_000_001)
    rotated = renewals.renewed(claims, [new, old], now=1_000_002)  # a rotation: the new key
    assert jwt.get_unverified_header(rotated)["kid"] == new.kid != old.kid
    assert jwt.get_unverified_header(first)["kid"] == old.kid
    other = _claims(old, 1_000_000)  # another session of the same user: its own token
    theirs = renewals.renewed(other, [old], now=1_000_001)
    assert theirs != first
    assert _live(theirs, old, 1_000_001)["jti"] == other["jti"]


def test_a_clock_set_back_signs_anew() -> None:
    key = tokens.generate_key("h")
    renewals = tokens.Renewals()
    claims = _claims(key, 1_000_000)
    first = renewals.renewed(claims, [key], now=1_000_100)
    earlier = renewals.renewed(claims, [key], now=1_000_050)
    assert earlier != first
    assert jwt.decode(earlier, options={"verify_signature": False})["iat"] == 1_000_050
