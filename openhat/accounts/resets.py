"""Password reset by mail (spec 2.7): a link to the owner's verified address, and setting a
new password with the token it carries.

The request always gets the same answer, whatever the address, and its work (looking the
address up, making the token, sending the mail) runs after the answer has been sent, so
neither the answer nor its timing tells whether the address is the owner's. A reset refuses
every token issued before it: the login tokens (as a password change does) and every other
reset token of the owner.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from html import escape

from openhat.accounts import logins, mailtokens
from openhat.accounts.mail import Mail, Mailer
from openhat.accounts.wire import normalise_email
from openhat.errors import BadRequest, ResetUnauthorized
from openhat.events import PasswordResetRequested
from openhat.identity import passwords, tokens, users
from openhat.storage.base import Store
from openhat.storage.rows import Hat, SigningKey

log = logging.getLogger("openhat.accounts")
ANSWER = ("If the email you have entered is correct, you will shortly receive an email with"
          " password reset instructions")


def request_reset(store: Store, mailer: Mailer, hat: Hat, email: str) -> None:
    """Mail a reset link when `email` is the owner's verified address (and fewer than
    mailtokens.MAILS_PER_HOUR were sent within the hour); otherwise do nothing. Never
    raises: it runs after the request was answered."""
    try:
        _request_reset(store, mailer, hat, email)
    except Exception:
        log.exception("password reset request for %s failed", hat.domain)


def _request_reset(store: Store, mailer: Mailer, hat: Hat, email: str) -> None:
    owner = store.users.owner(hat.hat_id)
    address = store.accounts.email(hat.hat_id, owner.user_id) if owner else None
    if owner is None or address is None or address.email is None \
            or normalise_email(address.email) != normalise_email(email):
        log.info("password reset for %s: not the owner's verified address", hat.domain)
        return
    if not mailer.configured:  # no token that could never be sent
        log.warning("mail is not configured (--smtp-url): no password reset mail for %s",
                    hat.domain)
        return
    with store.write(hat.hat_id) as tx:
        token = mailtokens.issue(tx, hat.hat_id, owner.user_id, mailtokens.RESET,
                                 address.email)
        if token is not None:
            tx.emit(PasswordResetRequested(hat.hat_id, owner.user_id))
    if token is None:
        log.warning("password reset for %s: hourly mail limit reached", hat.domain)
        return
    link = mailtokens.reset_link(hat.domain, token)
    mailer.send(Mail(address.email, f"Reset the password of your HAT {hat.domain}",
                     f"Someone asked to reset the password of your HAT {hat.domain}.\n\n"
                     f"To choose a new password, open this link within 24 hours:\n{link}\n\n"
                     "If it was not you, ignore this mail: your password stays as it is.\n",
                     f"<p>Someone asked to reset the password of your HAT {escape(hat.domain)}."
                     f'</p><p><a href="{escape(link)}">Choose a new password</a> (within 24'
                     " hours).</p><p>If it was not you, ignore this mail.</p>"))


def confirm_reset(store: Store, hat: Hat, keys: list[SigningKey], token: str,
                  new_password: str, lifetimes: tokens.Lifetimes) -> str:
    """Set the owner's new password with a reset token; returns a new login token. Raises
    InvalidToken (401: unknown, expired, or already used; a new password deletes the
    user's tokens), ResetUnauthorized (401: no such user any more, or the address is no longer the
    owner's), BadRequest (a weak password; the token stays usable)."""
    found = mailtokens.usable(store, hat.hat_id, token, mailtokens.RESET)
    user = store.users.by_id(hat.hat_id, found.user_id)
    if user is None:
        raise ResetUnauthorized("No user matching token")
    address = store.accounts.email(hat.hat_id, user.user_id)
    if "owner" not in user.roles or address is None or address.email is None \
            or normalise_email(address.email) != normalise_email(found.email):
        raise ResetUnauthorized("Only HAT owner can reset their password")
    advice = passwords.weakness(new_password)
    if advice is not None:
        raise BadRequest({"obj.newPassword": [{"msg": [passwords.WEAK], "args": advice}]})
    password_hash = users.hash_password(new_password)  # slow: before the transaction
    with store.write(hat.hat_id) as tx:
        mailtokens.consume(tx, hat.hat_id, found)
        changed_at = passwords.store_password(tx, user, password_hash)
        logins.record_reset(tx, user)
    return tokens.login_token(keys, hat, replace(user, password_changed_at=changed_at),
                              lifetimes)
