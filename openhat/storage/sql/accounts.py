"""Accounts: the users' email addresses, mail tokens and the login log, in plain-table SQL
written once for both engines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openhat.storage.rows import AccountEmail, LoginEntry, MailToken
from openhat.storage.sql.runner import Area

_EMAIL = "user_id, email, pending_email, verified_at"
_TOKEN = "token_hash, user_id, purpose, email, created_at, expires_at"
_LOGIN = "at, address, username, user_id, outcome"


def _email(row: Sequence[Any]) -> AccountEmail:
    return AccountEmail(row[0], row[1], row[2], None if row[3] is None else int(row[3]))


def _token(row: Sequence[Any]) -> MailToken:
    return MailToken(bytes(row[0]), row[1], row[2], row[3], int(row[4]), int(row[5]))


def _login(row: Sequence[Any]) -> LoginEntry:
    return LoginEntry(int(row[0]), row[1], row[2], row[3], row[4])


class Accounts(Area):
    def email(self, hat_id: str, user_id: str) -> AccountEmail | None:
        """The user's addresses, or None when none was ever given."""
        row = self._sql.one(f"SELECT {_EMAIL} FROM account_emails WHERE hat_id = :hat AND"
                            " user_id = :user", {"hat": hat_id, "user": user_id})
        return None if row is None else _email(row)

    def token(self, hat_id: str, token_hash: bytes) -> MailToken | None:
        """The mail token with this hash (expired or not), or None."""
        row = self._sql.one(f"SELECT {_TOKEN} FROM mail_tokens WHERE hat_id = :hat AND"
                            " token_hash = :hash", {"hat": hat_id, "hash": token_hash})
        return None if row is None else _token(row)

    def tokens_since(self, hat_id: str, user_id: str, purpose: str, since_ms: int) -> int:
        """How many tokens for `purpose` were made for the user since `since_ms`."""
        row = self._sql.one("SELECT count(*) FROM mail_tokens WHERE hat_id = :hat AND"
                            " user_id = :user AND purpose = :purpose AND created_at >= :since",
                            {"hat": hat_id, "user": user_id, "purpose": purpose,
                             "since": since_ms})
        return 0 if row is None else int(row[0])

    def logins(self, hat_id: str, username: str | None = None,
               limit: int = 100) -> list[LoginEntry]:
        """The newest login attempts of the HAT (of one username when given), newest first."""
        where = " AND username = :name" if username is not None else ""
        return [_login(row) for row in self._sql.all(
            f"SELECT {_LOGIN} FROM login_log WHERE hat_id = :hat{where}"
            " ORDER BY seq DESC LIMIT :limit",
            {"hat": hat_id, "name": username, "limit": limit})]

    def previous_login(self, hat_id: str, user_id: str) -> LoginEntry | None:
        """The user's successful login before the newest one (the newest being, as a rule,
        the session asking), or None when there was at most one: the system status's
        "Previous Login"."""
        row = self._sql.one(f"SELECT {_LOGIN} FROM login_log WHERE hat_id = :hat AND"
                            " user_id = :user AND outcome = 'success'"
                            " ORDER BY seq DESC LIMIT 1 OFFSET 1",
                            {"hat": hat_id, "user": user_id})
        return None if row is None else _login(row)


class AccountsWriter(Accounts):
    def set_email(self, hat_id: str, user_id: str, email: str | None,
                  pending_email: str | None, verified_at_ms: int | None) -> None:
        """Replace the user's addresses."""
        params = {"hat": hat_id, "user": user_id, "email": email, "pending": pending_email,
                  "verified": verified_at_ms}
        self._sql.run("INSERT INTO account_emails (hat_id, user_id, email, pending_email,"
                      " verified_at) VALUES (:hat, :user, :email, :pending, :verified)"
                      " ON CONFLICT (hat_id, user_id) DO UPDATE SET email = :email,"
                      " pending_email = :pending, verified_at = :verified", params)

    def add_token(self, hat_id: str, token: MailToken) -> None:
        self._sql.run(f"INSERT INTO mail_tokens (hat_id, {_TOKEN}) VALUES (:hat, :hash,"
                      " :user, :purpose, :email, :created, :expires)",
                      {"hat": hat_id, "hash": token.token_hash, "user": token.user_id,
                       "purpose": token.purpose, "email": token.email,
                       "created": token.created_at, "expires": token.expires_at})

    def consume_token(self, hat_id: str, token_hash: bytes) -> bool:
        """Delete one token; False when it was already gone (used by a racing request)."""
        return bool(self._sql.run("DELETE FROM mail_tokens WHERE hat_id = :hat AND"
                                  " token_hash = :hash", {"hat": hat_id, "hash": token_hash}))

    def drop_tokens(self, hat_id: str, user_id: str, purpose: str | None = None) -> None:
        """Delete the user's tokens (of one purpose when given)."""
        where = " AND purpose = :purpose" if purpose is not None else ""
        self._sql.run(f"DELETE FROM mail_tokens WHERE hat_id = :hat AND user_id = :user{where}",
                      {"hat": hat_id, "user": user_id, "purpose": purpose})

    def forget_user(self, hat_id: str, user_id: str) -> None:
        """Delete the user's addresses and tokens (the user is being deleted); the login log
        keeps its entries."""
        self.drop_tokens(hat_id, user_id)
        self._sql.run("DELETE FROM account_emails WHERE hat_id = :hat AND user_id = :user",
                      {"hat": hat_id, "user": user_id})

    def log_login(self, hat_id: str, entry: LoginEntry, forget_before_ms: int) -> int:
        """Append a login attempt and return its place in the log (for `set_outcome`);
        entries older than `forget_before_ms` are dropped, so the log stays bounded."""
        self._sql.run("DELETE FROM login_log WHERE hat_id = :hat AND at < :before",
                      {"hat": hat_id, "before": forget_before_ms})
        row = self._sql.one(f"INSERT INTO login_log (hat_id, {_LOGIN}) VALUES (:hat, :at,"
                            " :address, :name, :user, :outcome) RETURNING seq",
                            {"hat": hat_id, "at": entry.at, "address": entry.address,
                             "name": entry.username, "user": entry.user_id,
                             "outcome": entry.outcome})
        assert row is not None
        return int(row[0])

    def set_outcome(self, hat_id: str, seq: int, outcome: str, user_id: str | None) -> None:
        """Settle the outcome (and user) of a logged attempt."""
        self._sql.run("UPDATE login_log SET outcome = :outcome, user_id = :user"
                      " WHERE hat_id = :hat AND seq = :seq",
                      {"outcome": outcome, "user": user_id, "hat": hat_id, "seq": seq})
