"""JSON API views: parse -> authorize -> one service call -> JSON."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user
from werkzeug.exceptions import TooManyRequests

from helpdesk import throttle
from helpdesk.api.serializers import (
    canned_json,
    coverage_json,
    escalation_json,
    mention_json,
    reply_json,
    token_json,
)
from helpdesk.errors import ApiError
from helpdesk.extensions import csrf
from helpdesk.models import Role
from helpdesk.services import canned, coverage, employees, escalation, health, inbox, replies
from helpdesk.services.errors import ServiceError, http_status

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer requests need none; token_required checks cookie-authenticated writes


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):  # type: ignore[no-untyped-def]
    body = {"error": {"code": exc.code, "message": exc.message, **exc.extra}}
    return jsonify(body), http_status(exc)


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

        return wrapped

    return decorator


def json_body() -> dict[str, Any]:
    """The request's JSON object, or 400 invalid_request."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(
            400, "invalid_request", "Send a JSON object with Content-Type application/json."
        )
    return body


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise ApiError(400, "invalid_request", f"{name} must be a positive whole number.")
    return int(raw)


@bp.post("/auth/token")
@throttle.limit_attempts
def create_token():  # type: ignore[no-untyped-def]
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
def _throttled(exc: TooManyRequests):  # type: ignore[no-untyped-def]
    """Too many failed token requests for this number or from this address."""
    throttle.note_refusal()
    message = "Too many failed attempts; wait a few minutes before trying again."
    retry_after = exc.get_response().headers.get("Retry-After")
    headers = {"Retry-After": retry_after} if retry_after else {}
    return jsonify({"error": {"code": "rate_limited", "message": message}}), 429, headers


@bp.get("/health")
def get_health():  # type: ignore[no-untyped-def]
    """Database, Redis and X reachability, and how fresh ingestion is."""
    report = health.check()
    return jsonify(report), 200 if report["db"] == "ok" and report["redis"] == "ok" else 503


@bp.get("/mentions")
@token_required()
def list_mentions():  # type: ignore[no-untyped-def]
    """A keyset page of mentions by status."""
    page = inbox.list_mentions(
        request.args.get("status") or "open",
        limit=_int_arg("limit", 50),
        cursor=request.args.get("cursor"),
        employee=current_user,
        search=request.args.get("q"),
    )
    return jsonify(
        {"items": [mention_json(m) for m in page.items], "next_cursor": page.next_cursor}
    )


@bp.get("/mentions/<int:mention_id>")
@token_required()
def get_mention(mention_id: int):  # type: ignore[no-untyped-def]
    """One mention with its replies."""
    mention = inbox.get_mention(mention_id)
    body = mention_json(mention)
    body["replies"] = [reply_json(r) for r in inbox.replies_for([mention.id])]
    return jsonify(body)


@bp.post("/mentions/<int:mention_id>/claim")
@token_required()
def claim(mention_id: int):  # type: ignore[no-untyped-def]
    """Claim a mention; 409 already_claimed names who holds it."""
    return jsonify(mention_json(inbox.claim(mention_id, current_user)))


@bp.post("/mentions/<int:mention_id>/release")
@token_required()
def release(mention_id: int):  # type: ignore[no-untyped-def]
    """Drop my claim."""
    return jsonify(mention_json(inbox.release(mention_id, current_user)))


@bp.post("/mentions/<int:mention_id>/replies")
@token_required()
def create_reply(mention_id: int):  # type: ignore[no-untyped-def]
    """Accept a reply for posting (202); 422 guideline_violation lists the findings."""
    body = json_body()
    confirm = body.get("confirm_warnings", False)
    if not isinstance(confirm, bool):
        raise ApiError(400, "invalid_request", "confirm_warnings must be true or false.")
    reply = replies.create_reply(
        mention_id, current_user, body.get("text"), confirm_warnings=confirm
    )
    return jsonify({"reply": reply_json(reply)}), 202


@bp.post("/replies/preview")
@token_required()
def preview_reply():  # type: ignore[no-untyped-def]
    """The composer's live check: signed text, weighted length, violations; stores nothing."""
    body = json_body()
    mention_id = body.get("mention_id")
    if mention_id is not None and (not isinstance(mention_id, int) or isinstance(mention_id, bool)):
        raise ApiError(400, "invalid_request", "mention_id must be a whole number.")
    mention = inbox.get_mention(mention_id) if mention_id is not None else None
    return jsonify(replies.preview(body.get("text"), current_user, mention).as_dict())


