"""The HAT error family.

Every error knows its HTTP status and its body, so inner layers raise them without touching
HTTP and the web layer turns them into responses in one place. The original HAT has two body
shapes: `{"message","cause"}` from its handlers and `{"error","message"}` from the framework
(spec 1.2); each class below fixes which one it uses.
"""

from __future__ import annotations

from typing import Any


class HatError(Exception):
    """Base class: a status and a JSON-serialisable body."""

    status: int = 500

    def __init__(self, body: dict[str, Any], status: int | None = None) -> None:
        super().__init__(str(body))
        self.body = body
        if status is not None:
            self.status = status


class MessageError(HatError):
    """Handler-level error: `{"message": title, "cause": detail}`."""

    title = "Bad Request"

    def __init__(self, cause: str, message: str | None = None, status: int | None = None,
                 details: list[str] | None = None) -> None:
        body: dict[str, Any] = {"message": message or self.title, "cause": cause}
        if details:
            body["details"] = details
        super().__init__(body, status)
        self.cause = cause


class FrameworkError(HatError):
    """Framework-level error: `{"error": title, "message": detail}`."""

    title = "Bad Request"

    def __init__(self, message: Any = None, status: int | None = None) -> None:
        super().__init__({"error": self.title, "message": message or self.title}, status)


# --- framework-shaped -------------------------------------------------------------------

class BadRequest(FrameworkError):
    """400 from body parsing, validation or query-parameter parsing."""

    status = 400


class NotAuthenticated(FrameworkError):
    status = 401
    title = "Not Authenticated"


class Gone(FrameworkError):
    """A resume (Last-Event-ID) from an event no longer kept (docs/events.md)."""

    status = 410
    title = "Gone"


class Forbidden(FrameworkError):
    status = 403
    title = "Forbidden"

    def __init__(self, message: Any = "Access Denied") -> None:
        super().__init__(message)


class NotFound(FrameworkError):
    status = 404
    title = "Not Found"


class HandlerNotFound(FrameworkError):
    status = 404
    title = "Handler Not Found"

    def __init__(self, method: str, path: str) -> None:
        super().__init__(f"Request handler at {method}:{path} does not exist")


class PayloadTooLarge(FrameworkError):
    status = 413
    title = "Payload Too Large"


class UnsupportedMediaType(FrameworkError):
    status = 415
    title = "Unsupported Media Type"


class ServiceUnavailable(FrameworkError):
    """The HAT cannot answer now but will shortly (it is being moved between databases)."""

    status = 503
    title = "Service Unavailable"


class InternalError(FrameworkError):
    status = 500
    title = "Internal Server error"


# --- handler-shaped ---------------------------------------------------------------------

class DataMissing(MessageError):
    """A record the request names does not exist (in this HAT)."""

    status = 400
    title = "Data Missing"


class DuplicateData(MessageError):
    """A record with the same data already exists in the same endpoint."""

    status = 400
    title = "Bad Request"


class InsertFailed(MessageError):
    status = 400
    title = "Bad Request"


class AccessDenied(MessageError):
    """Namespace permission failure in the ErrorMessage shape (batch, PUT, DELETE)."""

    status = 403
    title = "Forbidden"


class CredentialsRequired(MessageError):
    status = 401
    title = "Credentials required"


class RateExceeded(MessageError):
    status = 429
    title = "Request rate exceeded"


class IdempotencyConflict(MessageError):
    """The first request with this Idempotency-Key is still being processed."""

    status = 409
    title = "Conflict"


class IdempotencyMismatch(MessageError):
    """The Idempotency-Key was used before for a different request."""

    status = 422
    title = "Unprocessable Entity"


# --- queries, combinators, bundles, debits ------------------------------------------------

class QueryMalformed(MessageError):
    """A combinator, bundle or debit whose queries cannot run (decision 7: 400, naming the
    problem, where the original answers 404 later)."""

    status = 400
    title = "Bad Request"


class CombinatorNotFound(MessageError):
    status = 404
    title = "Combinator Not Found"

    def __init__(self, name: str) -> None:
        super().__init__(f"Combinator {name} not found")


class BundleNotFound(MessageError):
    status = 404
    title = "Bundle Not Found"

    def __init__(self, bundle_id: str) -> None:
        super().__init__(f"Bundle {bundle_id} not found")


class DebitNotFound(MessageError):
    status = 404
    title = "Not Found"


class DebitRequestMalformed(MessageError):
    """400 `{"message":"Bad Request","cause":"Data Debit request malformed: ..."}`."""

    status = 400
    title = "Bad Request"


class DebitNotEnabled(MessageError):
    status = 400
    title = "Bad Request"


# --- applications and the owner's account --------------------------------------------------

class ApplicationNotFound(MessageError):
    """No application with that id is registered on the HAT: 404 on reads, 400 on setup and
    disable (as the original)."""

    status = 404
    title = "Application not Found"

    def __init__(self, application_id: str, status: int | None = None) -> None:
        super().__init__(f"Application {application_id} does not appear to be a valid"
                         " application registered with the DEX", status=status)


class ApplicationConfigurationNotFound(MessageError):
    status = 404
    title = "Not Found"

    def __init__(self, application_id: str) -> None:
        super().__init__(f"Application configuration for ID {application_id} could not be"
                         " found")


class InvalidPassword(MessageError):
    """The old password of a password change is missing or wrong."""

    status = 403
    title = "Invalid password"


# --- files ----------------------------------------------------------------------------------

class FileNotFound(MessageError):
    """No such file in the HAT, or none the caller may act on (as the original)."""

    status = 404
    title = "No such file"

    def __init__(self, file_id: str) -> None:
        super().__init__(f"File {file_id} not found")


class FileNotAvailable(MessageError):
    """404 for a file the caller may not see; 400 for completing one never uploaded."""

    status = 404
    title = "File not available"


class FileAccessNotGranted(MessageError):
    status = 400
    title = "Could not grant access"

    def __init__(self) -> None:
        super().__init__("No such user or unexpected error while granting access")


class BlobUrlRefused(MessageError):
    """A signed blob URL that is malformed, tampered with, expired, or for another method."""

    status = 403
    title = "Forbidden"


class UploadConflict(MessageError):
    """The file's content was uploaded already (or the file is no longer awaiting it)."""

    status = 409
    title = "Conflict"


# --- accounts (spec 2.7, 2.8) ---------------------------------------------------------------

class InvalidUser(MessageError):
    status = 400
    title = "Invalid User"


class UserNotCreated(MessageError):
    status = 400
    title = "Error creating user"


class NoSuchUser(MessageError):
    status = 404
    title = "No such User"

    def __init__(self, user_id: str) -> None:
        super().__init__(f"User {user_id} does not exist")


class PrivilegedAccount(MessageError):
    """The owner (and, for callers other than the owner, a platform user) cannot be
    enabled, disabled, deleted or changed through the users routes."""

    status = 403
    title = "Forbidden"

    def __init__(self) -> None:
        super().__init__("Privileged account can not be enabled or disabled")


class InvalidToken(MessageError):
    """A mail token that does not exist, has expired, or is not for this use."""

    status = 401
    title = "Invalid Token"


class ResetUnauthorized(MessageError):
    status = 401
    title = "Password reset unauthorized"


class ClaimUnauthorized(MessageError):
    status = 401
    title = "HAT claim unauthorized"
