"""The owner's email address: set by the operator, or proved through a verification mail
(the original's claim routes, spec 2.7).

The verified address is the one a password reset mails. An address the operator gives
(`OPENHAT_OWNER_EMAIL` when the HAT is created, `openhat owner set-email`) counts as
verified. Otherwise the owner asks for a verification mail to a new address with
`POST /control/v2/auth/request-verification` (or `/claim`) *with their token*; the address
waits as `pending_email` until the link's token comes back to
`/control/v2/auth/claim/complete/{token}`. Without a token, the request only re-sends the
mail for an address already waiting, as the original does for its configured owner address:
so no anonymous caller can put their own address on the HAT.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from html import escape

from openhat.accounts import mailtokens
from openhat.accounts.mail import Mail, Mailer
from openhat.accounts.services import redirect_allowed, registered_redirects
from openhat.accounts.wire import VerificationRequest, normalise_email
from openhat.clock import now_ms
from openhat.errors import BadRequest, ClaimUnauthorized
from openhat.events import EmailVerified
from openhat.identity import passwords, tokens, users
from openhat.storage.base import Store, Tx
from openhat.storage.rows import Hat, SigningKey, User

log = logging.getLogger("openhat.accounts")
ANSWER = "You will shortly receive an email with claim instructions"
CLAIMED = "HAT claimed"


def set_verified(tx: Tx, user: User, email: str) -> None:
    """Make `email` the user's verified address (an address waiting is dropped)."""
    tx.accounts.set_email(user.hat_id, user.user_id, email.strip(), None, now_ms())
    tx.accounts.drop_tokens(user.hat_id, user.user_id, mailtokens.VERIFY)
    tx.emit(EmailVerified(user.hat_id, user.user_id))


def set_owner_email(store: Store, hat_id: str, email: str) -> User | None:
    """The operator's `openhat owner set-email`: returns the owner, or None when the HAT
    has none."""
    with store.write(hat_id) as tx:
        owner = tx.users.owner(hat_id)
        if owner is not None:
            set_verified(tx, owner, email)
    return owner


def owner_email(store: Store, hat_id: str) -> str | None:
    """The owner's verified address, if any."""
    owner = store.users.owner(hat_id)
    found = store.accounts.email(hat_id, owner.user_id) if owner else None
    return found.email if found else None


def request_verification(store: Store, mailer: Mailer, hat: Hat, caller: User | None,
                         request: VerificationRequest) -> None:
    """Mail a verification link (see the module's docstring for when). Never raises: it
    runs after the request was answered."""
    try:
        _request_verification(store, mailer, hat, caller, request)
    except Exception:
        log.exception("verification request for %s failed", hat.domain)


def _request_verification(store: Store, mailer: Mailer, hat: Hat, caller: User | None,
                          request: VerificationRequest) -> None:
    owner = store.users.owner(hat.hat_id)
    if owner is None:
        return
    if not mailer.configured:
        log.warning("mail is not configured (--smtp-url): no verification mail for %s",
                    hat.domain)
        return
    email = request.email.strip()
    with store.write(hat.hat_id) as tx:
        found = tx.accounts.email(hat.hat_id, owner.user_id)
        verified = found.email if found else None
        pending = found.pending_email if found else None
        if caller is not None and caller.user_id == owner.user_id:
            if verified is not None and normalise_email(verified) == normalise_email(email):
                return  # already verified: nothing to prove
            tx.accounts.set_email(hat.hat_id, owner.user_id, verified, email,
                                  found.verified_at if found else None)
        elif pending is None or normalise_email(pending) != normalise_email(email):
            log.info("verification for %s: not the owner's waiting address", hat.domain)
            return
        token = mailtokens.issue(tx, hat.hat_id, owner.user_id, mailtokens.VERIFY, email)
    if token is None:
        log.warning("verification for %s: hourly mail limit reached", hat.domain)
        return
    registered = registered_redirects(store, hat.hat_id, request.application_id) or []
    redirect = request.redirect_uri if redirect_allowed(request.redirect_uri,
                                                        registered) else ""
    if not redirect:
        log.warning("verification for %s: %s is not a registered redirect URI of %s",
                    hat.domain, request.redirect_uri, request.application_id)
    link = mailtokens.verification_link(hat.domain, token, email, request.application_id,
                                        redirect)
    mailer.send(Mail(email, f"Confirm the email address of your HAT {hat.domain}",
                     f"Please confirm that {email} is the address of your HAT {hat.domain}"
                     f" by opening this link within 24 hours:\n{link}\n\n"
                     "If you did not ask for this, ignore this mail.\n",
                     f"<p>Please confirm that {escape(email)} is the address of your HAT"
                     f' {escape(hat.domain)}: <a href="{escape(link)}">confirm</a> (within 24'
                     " hours).</p>"))


def complete(store: Store, hat: Hat, keys: list[SigningKey], token: str,
             password: str | None, lifetimes: tokens.Lifetimes) -> str | None:
    """Verify the waiting address with its token (and set the owner's password when one is
    given: then every earlier token is refused, and a new login token is returned). Raises
    InvalidToken (401), ClaimUnauthorized (401: the address no longer waits), BadRequest
    (a weak password; the token stays usable)."""
    found = mailtokens.usable(store, hat.hat_id, token, mailtokens.VERIFY)
    user = store.users.by_id(hat.hat_id, found.user_id)
    address = store.accounts.email(hat.hat_id, found.user_id) if user else None
    if user is None or "owner" not in user.roles or address is None \
            or address.pending_email is None \
            or normalise_email(address.pending_email) != normalise_email(found.email):
        raise ClaimUnauthorized("No user matching token")
    password_hash = None
    if password is not None:
        advice = passwords.weakness(password)
        if advice is not None:
            raise BadRequest({"obj.password": [{"msg": [passwords.WEAK], "args": advice}]})
        password_hash = users.hash_password(password)  # slow: before the transaction
    with store.write(hat.hat_id) as tx:
        mailtokens.consume(tx, hat.hat_id, found)
        set_verified(tx, user, found.email)
        if password_hash is None:
            return None
        changed_at = passwords.store_password(tx, user, password_hash)
    return tokens.login_token(keys, hat, replace(user, password_changed_at=changed_at),
                              lifetimes)
