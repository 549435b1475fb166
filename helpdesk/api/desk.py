"""API for the desk as a whole: health, coverage, what X costs (and its prices), canned replies."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from helpdesk.api import bp
from helpdesk.api.auth import json_body, token_required
from helpdesk.api.serializers import canned_json, coverage_json, price_json
from helpdesk.models import Role
from helpdesk.services import canned, costs, coverage, health, periods


@bp.get("/health")
def get_health() -> ResponseReturnValue:
    """Database, Redis and X reachability, and how fresh ingestion is."""
    report = health.check()
    return jsonify(report), 200 if report["db"] == "ok" and report["redis"] == "ok" else 503


@bp.get("/coverage")
@token_required(Role.SUPERVISOR)
def get_coverage() -> ResponseReturnValue:
    """Coverage for [from, to) or a named period (default the last 24 hours), as JSON."""
    tz = current_app.config["HELPDESK"].timezone
    period = periods.from_query(periods.COVERAGE_API, request.args, tz)
    return jsonify(coverage_json(coverage.coverage(period.start, period.end, tz)))


@bp.get("/costs")
@token_required(Role.SUPERVISOR)
def get_costs() -> ResponseReturnValue:
    """X's spend for the UTC days of [from, to) (default the last 7 days), by day and kind,
    with today, the month to date, the projected month and the cost per answered mention."""
    tz = current_app.config["HELPDESK"].timezone
    period = periods.from_query(periods.COSTS_API, request.args, tz)
    return jsonify(coverage_json(costs.costs(period.start, period.end, tz)))


@bp.get("/costs/prices")
@token_required(Role.SUPERVISOR)
def get_prices() -> ResponseReturnValue:
    """X's prices as the desk keeps them, per kind of call, and the monthly post-read cap."""
    return jsonify(
        {
            "prices": [price_json(p) for p in costs.list_prices()],
            "post_read_cap": costs.post_read_cap(),
        }
    )


@bp.put("/costs/prices/<kind>")
@token_required(Role.SUPERVISOR)
def set_price(kind: str) -> ResponseReturnValue:
    """Change one kind's price {"price": dollars} (supervisors); audited as on the costs page."""
    price = json_body().get("price")
    return jsonify(price_json(costs.set_price(kind, price, actor=current_user, parameter="price")))


@bp.put("/costs/post-read-cap")
@token_required(Role.SUPERVISOR)
def set_post_read_cap() -> ResponseReturnValue:
    """Change X's monthly post-read cap {"cap": n} (supervisors); audited as on the costs page."""
    cap = costs.set_post_read_cap(json_body().get("cap"), actor=current_user)
    return jsonify({"post_read_cap": cap})


@bp.get("/canned-replies")
@token_required()
def list_canned_replies() -> ResponseReturnValue:
    """The active canned replies, optionally of one language (ja or en)."""
    items = canned.list_canned(request.args.get("language") or None)
    return jsonify({"items": [canned_json(c) for c in items]})
