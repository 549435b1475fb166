"""API for the rules: the list in force, a text to test, and every change the rules page makes.

Each change calls the same service function as the page (supervisors and admins; the SLA,
as on the page, admins only), so validation, refusal codes and audit events are the page's.
"""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from helpdesk.api import bp
from helpdesk.api.auth import json_body, token_required
from helpdesk.models import Role
from helpdesk.services import rules


@bp.get("/rules")
@token_required(Role.SUPERVISOR)
def list_rules():
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
def test_rules():
    """The findings and the priority for {"text", "followers_count"}; nothing is stored."""
    body = json_body()
    result = rules.check_text(body.get("text"), body.get("followers_count"), actor=current_user)
    return jsonify(result.as_dict())


@bp.post("/rules/guideline")
@token_required(Role.SUPERVISOR)
def add_guideline_rule():
    """Add a banned term or an allowed link domain: {"kind", "value", "severity"}."""
    body = json_body()
    rule = rules.add_guideline_rule(
        body.get("kind"), body.get("value"), body.get("severity"), actor=current_user
    )
    return jsonify({"rule": rules.guideline_rule_dict(rule)}), 201


@bp.post("/rules/guideline/<id:rule_id>")
@token_required(Role.SUPERVISOR)
def update_guideline_rule(rule_id: int):
    """Change a rule's {"value", "severity"}; a check (personal data, links...) takes severity."""
    body = json_body()
    rule = rules.update_guideline_rule(
        rule_id, body.get("value"), body.get("severity"), actor=current_user
    )
    return jsonify({"rule": rules.guideline_rule_dict(rule)})


@bp.post("/rules/guideline/<id:rule_id>/enable")
@token_required(Role.SUPERVISOR)
def enable_guideline_rule(rule_id: int):
    """Switch a guideline rule (or check) on; "changed" is false when it already was."""
    changed = rules.set_guideline_rule_enabled(rule_id, True, actor=current_user)
    rule = rules.get_guideline_rule(rule_id)
    return jsonify({"rule": rules.guideline_rule_dict(rule), "changed": changed})


@bp.post("/rules/guideline/<id:rule_id>/disable")
@token_required(Role.SUPERVISOR)
def disable_guideline_rule(rule_id: int):
    """Switch a guideline rule (or check) off; it stays listed."""
    changed = rules.set_guideline_rule_enabled(rule_id, False, actor=current_user)
    rule = rules.get_guideline_rule(rule_id)
    return jsonify({"rule": rules.guideline_rule_dict(rule), "changed": changed})


@bp.post("/rules/priority")
@token_required(Role.SUPERVISOR)
def add_priority_rule():
    """Add an urgent keyword or a word of angry tone: {"kind", "language", "value"}."""
    body = json_body()
    rule = rules.add_priority_rule(
        body.get("kind"), body.get("language"), body.get("value"), actor=current_user
    )
    return jsonify({"rule": rules.priority_rule_dict(rule)}), 201


@bp.post("/rules/priority/<id:rule_id>")
@token_required(Role.SUPERVISOR)
def update_priority_rule(rule_id: int):
    """Change a keyword's {"language", "value"}, or the follower threshold's {"value"}."""
    body = json_body()
    rule = rules.update_priority_rule(
        rule_id, body.get("language"), body.get("value"), actor=current_user
    )
    return jsonify({"rule": rules.priority_rule_dict(rule)})


@bp.post("/rules/priority/<id:rule_id>/enable")
@token_required(Role.SUPERVISOR)
def enable_priority_rule(rule_id: int):
    """Switch a priority rule on; "changed" is false when it already was."""
    changed = rules.set_priority_rule_enabled(rule_id, True, actor=current_user)
    rule = rules.get_priority_rule(rule_id)
    return jsonify({"rule": rules.priority_rule_dict(rule), "changed": changed})


@bp.post("/rules/priority/<id:rule_id>/disable")
@token_required(Role.SUPERVISOR)
def disable_priority_rule(rule_id: int):
    """Switch a priority rule off; it stays listed."""
    changed = rules.set_priority_rule_enabled(rule_id, False, actor=current_user)
    rule = rules.get_priority_rule(rule_id)
    return jsonify({"rule": rules.priority_rule_dict(rule), "changed": changed})


@bp.post("/rules/sla")
@token_required(Role.ADMIN)
def set_sla_target():
    """Set a priority's time to first response: {"priority", "seconds"} (admins)."""
    body = json_body()
    rules.set_sla_target(body.get("priority"), body.get("seconds"), actor=current_user)
    return jsonify({"sla": rules.list_sla_targets()})
