"""How X answered the last real call of the ingest or the outbox, kept in Redis for health."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import redis
from flask import current_app, has_app_context

from helpdesk.models.types import iso_utc
from helpdesk.x.errors import XDuplicateContent, XError, XRateLimited, XRejected

logger = logging.getLogger(__name__)

KEY = "helpdesk:x:last-seen"
OK, RATE_LIMITED, FAILING, UNKNOWN = "ok", "rate_limited", "failing", "unknown"
# A refusal of one request (a bad reply, a duplicate) is X answering normally; these are not.
ACCOUNT_PROBLEMS = frozenset({401, 402})
FIELDS = ("state", "call", "at", "since", "until", "reason")


def state_of(error: XError | None) -> str:
    """What one call's outcome says of X: ok, rate_limited or failing."""
    if error is None or isinstance(error, XDuplicateContent):
        return OK
    if isinstance(error, XRateLimited):
        return RATE_LIMITED
    if isinstance(error, XRejected) and error.status not in ACCOUNT_PROBLEMS:
        return OK
    return FAILING


def _stamp(moment: float) -> str:
    return iso_utc(datetime.fromtimestamp(moment, UTC), "seconds") or ""


def record(call: str, error: XError | None) -> None:
    """Remember this call's outcome; a failing streak keeps the time it began."""
    if not has_app_context():
        return
    connection = current_app.extensions["redis"]
    now = time.time()
    state = state_of(error)
    fields = {
        "state": state,
        "call": call,
        "at": _stamp(now),
        "since": "",
        "until": "",
        "reason": "",
    }
    try:
        if isinstance(error, XRateLimited):
            fields["until"] = _stamp(error.reset_at.timestamp()) if error.reset_at else ""
            fields["reason"] = str(error)[:300]
        elif state == FAILING:
            was, since = connection.hmget(KEY, "state", "since")
            fields["since"] = since.decode() if was == FAILING.encode() and since else fields["at"]
            fields["reason"] = f"{type(error).__name__}: {error}"[:300]
        connection.hset(KEY, mapping=fields)
    except redis.RedisError as exc:  # health is a report: losing one sample must not fail a job
        logger.warning("could not record how X answered %s: %s", call, exc)


def last_seen() -> dict[str, str | None]:
    """The last recorded outcome: state, call, at, since (failing), until (rate-limited), reason."""
    raw = {k.decode(): v.decode() for k, v in current_app.extensions["redis"].hgetall(KEY).items()}
    seen = {name: raw.get(name) or None for name in FIELDS}
    seen["state"] = seen["state"] or UNKNOWN
    return seen
