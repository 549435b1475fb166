"""API for the rules: the list in force, a text to test, and every change the rules page makes.

Each change calls the same service function as the page (supervisors and admins; the SLA,
as on the page, admins only), so validation, refusal codes and audit events are the page's.
"""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user

from helpdesk.api import bp
from helpdesk.api.auth import json_body, token_required
from helpdesk.models import Role
from helpdesk.services import rules
from helpdesk.web.findings import for_api


@bp.get("/rules")
@token_required(Role.SUPERVISOR)
def list_rules() -> ResponseReturnValue:
    """Every guideline and priority rule, disabled ones too, and the SLA targets."""
    return jsonify(
        {
            "guideline": [rules.rule_dict(r) for r in rules.list_rules("guideline")],
            "priority": [rules.rule_dict(r) for r in rules.list_rules("priority")],
            "sla": rules.list_sla_targets(),
        }
    )


@bp.post("/rules/test")
@token_required(Role.SUPERVISOR)
def test_rules() -> ResponseReturnValue:
    """The findings and the priority for {"text", "followers_count"}; nothing is stored."""
    body = json_body()
    result = rules.check_text(body.get("text"), body.get("followers_count"), actor=current_user)
    answer = result.as_dict()
    return jsonify({**answer, "violations": for_api(answer["violations"])})


@bp.post("/rules/guideline")
@token_required(Role.SUPERVISOR)
def add_guideline_rule() -> ResponseReturnValue:
    """Add a banned term or an allowed link domain: {"kind", "value", "severity"}."""
    return _added("guideline")


@bp.post("/rules/guideline/<id:rule_id>")
@token_required(Role.SUPERVISOR)
def update_guideline_rule(rule_id: int) -> ResponseReturnValue:
    """Change a rule's {"value", "severity"}; a check (personal data, links...) takes severity."""
    return _updated("guideline", rule_id)


@bp.post("/rules/guideline/<id:rule_id>/enable")
@token_required(Role.SUPERVISOR)
def enable_guideline_rule(rule_id: int) -> ResponseReturnValue:
    """Switch a guideline rule (or check) on; "changed" is false when it already was."""
    return _switched("guideline", rule_id, True)


@bp.post("/rules/guideline/<id:rule_id>/disable")
@token_required(Role.SUPERVISOR)
def disable_guideline_rule(rule_id: int) -> ResponseReturnValue:
    """Switch a guideline rule (or check) off; it stays listed."""
    return _switched("guideline", rule_id, False)


@bp.post("/rules/priority")
@token_required(Role.SUPERVISOR)
def add_priority_rule() -> ResponseReturnValue:
    """Add an urgent keyword or a word of angry tone: {"kind", "language", "value"}."""
    return _added("priority")


@bp.post("/rules/priority/<id:rule_id>")
@token_required(Role.SUPERVISOR)
def update_priority_rule(rule_id: int) -> ResponseReturnValue:
    """Change a keyword's {"language", "value"}, or the follower threshold's {"value"}."""
    return _updated("priority", rule_id)


@bp.post("/rules/priority/<id:rule_id>/enable")
@token_required(Role.SUPERVISOR)
def enable_priority_rule(rule_id: int) -> ResponseReturnValue:
    """Switch a priority rule on; "changed" is false when it already was."""
    return _switched("priority", rule_id, True)


@bp.post("/rules/priority/<id:rule_id>/disable")
@token_required(Role.SUPERVISOR)
def disable_priority_rule(rule_id: int) -> ResponseReturnValue:
    """Switch a priority rule off; it stays listed."""
    return _switched("priority", rule_id, False)


@bp.post("/rules/sla")
@token_required(Role.ADMIN)
def set_sla_target() -> ResponseReturnValue:
    """Set a priority's time to first response: {"priority", "seconds"} (admins)."""
    body = json_body()
    rules.set_sla_target(body.get("priority"), body.get("seconds"), actor=current_user)
    return jsonify({"sla": rules.list_sla_targets()})


def _added(family: rules.Family):
    """201 with the new rule, through the one add path the page uses."""
    rule = rules.add_rule(family, json_body(), actor=current_user)
    return jsonify({"rule": rules.rule_dict(rule)}), 201


def _updated(family: rules.Family, rule_id: int):
    """The rule after the change, through the one update path the page uses."""
    rule = rules.update_rule(family, rule_id, json_body(), actor=current_user)
    return jsonify({"rule": rules.rule_dict(rule)})


def _switched(family: rules.Family, rule_id: int, enabled: bool):
    """The rule and whether it changed, through the one on/off path the page uses."""
    changed = rules.set_rule_enabled(family, rule_id, enabled, actor=current_user)
    return jsonify({"rule": rules.rule_dict(rules.get_rule(family, rule_id)), "changed": changed})
