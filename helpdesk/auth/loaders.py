"""Flask-Login loaders: session cookies carry id:session_version; the API sends bearer tokens."""

from __future__ import annotations

from flask import Request, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from helpdesk.extensions import db
from helpdesk.models import Employee


def load_session_employee(user_id: str) -> Employee | None:
    """The employee of a session cookie, unless suspended or their session version moved on.

    A request that sends a bearer token is that token's alone: the cookie beside it is
    ignored, so a revoked token never passes on the strength of a browser session.
    """
    if has_request_context() and request.headers.get("Authorization", "").lower().startswith(
        "bearer"
    ):
        return None
    row_id, _, version = user_id.partition(":")
    if not row_id.isdigit() or not version.isdigit():
        return None
    employee = db.session.get(Employee, int(row_id))
    if employee is None or not employee.active or employee.session_version != int(version):
        return None
    return employee


def load_token_employee(request: Request) -> Employee | None:
    """The employee of an `Authorization: Bearer` API token, if it is valid."""
    from helpdesk.services.employees import employee_for_token

    token = _bearer(request)
    return employee_for_token(token) if token else None


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def register(login_manager: LoginManager) -> None:
    """Wire the loaders and the login view into Flask-Login."""
    login_manager.user_loader(load_session_employee)
    login_manager.request_loader(load_token_employee)
    login_manager.login_view = "auth.login"
    # Flask-Login's own wording, flashed in the reader's language (str() reads the lazy text).
    login_manager.login_message = _l("Please log in to access this page.")
    login_manager.localize_callback = str
    login_manager.session_protection = "basic"
