"""API for listening: mention volume, spikes, top terms and hashtags, priority and tone."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue

from helpdesk.api import bp
from helpdesk.api.auth import token_required
from helpdesk.api.serializers import coverage_json
from helpdesk.models import Role
from helpdesk.services import listening, periods


@bp.get("/listening")
@token_required(Role.SUPERVISOR)
def get_listening() -> ResponseReturnValue:
    """Listening for [from, to) or a named period (default the last 24 hours), as JSON."""
    tz = current_app.config["HELPDESK"].timezone
    period = periods.from_query(periods.LISTENING_API, request.args, tz)
    return jsonify(coverage_json(listening.listening(period.start, period.end, tz)))
