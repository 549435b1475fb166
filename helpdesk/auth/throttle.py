"""Brute-force limits for sign-in and token requests: per address and per account, in Redis.

Flask-Limiter keeps the counters in the app's Redis, so they hold across gunicorn workers
and machines. Only failed attempts count: a shared office address signing fifty people in
at the start of a shift is never refused, a guesser is. The account key is whatever number
was sent, known or not, so a refusal tells nothing about which numbers exist.
"""

from __future__ import annotations

import logging

from flask import Response, current_app, request

from helpdesk.extensions import limiter
from helpdesk.services import employees

logger = logging.getLogger(__name__)

PER_ADDRESS = "30 per minute; 200 per hour"
PER_ACCOUNT = "5 per minute; 20 per hour"
_NOTED_SECONDS = 60  # one audit event per throttled key per minute, however many refusals


def submitted_number() -> str:
    """The employee number the request tries, from the form or the JSON body."""
    number = request.form.get("number")
    if number is None:
        body = request.get_json(silent=True)
        number = body.get("number") if isinstance(body, dict) else None
    number = number.strip() if isinstance(number, str) else ""
    return number[:20]


def _account_key() -> str:
    return "account:" + submitted_number()


def _address_key() -> str:
    return "address:" + (request.remote_addr or "unknown")


def _failed_sign_in(response: Response) -> bool:
    """A sign-in page that did not redirect, or an API answer other than 201, failed."""
    if request.path.startswith("/api/"):
        return response.status_code != 201
    return response.status_code != 302


def limit_attempts(view):
    """Apply both limits to a sign-in view (POST only), counting failures."""
    options = {"methods": ["POST"], "deduct_when": _failed_sign_in}
    view = limiter.limit(PER_ACCOUNT, key_func=_account_key, **options)(view)
    return limiter.limit(PER_ADDRESS, key_func=_address_key, **options)(view)


def log_attempt(succeeded: bool) -> None:
    """One log line per sign-in or token request: outcome, the number tried, the address."""
    logger.info(
        "sign-in %s: number %r from %s on %s",
        "succeeded" if succeeded else "failed",
        submitted_number(),
        request.remote_addr or "unknown",
        request.path,
    )


def note_refusal() -> None:
    """Log and audit that sign-in attempts were refused (at most once a minute per key)."""
    number, address = submitted_number(), request.remote_addr or "unknown"
    logger.warning("sign-in throttled: number %r from %s on %s", number, address, request.path)
    redis = current_app.extensions["redis"]
    try:
        first = redis.set(f"helpdesk:throttled:{address}:{number}", 1, nx=True, ex=_NOTED_SECONDS)
    except Exception:  # noqa: BLE001 - Redis down: the limiter fails open too; log only
        logger.exception("could not note the throttled sign-in in Redis")
        return
    if first:
        employees.note_throttled_sign_in(number, address, request.path)
