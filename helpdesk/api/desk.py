"""API for the desk as a whole: health, coverage and the canned replies."""

from __future__ import annotations

from flask import current_app, jsonify, request

from helpdesk.api import bp
from helpdesk.api.auth import token_required
from helpdesk.api.serializers import canned_json, coverage_json
from helpdesk.models import Role
from helpdesk.services import canned, coverage, health


@bp.get("/health")
def get_health():
    """Database, Redis and X reachability, and how fresh ingestion is."""
    report = health.check()
    return jsonify(report), 200 if report["db"] == "ok" and report["redis"] == "ok" else 503


@bp.get("/coverage")
@token_required(Role.SUPERVISOR)
def get_coverage():
    """Coverage for [from, to) (default the last 24 hours); dates are days in the desk's zone."""
    tz = current_app.config["HELPDESK"].timezone
    start, end = coverage.parse_period(request.args.get("from"), request.args.get("to"), tz)
    return jsonify(coverage_json(coverage.coverage(start, end, tz)))


@bp.get("/canned-replies")
@token_required()
def list_canned_replies():
    """The active canned replies, optionally of one language (ja or en)."""
    items = canned.list_canned(request.args.get("language") or None)
    return jsonify({"items": [canned_json(c) for c in items]})
