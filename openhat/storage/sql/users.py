"""Users and signing keys of a HAT: plain-table SQL written once for both engines.

Readers (`Users`, `Keys`) serve the store's reads; writers add the changes and exist only
inside a unit of work (`store.write(hat_id)`), where they read and write the transaction's
own connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from openhat.storage.rows import SigningKey, User, UserExists
from openhat.storage.sql.runner import Area

_USER = "hat_id, user_id, username, password_hash, roles, enabled, password_changed_at"
_KEY = "hat_id, kid, private_pem, public_pem, created_at, retired_at, revoked"


def _user(row: Sequence[Any]) -> User:
    return User(row[0], row[1], row[2], row[3], tuple(orjson.loads(row[4])), bool(row[5]),
                int(row[6]))


def _key(row: Sequence[Any]) -> SigningKey:
    return SigningKey(row[0], row[1], row[2], row[3], int(row[4]),
                      None if row[5] is None else int(row[5]), bool(row[6]))


class Users(Area):
    def by_name(self, hat_id: str, username: str) -> User | None:
        row = self._sql.one(f"SELECT {_USER} FROM users WHERE hat_id = :hat AND"
                            " username = :name", {"hat": hat_id, "name": username})
        return None if row is None else _user(row)

    def by_id(self, hat_id: str, user_id: str) -> User | None:
        row = self._sql.one(f"SELECT {_USER} FROM users WHERE hat_id = :hat AND"
                            " user_id = :user", {"hat": hat_id, "user": user_id})
        return None if row is None else _user(row)

    def all(self, hat_id: str) -> list[User]:
        """Every user of the HAT, by name (byte order)."""
        return [_user(row) for row in self._sql.all(
            f"SELECT {_USER} FROM users WHERE hat_id = :hat"
            f" ORDER BY username{self._sql.dialect.byte_order}", {"hat": hat_id})]

    def owner(self, hat_id: str) -> User | None:
        """The HAT's owner (the first user, by name, holding the `owner` role)."""
        d = self._sql.dialect
        row = self._sql.one(f"SELECT {_USER} FROM users WHERE hat_id = :hat AND {d.has_role}"
                            f" ORDER BY username{d.byte_order} LIMIT 1",
                            {"hat": hat_id, "role": "owner"})
        return None if row is None else _user(row)


class UsersWriter(Users):
    def add(self, user: User) -> None:
        """Add a user to a HAT. Raises UserExists when the HAT has a user of that name."""
        added = self._sql.run(
            f"INSERT INTO users ({_USER}) VALUES (:hat, :user, :name, :hash, :roles,"
            " :enabled, :changed) ON CONFLICT DO NOTHING",
            {"hat": user.hat_id, "user": user.user_id, "name": user.username,
             "hash": user.password_hash, "roles": orjson.dumps(list(user.roles)).decode(),
             "enabled": user.enabled, "changed": user.password_changed_at})
        if not added:
            raise UserExists(user.username)

    def set_password(self, hat_id: str, user_id: str, password_hash: str,
                     changed_at_s: int) -> None:
        """Store a new password hash; tokens created before `changed_at_s` are refused."""
        self._sql.run("UPDATE users SET password_hash = :hash, password_changed_at = :changed"
                      " WHERE hat_id = :hat AND user_id = :user",
                      {"hash": password_hash, "changed": changed_at_s, "hat": hat_id,
                       "user": user_id})

    def update(self, user: User) -> None:
        """Replace a user's name, roles, enabled state and password hash (its id and HAT
        stay). Raises UserExists when another user of the HAT has the new name."""
        other = self.by_name(user.hat_id, user.username)
        if other is not None and other.user_id != user.user_id:
            raise UserExists(user.username)
        self._sql.run("UPDATE users SET username = :name, roles = :roles, enabled = :enabled,"
                      " password_hash = :hash, password_changed_at = :changed"
                      " WHERE hat_id = :hat AND user_id = :user",
                      {"name": user.username, "roles": orjson.dumps(list(user.roles)).decode(),
                       "enabled": user.enabled, "hash": user.password_hash,
                       "changed": user.password_changed_at, "hat": user.hat_id,
                       "user": user.user_id})

    def delete(self, hat_id: str, user_id: str) -> None:
        self._sql.run("DELETE FROM users WHERE hat_id = :hat AND user_id = :user",
                      {"hat": hat_id, "user": user_id})

    def grant_role(self, hat_id: str, user_id: str, role: str) -> None:
        """Give a user one more role (nothing when the user has it, or does not exist)."""
        row = self._sql.one("SELECT roles FROM users WHERE hat_id = :hat AND user_id = :user"
                            + self._sql.dialect.for_update, {"hat": hat_id, "user": user_id})
        if row is None:
            return
        roles = list(orjson.loads(row[0]))
        if role not in roles:
            self._sql.run("UPDATE users SET roles = :roles WHERE hat_id = :hat AND"
                          " user_id = :user", {"roles": orjson.dumps([*roles, role]).decode(),
                                               "hat": hat_id, "user": user_id})


class Keys(Area):
    def all(self, hat_id: str) -> list[SigningKey]:
        """Every key of the HAT, newest first."""
        return [_key(row) for row in self._sql.all(
            f"SELECT {_KEY} FROM signing_keys WHERE hat_id = :hat"
            " ORDER BY created_at DESC, kid DESC", {"hat": hat_id})]


class KeysWriter(Keys):
    def add(self, key: SigningKey) -> None:
        self._sql.run(f"INSERT INTO signing_keys ({_KEY}) VALUES (:hat, :kid, :private,"
                      " :public, :created, :retired, :revoked)",
                      {"hat": key.hat_id, "kid": key.kid, "private": key.private_pem,
                       "public": key.public_pem, "created": key.created_at,
                       "retired": key.retired_at, "revoked": key.revoked})

    def rotate(self, key: SigningKey, now_s: int, revoke: bool) -> None:
        """Make `key` the HAT's signing key. Every other key is retired at `now_s` (it
        verifies what it signed until that expires) or, with `revoke`, revoked (every token
        it signed is refused)."""
        if revoke:
            self._sql.run("UPDATE signing_keys SET revoked = :yes, retired_at ="
                          " coalesce(retired_at, :now) WHERE hat_id = :hat",
                          {"yes": True, "now": now_s, "hat": key.hat_id})
        else:
            self._sql.run("UPDATE signing_keys SET retired_at = :now WHERE hat_id = :hat AND"
                          " retired_at IS NULL", {"now": now_s, "hat": key.hat_id})
        self.add(key)
