"""Our own errors for what X answered, so no tweepy or requests exception leaves helpdesk.x."""

from __future__ import annotations

from datetime import datetime


class XError(Exception):
    """Something went wrong talking to X."""


class XNotConfigured(XError):
    """Credentials for the X API are missing."""


class XRateLimited(XError):
    """429: try again at `reset_at` (None when X sent no reset header)."""

    def __init__(self, message: str, reset_at: datetime | None) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class XUnavailable(XError):
    """5xx, a timeout or a dropped connection on a read: safe to retry later."""


class XRejected(XError):
    """4xx that retrying cannot fix (bad request, forbidden reply, over-long text)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class XDuplicateContent(XRejected):
    """403 duplicate content: the same text was already posted, perhaps by an earlier try."""


class XAmbiguous(XError):
    """A write whose outcome is unknown (timeout, 5xx, dropped connection after sending)."""


class XMalformed(XError):
    """X answered 2xx with a body that does not have the shape the API promises."""
