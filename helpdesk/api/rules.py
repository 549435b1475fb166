"""API for the rules: the list in force and a text to test, for supervisors and admins."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from helpdesk.api import bp
from helpdesk.api.auth import json_body, token_required
from helpdesk.models import Role
from helpdesk.services import rules


@bp.get("/rules")
@token_required(Role.SUPERVISOR)
def list_rules():  # type: ignore[no-untyped-def]
    """Every guideline and priority rule, disabled ones too, and the SLA targets."""
    return jsonify(
        {
            "guideline": [rules.guideline_rule_dict(r) for r in rules.list_guideline_rules()],
            "priority": [rules.priority_rule_dict(r) for r in rules.list_priority_rules()],
            "sla": rules.list_sla_targets(),
        }
    )


@bp.post("/rules/test")
@token_required(Role.SUPERVISOR)
def test_rules():  # type: ignore[no-untyped-def]
    """The findings and the priority for {"text", "followers_count"}; nothing is stored."""
    body = json_body()
    result = rules.check_text(body.get("text"), body.get("followers_count"), actor=current_user)
    return jsonify(result.as_dict())
