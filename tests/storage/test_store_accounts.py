"""The Store's accounts area and the users writes (storage/sql/accounts.py, users.py), on
every backend: addresses, mail tokens, the login log, and that every row stays in its HAT."""

from __future__ import annotations

from dataclasses import replace

import pytest

from openhat.hats import service as hats
from openhat.identity import users
from openhat.storage.base import Store
from openhat.storage.rows import LoginEntry, MailToken, User, UserExists

NOW = 1_700_000_000_000


@pytest.fixture
def two(store: Store) -> tuple[str, str]:
    return (hats.create_hat(store, "a.example.test", "owner", "a-password-1").hat.hat_id,
            hats.create_hat(store, "b.example.test", "owner", "a-password-1").hat.hat_id)


def owner_of(store: Store, hat_id: str) -> User:
    owner = store.users.owner(hat_id)
    assert owner is not None
    return owner


def test_addresses(store: Store, two: tuple[str, str]) -> None:
    a, b = two
    user = owner_of(store, a)
    assert store.accounts.email(a, user.user_id) is None
    with store.write(a) as tx:
        tx.accounts.set_email(a, user.user_id, None, "new@x.org", None)
    with store.write(a) as tx:  # replaced, not added
        tx.accounts.set_email(a, user.user_id, "new@x.org", None, NOW)
    found = store.accounts.email(a, user.user_id)
    assert found is not None
    assert (found.email, found.pending_email, found.verified_at) == ("new@x.org", None, NOW)
    assert store.accounts.email(b, user.user_id) is None


def _token(user_id: str, digest: bytes, purpose: str = "reset", at: int = NOW) -> MailToken:
    return MailToken(digest, user_id, purpose, "a@x.org", at, at + 1000)


def test_mail_tokens(store: Store, two: tuple[str, str]) -> None:
    a, b = two
    user = owner_of(store, a)
    with store.write(a) as tx:
        tx.accounts.add_token(a, _token(user.user_id, b"1" * 32))
        tx.accounts.add_token(a, _token(user.user_id, b"2" * 32, at=NOW - 10))
        tx.accounts.add_token(a, _token(user.user_id, b"3" * 32, purpose="verify"))
    assert store.accounts.token(a, b"1" * 32) == _token(user.user_id, b"1" * 32)
    assert store.accounts.token(b, b"1" * 32) is None  # another HAT's
    assert store.accounts.tokens_since(a, user.user_id, "reset", NOW - 10) == 2
    assert store.accounts.tokens_since(a, user.user_id, "reset", NOW) == 1
    with store.write(a) as tx:
        assert tx.accounts.consume_token(a, b"1" * 32)
        assert not tx.accounts.consume_token(a, b"1" * 32)  # used once only
        tx.accounts.drop_tokens(a, user.user_id, "reset")
    assert store.accounts.token(a, b"2" * 32) is None
    assert store.accounts.token(a, b"3" * 32) is not None
    with store.write(a) as tx:
        tx.accounts.set_email(a, user.user_id, "a@x.org", None, NOW)
        tx.accounts.forget_user(a, user.user_id)
    assert store.accounts.token(a, b"3" * 32) is None
    assert store.accounts.email(a, user.user_id) is None


def _entry(at: int, outcome: str, user_id: str | None = None, name: str = "owner") -> LoginEntry:
    return LoginEntry(at, "10.0.0.1", name, user_id, outcome)


def test_login_log(store: Store, two: tuple[str, str]) -> None:
    a, b = two
    user = owner_of(store, a)
    with store.write(a) as tx:
        first = tx.accounts.log_login(a, _entry(NOW, "success", user.user_id), 0)
        second = tx.accounts.log_login(a, _entry(NOW + 1, "failure"), 0)
        tx.accounts.log_login(a, _entry(NOW + 2, "failure", name="other"), 0)
        tx.accounts.set_outcome(a, second, "success", user.user_id)
    assert second > first
    assert store.accounts.previous_login(a, user.user_id) == _entry(NOW, "success",
                                                                    user.user_id)
    assert [e.at for e in store.accounts.logins(a, "owner")] == [NOW + 1, NOW]
    assert len(store.accounts.logins(a, limit=2)) == 2
    assert store.accounts.logins(b) == []
    with store.write(a) as tx:  # entries before the cut-off are forgotten on the next entry
        tx.accounts.log_login(a, _entry(NOW + 3, "failure"), NOW + 2)
    assert [e.at for e in store.accounts.logins(a)] == [NOW + 3, NOW + 2]
    assert store.accounts.previous_login(a, user.user_id) is None


def test_users_update_list_delete(store: Store, two: tuple[str, str]) -> None:
    a, _ = two
    user = users.new_user(a, "credit", "a-password-1", ("datacredit",))
    with store.write(a) as tx:
        tx.users.add(user)
    assert [u.username for u in store.users.all(a)] == ["credit", "owner"]
    changed = replace(user, username="credit2", roles=("datadebit",), enabled=False)
    with store.write(a) as tx:
        tx.users.update(changed)
    assert store.users.by_id(a, user.user_id) == changed
    with pytest.raises(UserExists), store.write(a) as tx:
        tx.users.update(replace(changed, username="owner"))
    with store.write(a) as tx:
        tx.users.delete(a, user.user_id)
    assert store.users.by_id(a, user.user_id) is None


def test_removing_a_hat_removes_its_accounts_rows(store: Store, two: tuple[str, str]) -> None:
    a, b = two
    user = owner_of(store, a)
    with store.write(a) as tx:
        tx.accounts.set_email(a, user.user_id, "a@x.org", None, NOW)
        tx.accounts.add_token(a, _token(user.user_id, b"1" * 32))
        tx.accounts.log_login(a, _entry(NOW, "success", user.user_id), 0)
    hat = next(h for h in store.hats.all() if h.hat_id == a)
    hats.remove_hat(store, hat)
    assert store.accounts.email(a, user.user_id) is None
    assert store.accounts.token(a, b"1" * 32) is None
    assert store.accounts.logins(a) == []
    assert owner_of(store, b)