@bp.get("/replies/<int:reply_id>")
@token_required()
def get_reply(reply_id: int):  # type: ignore[no-untyped-def]
    """One reply."""
    return jsonify(reply_json(replies.get_reply(reply_id)))


@bp.post("/replies/<int:reply_id>/approve")
@token_required(Role.SUPERVISOR)
def approve_reply(reply_id: int):  # type: ignore[no-untyped-def]
    """A supervisor approves a trainee's reply."""
    return jsonify({"reply": reply_json(replies.approve(reply_id, current_user))})


@bp.post("/replies/<int:reply_id>/reject")
@token_required(Role.SUPERVISOR)
def reject_reply(reply_id: int):  # type: ignore[no-untyped-def]
    """A supervisor rejects a trainee's reply with a reason."""
    reason = json_body().get("reason")
    return jsonify({"reply": reply_json(replies.reject(reply_id, current_user, reason))})


@bp.post("/mentions/<int:mention_id>/dismiss")
@token_required()
def dismiss(mention_id: int):  # type: ignore[no-untyped-def]
    """Close a mention without a reply, with a reason."""
    reason = json_body().get("reason")
    return jsonify(mention_json(inbox.dismiss(mention_id, current_user, reason)))


@bp.post("/mentions/<int:mention_id>/escalate")
@token_required()
def escalate(mention_id: int):  # type: ignore[no-untyped-def]
    """Raise a mention to supervisors with a reason; 409 already_escalated when one is open."""
    reason = json_body().get("reason")
    created = escalation.escalate(mention_id, current_user, reason)
    return jsonify({"escalation": escalation_json(created)}), 201


@bp.get("/escalations")
@token_required(Role.SUPERVISOR)
def list_escalations():  # type: ignore[no-untyped-def]
    """The escalation queue: open ones by breach age and priority, or resolved, or all."""
    items = escalation.list_escalations(
        request.args.get("status") or "open", limit=_int_arg("limit", 200)
    )
    return jsonify({"items": [escalation_json(e) for e in items]})


@bp.post("/escalations/<int:escalation_id>/assign")
@token_required(Role.SUPERVISOR)
def assign_escalation(escalation_id: int):  # type: ignore[no-untyped-def]
    """Give an open escalation to an employee, by number."""
    number = json_body().get("employee")
    assigned = escalation.assign(escalation_id, current_user, number)
    return jsonify({"escalation": escalation_json(assigned)})


@bp.post("/escalations/<int:escalation_id>/resolve")
@token_required(Role.SUPERVISOR)
def resolve_escalation(escalation_id: int):  # type: ignore[no-untyped-def]
    """Close an open escalation with a note; `"dismiss": true` closes the mention too."""
    body = json_body()
    resolved = escalation.resolve(
        escalation_id, current_user, body.get("note"), dismiss=body.get("dismiss", False)
    )
    return jsonify({"escalation": escalation_json(resolved)})


@bp.post("/escalations/<int:escalation_id>/take")
@token_required(Role.SUPERVISOR)
def take_escalation(escalation_id: int):  # type: ignore[no-untyped-def]
    """Answer an open escalation yourself: assigned to you, with the mention's claim."""
    taken = escalation.take(escalation_id, current_user)
    return jsonify({"escalation": escalation_json(taken)})


@bp.get("/coverage")
@token_required(Role.SUPERVISOR)
def get_coverage():  # type: ignore[no-untyped-def]
    """Coverage for [from, to) (default the last 24 hours); dates are days in the desk's zone."""
    tz = current_app.config["HELPDESK"].timezone
    start, end = coverage.parse_period(request.args.get("from"), request.args.get("to"), tz)
    return jsonify(coverage_json(coverage.coverage(start, end, tz)))


@bp.get("/canned-replies")
@token_required()
def list_canned_replies():  # type: ignore[no-untyped-def]
    """The active canned replies, optionally of one language (ja or en)."""
    items = canned.list_canned(request.args.get("language") or None)
    return jsonify({"items": [canned_json(c) for c in items]})
