"""API for employees and tokens: the same services and authority rules as the pages."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user

from helpdesk.api import bp
from helpdesk.api.auth import json_body, token_required
from helpdesk.api.serializers import employee_json, token_json
from helpdesk.models import Employee, Role
from helpdesk.services import employees
from helpdesk.web.errors import ApiError


def _employee(number: str) -> Employee:
    employee = employees.find_employee(number)
    if employee is None:
        raise ApiError(404, "not_found", f"There is no employee {number}.")
    return employee


def _string(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise ApiError(400, "invalid_request", f"Send {name} as a string.")
    return value


@bp.get("/employees")
@token_required(Role.SUPERVISOR)
def list_employees() -> ResponseReturnValue:
    """Every employee, suspended ones too, in number order."""
    return jsonify({"items": [employee_json(e) for e in employees.list_employees()]})


@bp.post("/employees")
@token_required(Role.SUPERVISOR)
def create_employee() -> ResponseReturnValue:
    """Add an employee: number, name, role, password (supervisors add trainees and agents)."""
    body = json_body()
    fields = [_string(body, name) for name in ("number", "name", "role", "password")]
    created = employees.create_employee(*fields, actor=current_user)
    return jsonify(employee_json(created)), 201


@bp.get("/employees/<number>")
@token_required(Role.SUPERVISOR)
def get_employee(number: str) -> ResponseReturnValue:
    """One employee."""
    return jsonify(employee_json(_employee(number)))


@bp.post("/employees/<number>/role")
@token_required(Role.SUPERVISOR)
def change_role(number: str) -> ResponseReturnValue:
    """Certify, promote or demote; the employee's sessions and tokens end."""
    employee = _employee(number)
    employees.set_role(employee, _string(json_body(), "role"), actor=current_user)
    return jsonify(employee_json(employee))


@bp.post("/employees/<number>/suspend")
@token_required(Role.SUPERVISOR)
def suspend_employee(number: str) -> ResponseReturnValue:
    """Suspend: sessions and tokens end at once; `changed` is false when already suspended."""
    return _set_active(number, False)


@bp.post("/employees/<number>/reinstate")
@token_required(Role.SUPERVISOR)
def reinstate_employee(number: str) -> ResponseReturnValue:
    """Let a suspended employee sign in again."""
    return _set_active(number, True)


def _set_active(number: str, active: bool):
    employee = _employee(number)
    changed = employees.set_active(employee, active, actor=current_user)
    return jsonify({**employee_json(employee), "changed": changed})


@bp.post("/employees/<number>/password")
@token_required(Role.SUPERVISOR)
def reset_password(number: str) -> ResponseReturnValue:
    """Set someone else's password; their sessions and tokens end."""
    employee = _employee(number)
    employees.reset_password(employee, _string(json_body(), "password"), actor=current_user)
    return jsonify(employee_json(employee))


@bp.get("/employees/<number>/tokens")
@token_required()
def list_employee_tokens(number: str) -> ResponseReturnValue:
    """An employee's tokens, for that employee and for admins."""
    owner = _employee(number)
    items = employees.list_tokens(owner, actor=current_user)
    return jsonify({"items": [token_json(t) for t in items]})


@bp.get("/tokens")
@token_required()
def list_my_tokens() -> ResponseReturnValue:
    """My tokens, newest first, revoked ones too (never the tokens themselves)."""
    items = employees.list_tokens(current_user, actor=current_user)
    return jsonify({"items": [token_json(t) for t in items]})


@bp.post("/tokens/<id:token_id>/revoke")
@token_required()
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of my tokens (admins: anyone's); 404 for a token that is not mine."""
    return jsonify(token_json(employees.revoke_token(token_id, actor=current_user)))
