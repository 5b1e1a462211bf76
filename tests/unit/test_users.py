"""Passwords: argon2id at production cost, constant-time refusal of unknown users."""

from __future__ import annotations

import subprocess
import sys

import pytest
from argon2 import PasswordHasher

from openhat.identity import users


def test_production_hasher_is_argon2id_with_owasp_parameters() -> None:
    """In a fresh interpreter (the suite's cheap test hasher is not there), a stored password
    hash carries OWASP's argon2id parameters: 19 MiB, 2 passes, 1 lane."""
    script = ("from openhat.identity import users; "
              "print(users.new_owner('hat', 'id', 'owner', 'correct horse').password_hash)")
    encoded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             check=True).stdout.strip()
    assert encoded.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PasswordHasher().verify(encoded, "correct horse")


def test_check_password() -> None:
    user = users.new_owner("hat", "id", "owner", "s3cret-pass")
    assert users.check_password(user, "s3cret-pass")
    assert not users.check_password(user, "wrong")
    assert not users.check_password(user, "")
    assert not users.check_password(None, "s3cret-pass")


def test_unknown_user_costs_a_hash_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # Counted, not timed: an unknown user must cost one full argon2 verification, like a
    # wrong password, so the answer time does not reveal which usernames exist.
    verified: list[str] = []
    real = users._hasher

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            verified.append(str(hash))
            return real.verify(hash, password)

    monkeypatch.setattr(users, "_hasher", Counting())
    user = users.new_owner("hat", "id", "owner", "s3cret-pass")
    assert not users.check_password(user, "wrong")
    assert not users.check_password(None, "wrong")
    assert verified == [user.password_hash, users._DUMMY_HASH]


def test_generated_passwords_are_long_and_distinct() -> None:
    passwords = {users.generate_password() for _ in range(50)}
    assert len(passwords) == 50 and min(map(len, passwords)) >= 20
