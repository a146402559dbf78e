"""Domain errors. Domain code raises these; the REST handlers and the GraphQL formatter translate them."""

from __future__ import annotations


class RbacError(Exception):
    """Base of every error this package raises on purpose. `code` is stable for clients."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAuthenticated(RbacError):
    """No credentials, or credentials that do not hold (401 / UNAUTHENTICATED).

    `token_sent` decides the RFC 6750 challenge: `Bearer` alone when no token came, `error="invalid_token"`
    when one did. Deliberately one message for forged, expired, revoked tokens and unknown or disabled
    users, so no answer tells an attacker whether an account exists.
    """

    code = "UNAUTHENTICATED"

    def __init__(self, message: str = "Not authenticated", *, token_sent: bool = False) -> None:
        super().__init__(message)
        self.token_sent = token_sent


INVALID_TOKEN_MESSAGE = "Invalid or expired token; log in again to get a new one"  # noqa: S105 (a message)


class PermissionDenied(RbacError):
    """Authenticated, but missing scopes (403 / FORBIDDEN)."""

    code = "FORBIDDEN"

    def __init__(self, required: frozenset[str], missing: frozenset[str], message: str | None = None) -> None:
        self.required = required
        self.missing = missing
        super().__init__(message or f"Missing scopes: {' '.join(sorted(missing))}")


class BadCredentials(RbacError):
    """Wrong user name or password: one message for both, so it does not reveal which."""

    code = "BAD_CREDENTIALS"

    def __init__(self) -> None:
        super().__init__("Incorrect username or password")


class InvalidScope(RbacError):
    """A requested scope is malformed, not in the catalogue, or granted to nobody asking (`invalid_scope`)."""

    code = "BAD_USER_INPUT"


class InvalidGrant(RbacError):
    """A refresh token that is unknown, used already, expired or of an ended session (`invalid_grant`)."""

    code = "BAD_CREDENTIALS"


class InvalidClient(RbacError):
    """Client credentials that do not hold (RFC 6749 §2.3, `invalid_client`, 401). `basic` says whether they
    came in an HTTP Basic header, which decides the `WWW-Authenticate` challenge."""

    code = "UNAUTHENTICATED"

    def __init__(self, message: str, *, basic: bool = False) -> None:
        super().__init__(message)
        self.basic = basic


class RateLimited(RbacError):
    """Too many failed attempts from one place (429, `RATE_LIMITED`); `retry_after` is in whole seconds."""

    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


#: Seconds a client is told to wait (`Retry-After`) before retrying a request the database could not serve.
RETRY_AFTER_OUTAGE = 2


class Unavailable(RbacError):
    """The database cannot be reached or cannot answer now (503 / UNAVAILABLE, with `Retry-After`).

    Temporary by nature (a restart, a lost connection, every pooled connection busy, a lock held too long):
    the same request may be sent again as it is. The message names no host, SQL or driver detail.
    """

    code = "UNAVAILABLE"

    def __init__(self, message: str = "The database is unavailable; retry shortly") -> None:
        super().__init__(message)
        self.retry_after = RETRY_AFTER_OUTAGE


class BadRequest(RbacError):
    """A request the transport cannot take as sent (400 / BAD_REQUEST), such as two `Authorization` headers:
    refused whole rather than guessing which part the client meant."""

    code = "BAD_REQUEST"


class NotFound(RbacError):
    code = "NOT_FOUND"


class Conflict(RbacError):
    code = "CONFLICT"


class LastAdministrator(Conflict):
    """A change would leave nobody able to administer accounts (delete, disable, demote the last one)."""

    def __init__(self) -> None:
        super().__init__(
            "refused: afterwards no enabled account would hold both roles:assign and users:write, so nobody "
            "could administer accounts; first give another account a role that grants both, then retry"
        )


class InvalidInput(RbacError):
    """Input that passed the schema but breaks a rule (a reserved name, a role that does not exist...)."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
