"""API for listening: mention volume, spikes, top terms and hashtags, priority and tone."""

from __future__ import annotations

from flask import current_app, jsonify, request

from helpdesk.api import bp
from helpdesk.api.auth import token_required
from helpdesk.api.serializers import coverage_json
from helpdesk.models import Role
from helpdesk.services import coverage, listening


@bp.get("/listening")
@token_required(Role.SUPERVISOR)
def get_listening():
    """Listening for [from, to) (default the last 24 hours); dates are days in the desk's zone."""
    tz = current_app.config["HELPDESK"].timezone
    start, end = coverage.parse_period(request.args.get("from"), request.args.get("to"), tz)
    return jsonify(coverage_json(listening.listening(start, end, tz)))
