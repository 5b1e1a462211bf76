"""Managing the HAT's other users (spec 2.8, the original's `Users` controller).

Only the owner or a platform user reaches these operations (the route's rule). Who may touch
whom: nobody creates, changes, enables, disables or deletes the owner; a platform user is
created and managed by the owner alone (the original lets no one create one); every other
user by the owner or a platform user. A disabled or deleted user's tokens are refused from
its next request (`identity.users.authenticate` reads the user on every request).
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from openhat.accounts.wire import UserIn
from openhat.clock import now_s
from openhat.errors import BadRequest, InvalidUser, NoSuchUser, PrivilegedAccount, UserNotCreated
from openhat.events import UserCreated, UserDeleted, UserDisabled, UserEnabled, UserUpdated
from openhat.identity import passwords
from openhat.identity import users as identity
from openhat.identity.permissions import Principal, Role
from openhat.storage.base import Store, Tx
from openhat.storage.rows import User, UserExists
from openhat.wire import parse_uuid


def list_users(store: Store, hat_id: str) -> list[User]:
    return store.users.all(hat_id)


def _may_hold(caller: Principal, roles: tuple[str, ...]) -> bool:
    """Whether the caller may give a user these roles: never `owner`; `platform` only from
    the owner's own token."""
    kinds = {Role.parse(r).kind for r in roles}
    if "owner" in kinds:
        return False
    return "platform" not in kinds or (caller.is_owner and caller.application is None)


def _may_manage(caller: Principal, user: User) -> bool:
    return _may_hold(caller, user.roles)


def _password_hash(password: str | None, path: str) -> str | None:
    """The hash of a new user's password after its strength check (slow: call it before the
    unit of work); None when none is given (such a user cannot log in)."""
    if password is None:
        return None
    advice = passwords.weakness(password)
    if advice is not None:
        raise BadRequest({path: [{"msg": [passwords.WEAK], "args": advice}]})
    return identity.hash_password(password)


def create(store: Store, hat_id: str, caller: Principal, new: UserIn) -> User:
    """Add a user. Raises InvalidUser (400) for roles the caller may not give, UserNotCreated
    (400) when the name is taken, BadRequest for a weak password."""
    if not _may_hold(caller, new.roles):
        raise InvalidUser("Users with privileged roles may not be created")
    password_hash = _password_hash(new.password, "obj.pass") or ""
    user = User(hat_id, new.user_id or str(uuid.uuid4()), new.username, password_hash,
                new.roles, True, now_s())
    with store.write(hat_id) as tx:
        if tx.users.by_id(hat_id, user.user_id) is not None:
            raise UserNotCreated(f"User {user.user_id} already exists")
        try:
            tx.users.add(user)
        except UserExists:
            raise UserNotCreated(f"User {new.username} already exists") from None
        tx.emit(UserCreated(hat_id, user.user_id))
    return user


def _target(tx: Tx, hat_id: str, caller: Principal, raw_id: str) -> User:
    """The user a route names, if the caller may manage it. Raises NoSuchUser (404),
    PrivilegedAccount (403)."""
    user_id = parse_uuid(raw_id)
    user = tx.users.by_id(hat_id, user_id) if user_id is not None else None
    if user is None:
        raise NoSuchUser(raw_id)
    if not _may_manage(caller, user):
        raise PrivilegedAccount()
    return user


def update(store: Store, hat_id: str, caller: Principal, raw_id: str, new: UserIn) -> User:
    """Replace a user's name and roles (and password, when `pass` is given: its earlier
    tokens are then refused). The body's userId must be the path's. Raises NoSuchUser,
    PrivilegedAccount, UserNotCreated (name taken), BadRequest."""
    if new.user_id is None or new.user_id != parse_uuid(raw_id):
        raise NoSuchUser(raw_id)
    if not _may_hold(caller, new.roles):
        raise PrivilegedAccount()
    password_hash = _password_hash(new.password, "obj.pass")
    with store.write(hat_id) as tx:
        user = _target(tx, hat_id, caller, raw_id)
        changed = replace(user, username=new.username, roles=new.roles)
        try:
            tx.users.update(changed)
        except UserExists:
            raise UserNotCreated(f"User {new.username} already exists") from None
        if password_hash is not None:
            passwords.store_password(tx, changed, password_hash)
        tx.emit(UserUpdated(hat_id, user.user_id))
        return tx.users.by_id(hat_id, user.user_id) or changed


def set_enabled(store: Store, hat_id: str, caller: Principal, raw_id: str,
                enabled: bool) -> None:
    """Enable or disable a user: a disabled user's tokens are refused, and it cannot log
    in. Raises NoSuchUser, PrivilegedAccount."""
    with store.write(hat_id) as tx:
        user = _target(tx, hat_id, caller, raw_id)
        tx.users.update(replace(user, enabled=enabled))
        tx.emit((UserEnabled if enabled else UserDisabled)(hat_id, user.user_id))


def delete(store: Store, hat_id: str, caller: Principal, raw_id: str) -> None:
    """Delete a user, with its addresses and mail tokens. Raises NoSuchUser,
    PrivilegedAccount."""
    with store.write(hat_id) as tx:
        user = _target(tx, hat_id, caller, raw_id)
        tx.accounts.forget_user(hat_id, user.user_id)
        tx.users.delete(hat_id, user.user_id)
        tx.emit(UserDeleted(hat_id, user.user_id))
