"""The JSON API (/api/v1): bearer tokens, JSON errors, the contract in DESIGN.md."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from helpdesk.extensions import csrf
from helpdesk.services.errors import ServiceError, http_status
from helpdesk.web.findings import for_api
from helpdesk.web.refusals import api_message

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer requests need none; token_required checks cookie-authenticated writes


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError) -> ResponseReturnValue:
    extra = dict(exc.extra)
    if isinstance(extra.get("violations"), list):
        extra["violations"] = for_api(extra["violations"])
    message = api_message(exc, exc.message)
    body = {"error": {"code": exc.code, "message": message, **extra}}
    return jsonify(body), http_status(exc)


# The route modules add their views to bp; they import it from here, so they come last.
from helpdesk.api import (  # noqa: E402
    accounts,
    auth,
    desk,
    escalations,
    listening,
    mentions,
    openapi,
    replies,
    routing,
    rules,
)

__all__ = [
    "accounts",
    "auth",
    "bp",
    "desk",
    "escalations",
    "listening",
    "mentions",
    "openapi",
    "replies",
    "routing",
    "rules",
]
