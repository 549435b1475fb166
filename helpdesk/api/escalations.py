"""API for the escalation queue: list, assign, resolve and take."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from helpdesk.api import bp
from helpdesk.api.auth import int_arg, json_body, token_required
from helpdesk.api.serializers import escalation_json
from helpdesk.models import Role
from helpdesk.services import escalation
from helpdesk.services.tagging import tags_by_mention


@bp.get("/escalations")
@token_required(Role.SUPERVISOR)
def list_escalations() -> ResponseReturnValue:
    """The escalation queue: open ones by breach age and priority, or resolved, or all."""
    items = escalation.list_escalations(
        request.args.get("status") or "open", limit=int_arg("limit", 200)
    )
    tags = tags_by_mention([e.mention_id for e in items])
    return jsonify({"items": [escalation_json(e, tags=tags[e.mention_id]) for e in items]})


@bp.post("/escalations/<id:escalation_id>/assign")
@token_required(Role.SUPERVISOR)
def assign_escalation(escalation_id: int) -> ResponseReturnValue:
    """Give an open escalation to an employee, by number."""
    number = json_body().get("employee")
    assigned = escalation.assign(escalation_id, current_user, number)
    return jsonify({"escalation": escalation_json(assigned)})


@bp.post("/escalations/<id:escalation_id>/resolve")
@token_required(Role.SUPERVISOR)
def resolve_escalation(escalation_id: int) -> ResponseReturnValue:
    """Close an open escalation with a note; `"dismiss": true` closes the mention too."""
    body = json_body()
    resolved = escalation.resolve(
        escalation_id, current_user, body.get("note"), dismiss=body.get("dismiss", False)
    )
    return jsonify({"escalation": escalation_json(resolved)})


@bp.post("/escalations/<id:escalation_id>/take")
@token_required(Role.SUPERVISOR)
def take_escalation(escalation_id: int) -> ResponseReturnValue:
    """Answer an open escalation yourself: assigned to you, with the mention's claim."""
    taken = escalation.take(escalation_id, current_user)
    return jsonify({"escalation": escalation_json(taken)})
