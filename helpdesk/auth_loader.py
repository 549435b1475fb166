"""Flask-Login loaders: session cookies carry id:session_version; the API sends bearer tokens."""

from __future__ import annotations

from flask import Request
from flask_login import LoginManager

from helpdesk.extensions import db
from helpdesk.models import Employee


def load_session_employee(user_id: str) -> Employee | None:
    """The employee of a session cookie, unless suspended or their session version moved on."""
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

    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return employee_for_token(token.strip())


def register(login_manager: LoginManager) -> None:
    """Wire the loaders and the login view into Flask-Login."""
    login_manager.user_loader(load_session_employee)
    login_manager.request_loader(load_token_employee)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
