"""The audit log for supervisors: parse -> authorize -> one service call -> render."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext as _

from helpdesk.models import Role
from helpdesk.services import audit_browse
from helpdesk.services.errors import ServiceError, http_status
from helpdesk.supervise import bp
from helpdesk.web.access import role_required


@bp.get("/audit")
@role_required(Role.SUPERVISOR)
def audit_page():
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
            "supervise/audit.html", page=None, wanted=wanted, cursor=None, error=_explain(exc)
        ), http_status(exc)
    return render_template(
        "supervise/audit.html", page=page, wanted=wanted, cursor=cursor, error=None
    )


def _explain(exc: ServiceError) -> str:
    """The service's refusal in the reader's language."""
    messages = {
        "invalid_number": _("An employee number is 4 to 6 digits, e.g. 0427."),
        "invalid_action": _("An action looks like mention.claimed."),
        "invalid_day": _("Give a day like 2026-01-31."),
        "invalid_cursor": _("That page link is not valid; start from the first page."),
    }
    return messages.get(exc.code, exc.message)
