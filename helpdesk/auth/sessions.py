"""Browser sessions that end: after HELPDESK_SESSION_IDLE_MINUTES idle, or MAX_HOURS in all.

The signed session cookie carries when the employee signed in and was last seen. Requests
the page makes by itself (the inbox's live refresh) do not count as being active, so an
inbox left open on an unattended desk still ends. Bearer-token API calls carry no session.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import logout_user

from helpdesk.web.errors import ApiError

# The pages' own background requests (the live refresh, presence) are not being active.
PASSIVE_ENDPOINTS = frozenset(
    {"inbox.live", "inbox.presence_live", "inbox.presence_note", "static", "api.get_health"}
)
_SEEN_GRANULARITY = 60  # seconds: the cookie is rewritten at most once a minute


def start(now: float | None = None) -> None:
    """Mark a session as just signed in (call right after login_user)."""
    now = time.time() if now is None else now
    session["login_at"] = session["seen_at"] = int(now)


def expired_reason(now: float) -> str | None:
    """Why the current cookie session is over ("idle" or "absolute"), or None."""
    settings = current_app.config["HELPDESK"]
    login_at, seen_at = session.get("login_at"), session.get("seen_at")
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        return "absolute"  # a session from before timeouts existed, or a tampered one
    if now - login_at > settings.session_max_hours * 3600:
        return "absolute"
    if now - seen_at > settings.session_idle_minutes * 60:
        return "idle"
    return None


def _enforce():
    if "_user_id" not in session or request.endpoint == "static":
        return None
    now = time.time()
    reason = expired_reason(now)
    if reason is None:
        if request.endpoint not in PASSIVE_ENDPOINTS and now - session["seen_at"] >= (
            _SEEN_GRANULARITY
        ):
            session["seen_at"] = int(now)
        return None
    logout_user()
    session.clear()
    if request.path.startswith("/api/"):
        raise ApiError(401, "session_expired", "Your session ended; sign in again.")
    flash(_ended_message(reason), "info")
    if request.endpoint in PASSIVE_ENDPOINTS:
        # The inbox's refresh gets a 401 and reloads the page, which lands on the login page.
        raise ApiError(401, "session_expired", "Your session ended; sign in again.")
    if request.method == "GET":
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return redirect(url_for("auth.login"))


def _ended_message(reason: str) -> str:
    settings = current_app.config["HELPDESK"]
    if reason == "idle":
        return _(
            "You were signed out after %(minutes)d minutes without activity.",
            minutes=settings.session_idle_minutes,
        )
    return _(
        "You were signed out %(hours)d hours after signing in; sign in again.",
        hours=settings.session_max_hours,
    )


def register(app: Flask) -> None:
    """End expired sessions before any view runs."""
    app.before_request(_enforce)
