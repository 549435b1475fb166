"""Signing in and out: the login pages, Flask-Login's loaders, session timeouts, throttling."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("auth", __name__, url_prefix="/auth")


def init_app(app: Flask) -> None:
    """Wire the loaders into Flask-Login and end expired sessions before any view runs."""
    from helpdesk.auth import loaders, sessions
    from helpdesk.extensions import login_manager

    loaders.register(login_manager)
    sessions.register(app)


# The route module adds its views to bp; it imports bp from here, so it comes last.
from helpdesk.auth import views  # noqa: E402

__all__ = ["bp", "init_app", "views"]
