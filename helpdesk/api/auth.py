"""The API's bearer-token plumbing: token_required, body and argument parsers, the token route."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.exceptions import TooManyRequests

from helpdesk.api import bp
from helpdesk.api.serializers import token_json
from helpdesk.auth import throttle
from helpdesk.extensions import csrf
from helpdesk.models import Role
from helpdesk.services import employees
from helpdesk.services.errors import ServiceError
from helpdesk.web.errors import ApiError
from helpdesk.web.refusals import api_message


def token_required(role: Role | None = None) -> Callable:
    """Require a bearer token or a signed-in browser session (and at least `role`).

    Cookie-authenticated writes must carry the page's CSRF token (X-CSRFToken), since a
    browser sends cookies along with cross-site requests; bearer requests cannot be forged so.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            bearer = request.headers.get("Authorization", "").lower().startswith("bearer ")
            if not current_user.is_authenticated:
                if bearer:
                    raise ApiError(401, "unauthorized", "The token is invalid, revoked or expired.")
                raise ApiError(401, "unauthorized", "Send Authorization: Bearer <token>.")
            if not bearer:
                csrf.protect()  # a no-op for GET/HEAD/OPTIONS
            if role is not None and not current_user.can(role):
                raise ApiError(403, "forbidden", f"This needs the {role.value} role.")
            return view(*args, **kwargs)

        # The OpenAPI document (helpdesk/api/openapi.py) reads these: security, 401 and 403.
        wrapped.needs_token = True
        wrapped.token_role = role
        return wrapped

    return decorator


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def json_body() -> dict[str, Any]:
    """The request's JSON object, or 400 invalid_request; 400 invalid_text for a lone surrogate.

    Every JSON body the API reads comes through here, so this is the one edge where text is
    checked: JSON may escape half of a UTF-16 pair ("\\ud800"), which decodes to a lone
    surrogate that no UTF-8 encoder (twitter-text, the database, X) accepts.
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(
            400, "invalid_request", "Send a JSON object with Content-Type application/json."
        )
    if _has_lone_surrogate(body):
        raise ApiError(
            400,
            "invalid_text",
            "The text contains a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape);"
            " send valid Unicode text.",
        )
    return body


def _has_lone_surrogate(value: object) -> bool:
    """True when a string anywhere in decoded JSON (keys included) holds U+D800-U+DFFF."""
    if isinstance(value, str):
        return _LONE_SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


def int_arg(name: str, default: int) -> int:
    """A whole-number query argument (ASCII digits only), or `default` when absent or empty."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    # str.isdigit() is true for "¹", which int() refuses; past 4,300 digits int() refuses too.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise ApiError(400, "invalid_request", f"{name} must be a positive whole number.")
    return int(raw)


@bp.post("/auth/token")
@throttle.limit_attempts
def create_token() -> ResponseReturnValue:
    """Exchange an employee number and password for a personal API token (shown this once)."""
    body = json_body()
    number, password, name = body.get("number"), body.get("password"), body.get("name")
    if not isinstance(number, str) or not isinstance(password, str):
        raise ApiError(400, "invalid_request", "Send number and password as strings.")
    if name is not None and not isinstance(name, str):
        raise ApiError(400, "invalid_request", "name, when sent, is a string.")
    try:  # 401 invalid_credentials; 403 account_suspended only after the right password
        employee = employees.sign_in(number, password)
    except ServiceError:
        throttle.log_attempt(False)
        raise
    throttle.log_attempt(True)
    token, row = employees.issue_token(employee, name)
    return jsonify({"token": token, "item": token_json(row)}), 201


@bp.errorhandler(TooManyRequests)
def _throttled(exc: TooManyRequests) -> ResponseReturnValue:
    """Too many failed token requests for this number or from this address."""
    throttle.note_refusal()
    message = "Too many failed attempts; wait a few minutes before trying again."
    retry_after = exc.get_response().headers.get("Retry-After")
    headers = {"Retry-After": retry_after} if retry_after else {}
    message = api_message("rate_limited", message)
    return jsonify({"error": {"code": "rate_limited", "message": message}}), 429, headers
