"""API for routing: Next, the desk's mode, employees' skills, presence and the desk's tags."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user

from helpdesk.api import bp
from helpdesk.api.auth import json_body, token_required
from helpdesk.api.serializers import mention_json
from helpdesk.models import Employee, Role, RoutingMode
from helpdesk.services import routing, skills
from helpdesk.services.employees import find_employee
from helpdesk.services.errors import NotFound


@bp.post("/next")
@token_required()
def next_mention() -> ResponseReturnValue:
    """Claim for me the most urgent open mention I am fit for: 200 {"mention"}, 204 if none."""
    mention = routing.next_for(current_user)
    if mention is None:
        return "", 204
    return jsonify({"mention": mention_json(mention)})


@bp.get("/routing")
@token_required()
def get_routing() -> ResponseReturnValue:
    """The desk's routing mode and the modes there are."""
    return jsonify({"mode": routing.routing_mode().value, "modes": [m.value for m in RoutingMode]})


@bp.put("/routing")
@token_required(Role.SUPERVISOR)
def set_routing() -> ResponseReturnValue:
    """Set the desk's routing mode (supervisors)."""
    mode = routing.set_routing_mode(json_body().get("mode"), actor=current_user)
    return jsonify({"mode": mode.value, "modes": [m.value for m in RoutingMode]})


@bp.get("/employees/<number>/skills")
@token_required(Role.SUPERVISOR)
def get_skills(number: str) -> ResponseReturnValue:
    """An employee's languages, expertise tags and capacity."""
    return jsonify(_skills_json(_employee(number)))


@bp.put("/employees/<number>/skills")
@token_required(Role.SUPERVISOR)
def set_skills(number: str) -> ResponseReturnValue:
    """Set an employee's languages, tags and capacity; 422 unknown_tag lists the known ones."""
    body = json_body()
    employee = skills.set_skills(
        _employee(number),
        body.get("languages"),
        body.get("tags", []),
        body.get("capacity"),
        actor=current_user,
    )
    return jsonify(_skills_json(employee))


@bp.get("/presence")
@token_required(Role.SUPERVISOR)
def get_presence() -> ResponseReturnValue:
    """Every active employee: online, away or offline, open claims and capacity."""
    return jsonify(
        {
            "employees": [
                {
                    "number": row.employee.number,
                    "state": row.state.value,
                    "open_claims": row.open_claims,
                    "capacity": row.employee.capacity,
                    "languages": row.employee.language_list,
                    "tags": row.tags,
                }
                for row in routing.roster()
            ]
        }
    )


@bp.get("/tags")
@token_required()
def list_tags() -> ResponseReturnValue:
    """The desk's tags."""
    return jsonify({"items": [{"id": t.id, "name": t.name} for t in skills.list_tags()]})


@bp.post("/tags")
@token_required(Role.SUPERVISOR)
def create_tag() -> ResponseReturnValue:
    """Add a tag to the desk's list (supervisors); 409 tag_exists."""
    tag = skills.create_tag(json_body().get("name"), actor=current_user)
    return jsonify({"id": tag.id, "name": tag.name}), 201


def _employee(number: str) -> Employee:
    employee = find_employee(number)
    if employee is None:
        raise NotFound(f"No employee {number}.")
    return employee


def _skills_json(employee: Employee) -> dict[str, object]:
    return {
        "number": employee.number,
        "languages": employee.language_list,
        "tags": skills.tags_by_employee([employee.id])[employee.id],
        "capacity": employee.capacity,
    }
