"""The escalation queue and trainees' replies: assign, resolve, take, approve, reject."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from helpdesk.models import EscalationStatus, Role
from helpdesk.models.types import utcnow
from helpdesk.services import escalation, replies, supervision
from helpdesk.services.errors import NotFound, ServiceError, http_status
from helpdesk.supervise import bp
from helpdesk.supervise.forms import ActionForm, AssignForm, RejectForm, ResolveForm
from helpdesk.web.access import role_required
from helpdesk.web.forms import first_error
from helpdesk.web.refusals import explain

ESCALATION_FILTERS = ("open", "resolved", "all")
# Rows per step of the queue: a supervisor works it from the top, and each row carries three
# forms (~2.7 KiB of HTML; at 1M a step of 200 cost ~67 ms of server time, of 50 ~45 ms);
# "Show more" adds a step, up to the service's MAX_LIST.
QUEUE_STEP = 25

KIND_LABELS = {
    "sla_breach": _l("SLA breached"),
    "rule": _l("priority rule"),
    "manual": _l("raised by hand"),
}
OUTCOME_LABELS = {
    "running": _l("running"),
    "ok": _l("ok"),
    "failed": _l("failed"),
    "rate_limited": _l("rate limited"),
}


@bp.get("/")
@role_required(Role.SUPERVISOR)
def index() -> ResponseReturnValue:
    """The escalation queue, replies that need a supervisor, the posting budget, ingestion."""
    return _index_page()


@bp.post("/escalations/<id:escalation_id>/assign")
@role_required(Role.SUPERVISOR)
def assign(escalation_id: int) -> ResponseReturnValue:
    """Give an escalation to an employee."""
    form = AssignForm()
    if not form.validate_on_submit():
        return _index_page(status=400, error=first_error(form))
    try:
        done = escalation.assign(escalation_id, current_user, form.employee.data)
    except ServiceError as exc:
        return _refused(exc)
    number = done.assigned_to.number if done.assigned_to else ""
    flash(_("Escalation assigned to %(number)s.", number=number), "success")
    return redirect(url_for(".index"))


@bp.post("/escalations/<id:escalation_id>/resolve")
@role_required(Role.SUPERVISOR)
def resolve(escalation_id: int) -> ResponseReturnValue:
    """Close an escalation with a note."""
    form = ResolveForm()
    if not form.validate_on_submit():
        return _index_page(status=400, error=first_error(form))
    try:
        escalation.resolve(
            escalation_id, current_user, form.note.data, dismiss=bool(form.dismiss.data)
        )
    except ServiceError as exc:
        return _refused(exc)
    if form.dismiss.data:
        flash(_("Escalation resolved and the mention closed without a reply."), "success")
    else:
        flash(_("Escalation resolved."), "success")
    return redirect(url_for(".index"))


@bp.post("/escalations/<id:escalation_id>/take")
@role_required(Role.SUPERVISOR)
def take(escalation_id: int) -> ResponseReturnValue:
    """Answer an escalation yourself: it is assigned to you with the claim; on to the reply."""
    ActionForm().validate_on_submit()  # CSRF is checked for every POST before we get here
    try:
        done = escalation.take(escalation_id, current_user)
    except ServiceError as exc:
        return _refused(exc)
    return redirect(url_for("inbox.mention", mention_id=done.mention_id) + "#composer")


@bp.post("/replies/<id:reply_id>/approve")
@role_required(Role.SUPERVISOR)
def approve(reply_id: int) -> ResponseReturnValue:
    """Let a trainee's reply go out."""
    ActionForm().validate_on_submit()  # CSRF is checked for every POST before we get here
    try:
        replies.approve(reply_id, current_user)
    except ServiceError as exc:
        return _refused(exc)
    flash(_("Reply approved; it is queued for posting."), "success")
    return redirect(url_for(".index"))


@bp.post("/replies/<id:reply_id>/reject")
@role_required(Role.SUPERVISOR)
def reject(reply_id: int) -> ResponseReturnValue:
    """Turn a trainee's reply down with a reason."""
    form = RejectForm()
    if not form.validate_on_submit():
        return _index_page(status=400, error=first_error(form))
    try:
        replies.reject(reply_id, current_user, form.reason.data)
    except ServiceError as exc:
        return _refused(exc)
    flash(_("Reply rejected; the mention stays open."), "info")
    return redirect(url_for(".index"))


def _refused(exc: ServiceError):
    """The overview again with the service's refusal in the reader's language."""
    if isinstance(exc, NotFound):
        abort(404)
    return _index_page(status=http_status(exc), error=explain(exc))


def _queue_length(asked: str | None) -> int:
    """How many rows of the queue to show: ?limit= (a whole number from 1 to MAX_LIST), else
    one step; anything else is a 400."""
    if asked is None:
        return QUEUE_STEP
    if not (asked.isascii() and asked.isdigit()) or len(asked) > 4:
        abort(400)
    limit = int(asked)
    if not 1 <= limit <= escalation.MAX_LIST:
        abort(400)
    return limit


def _index_page(*, status: int = 200, error: str | None = None):
    shown = request.args.get("status", "open")
    if shown not in ESCALATION_FILTERS:
        abort(400)
    limit = _queue_length(request.args.get("limit"))
    queue = escalation.list_escalations(shown, limit=min(limit + 1, escalation.MAX_LIST))
    more = len(queue) > limit
    queue = queue[:limit]
    longer = min(limit + QUEUE_STEP, escalation.MAX_LIST)
    # Only open rows show the latest reply and the claim: resolved ones need neither.
    still_open = [e for e in queue if e.status is EscalationStatus.OPEN]
    return render_template(
        "supervise/index.html",
        escalations=queue,
        more_url=url_for(".index", status=shown, limit=longer) if more else None,
        latest_replies=escalation.latest_replies(still_open),
        claim_holders=escalation.claim_holders(still_open, utcnow()),
        desk=supervision.desk_state(),
        shown=shown,
        filters=ESCALATION_FILTERS,
        now=utcnow(),
        due_at=escalation.due_at,
        # Translated once here, not once a row (a lazy string translates each time it is shown).
        kind_labels={key: str(text) for key, text in KIND_LABELS.items()},
        outcome_labels={key: str(text) for key, text in OUTCOME_LABELS.items()},
        error=error,
    ), status
