"""Domain errors raised by services; views map each kind to an HTTP status."""

from __future__ import annotations


class ServiceError(Exception):
    """A request the domain refuses, with a stable code and a message a person can act on."""

    code = "invalid_request"
    subject: str | None = None

    def __init__(
        self, message: str, *, code: str | None = None, subject: str | None = None, **extra: object
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        # Not sent to clients: names the catalogue's variant where services share a code.
        self.subject = subject
        self.extra = extra


class InvalidInput(ServiceError):
    """The input is malformed (400)."""


class NotFound(ServiceError):
    """No such record (404)."""

    code = "not_found"


class Unauthorized(ServiceError):
    """Who is asking is not established: a wrong number or password (401)."""

    code = "unauthorized"


class Forbidden(ServiceError):
    """The employee's role or ownership does not allow this (403)."""

    code = "forbidden"


class Conflict(ServiceError):
    """The record's state does not allow this now (409)."""

    code = "conflict"


class Unprocessable(ServiceError):
    """Well-formed but refused by a rule, e.g. the guidelines (422)."""

    code = "unprocessable"


STATUS_BY_ERROR: dict[type[ServiceError], int] = {
    InvalidInput: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Unprocessable: 422,
}


def http_status(error: ServiceError) -> int:
    """The HTTP status for a domain error."""
    for kind, status in STATUS_BY_ERROR.items():
        if isinstance(error, kind):
            return status
    return 400
