"""The audit log for supervisors: parse -> authorize -> one service call -> render."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue

from helpdesk.models import Role
from helpdesk.services import audit_browse
from helpdesk.services.errors import ServiceError, http_status
from helpdesk.supervise import bp
from helpdesk.web.access import role_required
from helpdesk.web.audit_words import action_label, detail_lines
from helpdesk.web.refusals import explain

_WORDS = {"action_label": action_label, "detail_lines": detail_lines}


@bp.get("/audit")
@role_required(Role.SUPERVISOR)
def audit_page() -> ResponseReturnValue:
    """Audit events newest first, filtered by employee number, action and day, 50 a page."""
    wanted = audit_browse.AuditFilter(
        number=request.args.get("number", "").strip()[:20],
        action=request.args.get("action", "").strip()[:80],
        day=request.args.get("day", "").strip()[:20],
    )
    cursor = request.args.get("cursor") or None
    tz = current_app.config["HELPDESK"].timezone
    try:
        page = audit_browse.list_events(wanted, tz, cursor=cursor)
    except ServiceError as exc:
        return render_template(
            "supervise/audit.html",
            page=None,
            wanted=wanted,
            cursor=None,
            error=explain(exc),
            **_WORDS,
        ), http_status(exc)
    return render_template(
        "supervise/audit.html", page=page, wanted=wanted, cursor=cursor, error=None, **_WORDS
    )
