"""Supervisors' pages: parse -> authorize -> one service call -> render or redirect."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from helpdesk.access import role_required
from helpdesk.filters import label
from helpdesk.form_errors import first_error
from helpdesk.models import CannedLanguage, Employee, Role
from helpdesk.models.types import utcnow
from helpdesk.services import canned, coverage, employees, escalation, export, replies, supervision
from helpdesk.services.errors import NotFound, ServiceError, http_status
from helpdesk.supervise.forms import (
    ActionForm,
    AssignForm,
    CannedForm,
    CreateEmployeeForm,
    PasswordForm,
    RejectForm,
    ResolveForm,
    RoleForm,
)

bp = Blueprint("supervise", __name__, url_prefix="/supervise")

ESCALATION_FILTERS = ("open", "resolved", "all")
PERIODS = ("today", "7d", "custom")

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


@bp.app_template_filter("duration")
def duration(seconds: float | None) -> str:
    """Seconds as h:mm:ss (or m:ss under an hour); an em dash when unknown."""
    if seconds is None:
        return "—"
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@bp.app_template_filter("percent")
def percent(value: float | None) -> str:
    """A share as a percentage with one decimal; an em dash when there is nothing to divide."""
    return "—" if value is None else f"{value * 100:.1f}%"


@bp.get("/")
@role_required(Role.SUPERVISOR)
def index():  # type: ignore[no-untyped-def]
    """The escalation queue, replies that need a supervisor, the posting budget, ingestion."""
    return _index_page()


@bp.post("/escalations/<int:escalation_id>/assign")
@role_required(Role.SUPERVISOR)
def assign(escalation_id: int):  # type: ignore[no-untyped-def]
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


@bp.post("/escalations/<int:escalation_id>/resolve")
@role_required(Role.SUPERVISOR)
def resolve(escalation_id: int):  # type: ignore[no-untyped-def]
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


@bp.post("/escalations/<int:escalation_id>/take")
@role_required(Role.SUPERVISOR)
def take(escalation_id: int):  # type: ignore[no-untyped-def]
    """Answer an escalation yourself: it is assigned to you with the claim; on to the reply."""
    ActionForm().validate_on_submit()  # CSRF is checked for every POST before we get here
    try:
        done = escalation.take(escalation_id, current_user)
    except ServiceError as exc:
        return _refused(exc)
    return redirect(url_for("inbox.mention", mention_id=done.mention_id) + "#composer")


@bp.post("/replies/<int:reply_id>/approve")
@role_required(Role.SUPERVISOR)
def approve(reply_id: int):  # type: ignore[no-untyped-def]
    """Let a trainee's reply go out."""
    ActionForm().validate_on_submit()  # CSRF is checked for every POST before we get here
    try:
        replies.approve(reply_id, current_user)
    except ServiceError as exc:
        return _refused(exc)
    flash(_("Reply approved; it is queued for posting."), "success")
    return redirect(url_for(".index"))


@bp.post("/replies/<int:reply_id>/reject")
@role_required(Role.SUPERVISOR)
def reject(reply_id: int):  # type: ignore[no-untyped-def]
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


@bp.get("/coverage")
@role_required(Role.SUPERVISOR)
def coverage_page():  # type: ignore[no-untyped-def]
    """Coverage for today, the last 7 days or a custom range of days, with per-hour charts."""
    tz = current_app.config["HELPDESK"].timezone
    period = request.args.get("period", "today")
    if period not in PERIODS:
        abort(400)
    now = utcnow()
    raw_from, raw_to = request.args.get("from", ""), request.args.get("to", "")
    try:
        start, end = _period(period, raw_from, raw_to, tz, now)
        figures = coverage.coverage(start, end, tz, now=now)
    except ServiceError as exc:
        return render_template(
            "supervise/coverage.html",
            figures=None,
            period=period,
            raw_from=raw_from,
            raw_to=raw_to,
            error=_explain(exc),
            tz=tz,
        ), http_status(exc)
    return render_template(
        "supervise/coverage.html",
        figures=figures,
        period=period,
        raw_from=raw_from,
        raw_to=raw_to,
        last_day=end - timedelta(microseconds=1),
        error=None,
        tz=tz,
    )


@bp.get("/mentions.csv")
@role_required(Role.SUPERVISOR)
def mentions_csv():  # type: ignore[no-untyped-def]
    """The mentions of whole days `from`..`to` with their replies as CSV, streamed (UTF-8, BOM)."""
    raw_from, raw_to = request.args.get("from", ""), request.args.get("to", "")
    try:
        start, end = export.parse_days(raw_from, raw_to, current_app.config["HELPDESK"].timezone)
        pieces = export.mentions_csv(start, end, current_user)
    except ServiceError as exc:
        if exc.code == "period_too_long":
            abort(400, description=_("An export covers at most 366 days."))
        abort(http_status(exc), description=_explain(exc))
    # The name holds only the two dates just validated: nothing from the query reaches a header.
    filename = f"mentions-{raw_from.strip()}-{raw_to.strip()}.csv"
    return Response(
        stream_with_context(pieces),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/employees")
@role_required(Role.SUPERVISOR)
def employees_page():  # type: ignore[no-untyped-def]
    """Every employee with the actions the viewer may take, and the form to add one."""
    return _employees_page()


@bp.post("/employees")
@role_required(Role.SUPERVISOR)
def create_employee():  # type: ignore[no-untyped-def]
    """Add an employee; a number that was ever used is refused."""
    form = CreateEmployeeForm()
    if not form.validate_on_submit():
        return _employees_page(status=400, error=first_error(form), form=form)
    try:
        created = employees.create_employee(
            form.number.data, form.name.data, form.role.data, form.password.data, actor=current_user
        )
    except ServiceError as exc:
        return _employees_refused(exc, form=form)
    flash(
        _(
            "Employee %(number)s added as %(role)s.",
            number=created.number,
            role=label("role", created.role),
        ),
        "success",
    )
    return redirect(url_for(".employees_page"))


@bp.post("/employees/<number>/role")
@role_required(Role.SUPERVISOR)
def change_role(number: str):  # type: ignore[no-untyped-def]
    """Certify a trainee, promote or demote; the employee signs in again."""
    employee = _employee_or_404(number)
    form = RoleForm()
    if not form.validate_on_submit():
        return _employees_page(status=400, error=first_error(form))
    before = employee.role
    try:
        employees.set_role(employee, form.role.data or "", actor=current_user)
    except ServiceError as exc:
        return _employees_refused(exc)
    if before is Role.TRAINEE and employee.role is Role.AGENT:
        message = _(
            "%(number)s is certified: their replies now go out without approval.",
            number=employee.number,
        )
    else:
        message = _(
            "%(number)s is now %(role)s; they sign in again.",
            number=employee.number,
            role=label("role", employee.role),
        )
    flash(message, "success")
    return redirect(url_for(".employees_page"))


@bp.post("/employees/<number>/suspend")
@role_required(Role.SUPERVISOR)
def suspend(number: str):  # type: ignore[no-untyped-def]
    """Suspend an employee: their sessions and tokens end at once; the number stays theirs."""
    return _set_active(number, False)


@bp.post("/employees/<number>/reinstate")
@role_required(Role.SUPERVISOR)
def reinstate(number: str):  # type: ignore[no-untyped-def]
    """Let a suspended employee sign in again."""
    return _set_active(number, True)


@bp.post("/employees/<number>/password")
@role_required(Role.SUPERVISOR)
def reset_password(number: str):  # type: ignore[no-untyped-def]
    """Set a new password for an employee; their sessions and tokens end."""
    employee = _employee_or_404(number)
    form = PasswordForm()
    if not form.validate_on_submit():
        return _employees_page(status=400, error=first_error(form))
    try:
        employees.reset_password(employee, form.password.data or "", actor=current_user)
    except ServiceError as exc:
        return _employees_refused(exc)
    flash(_("New password set for %(number)s; tell them in person.", number=number), "success")
    return redirect(url_for(".employees_page"))


def _set_active(number: str, active: bool):  # type: ignore[no-untyped-def]
    employee = _employee_or_404(number)
    ActionForm().validate_on_submit()  # CSRF is checked for every POST before we get here
    try:
        changed = employees.set_active(employee, active, actor=current_user)
    except ServiceError as exc:
        return _employees_refused(exc)
    if not changed:
        message = (
            _("%(number)s is already active.", number=number)
            if active
            else _("%(number)s is already suspended.", number=number)
        )
        flash(message, "info")
    elif active:
        flash(_("%(number)s is reinstated and can sign in again.", number=number), "success")
    else:
        flash(
            _("%(number)s is suspended; their sessions and tokens have ended.", number=number),
            "success",
        )
    return redirect(url_for(".employees_page"))


@bp.get("/canned")
@role_required(Role.SUPERVISOR)
def canned_page():  # type: ignore[no-untyped-def]
    """Every canned reply, retired ones too, with the forms to add, edit and retire them."""
    return _canned_page()


@bp.post("/canned")
@role_required(Role.SUPERVISOR)
def create_canned():  # type: ignore[no-untyped-def]
    """Add a canned reply; a body that breaks a blocking guideline is refused."""
    form = CannedForm()
    if not form.validate_on_submit():
        return _canned_page(status=400, error=first_error(form), form=form)
    try:
        created = canned.create_canned(
            form.title.data, form.body.data, form.language.data, actor=current_user
        )
    except ServiceError as exc:
        return _canned_refused(exc, form=form)
    flash(_("Canned reply “%(title)s” added.", title=created.title), "success")
    return redirect(url_for(".canned_page"))


@bp.post("/canned/<int:canned_id>")
@role_required(Role.SUPERVISOR)
def update_canned(canned_id: int):  # type: ignore[no-untyped-def]
    """Rewrite a canned reply; the same guideline check as a new one."""
    form = CannedForm()
    if not form.validate_on_submit():
        return _canned_page(status=400, error=first_error(form))
    try:
        updated = canned.update_canned(
            canned_id, form.title.data, form.body.data, form.language.data, actor=current_user
        )
    except ServiceError as exc:
        return _canned_refused(exc)
    flash(_("Canned reply “%(title)s” saved.", title=updated.title), "success")
    return redirect(url_for(".canned_page"))


@bp.post("/canned/<int:canned_id>/deactivate")
@role_required(Role.SUPERVISOR)
def deactivate_canned(canned_id: int):  # type: ignore[no-untyped-def]
    """Take a canned reply out of the composers; it stays listed here."""
    return _set_canned_active(canned_id, False)


@bp.post("/canned/<int:canned_id>/reactivate")
@role_required(Role.SUPERVISOR)
def reactivate_canned(canned_id: int):  # type: ignore[no-untyped-def]
    """Offer a retired canned reply in the composers again."""
    return _set_canned_active(canned_id, True)


def _set_canned_active(canned_id: int, active: bool):  # type: ignore[no-untyped-def]
    ActionForm().validate_on_submit()  # CSRF is checked for every POST before we get here
    try:
        changed = canned.set_canned_active(canned_id, active, actor=current_user)
    except ServiceError as exc:
        return _canned_refused(exc)
    if not changed:
        flash(_("Nothing to change."), "info")
    elif active:
        flash(_("The canned reply is offered in the composer again."), "success")
    else:
        flash(_("The canned reply is no longer offered in the composer."), "success")
    return redirect(url_for(".canned_page"))


def _canned_refused(exc: ServiceError, *, form: FlaskForm | None = None):  # type: ignore[no-untyped-def]
    """The canned replies page again with the service's refusal in the reader's language."""
    if isinstance(exc, NotFound):
        abort(404)
    return _canned_page(status=http_status(exc), error=_explain(exc), form=form)


def _canned_page(  # type: ignore[no-untyped-def]
    *, status: int = 200, error: str | None = None, form: FlaskForm | None = None
):
    return render_template(
        "supervise/canned.html",
        canned_replies=canned.list_canned(active_only=False),
        languages=[language.value for language in CannedLanguage],
        form=form,
        error=error,
    ), status


def _employee_or_404(number: str) -> Employee:
    employee = employees.find_employee(number)
    if employee is None:
        abort(404)
    return employee


def _employees_refused(exc: ServiceError, *, form: FlaskForm | None = None):  # type: ignore[no-untyped-def]
    """The employees page again with the service's refusal in the reader's language."""
    if isinstance(exc, NotFound):
        abort(404)
    return _employees_page(status=http_status(exc), error=_explain(exc), form=form)


def _employees_page(  # type: ignore[no-untyped-def]
    *, status: int = 200, error: str | None = None, form: FlaskForm | None = None
):
    people = employees.list_employees()
    return render_template(
        "supervise/employees.html",
        employees=people,
        manageable={e.id for e in people if employees.can_manage(current_user, e)},
        grantable=[role.value for role in employees.grantable_roles(current_user)],
        roles=[role.value for role in Role],
        form=form,
        error=error,
    ), status


def _period(
    period: str, raw_from: str, raw_to: str, tz: str, now: datetime
) -> tuple[datetime, datetime]:
    """[start, end) in UTC: whole days in the desk's zone; a custom `to` day is included."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    tomorrow = datetime.combine(today + timedelta(days=1), time(), zone).astimezone(UTC)
    if period == "today":
        return tomorrow - timedelta(days=1), tomorrow
    if period == "7d":
        start = datetime.combine(today - timedelta(days=6), time(), zone).astimezone(UTC)
        return start, tomorrow
    start = coverage.parse_bound("from", raw_from, tz)
    last = coverage.parse_bound("to", raw_to, tz)
    if start is None:
        start = tomorrow - timedelta(days=1)
    end = last + timedelta(days=1) if last is not None else tomorrow
    return coverage.parse_period(start.isoformat(), end.isoformat(), tz, now=now)


def _refused(exc: ServiceError):  # type: ignore[no-untyped-def]
    """The overview again with the service's refusal in the reader's language."""
    if isinstance(exc, NotFound):
        abort(404)
    return _index_page(status=http_status(exc), error=_explain(exc))


def _explain(exc: ServiceError) -> str:
    """A service refusal in the reader's language (the services speak English)."""
    messages = {
        "escalation_closed": _("This escalation is already resolved."),
        "invalid_dismiss": _("Tick the box or leave it empty."),
        "unknown_employee": _("There is no employee with that number."),
        "employee_suspended": _("That employee is suspended."),
        "employee_required": _("Give the employee number to assign."),
        "note_required": _("Write how it was resolved."),
        "note_too_long": _("A note can be at most 500 characters."),
        "reason_required": _("Give a reason."),
        "reason_too_long": _("A reason can be at most 500 characters."),
        "not_pending": _("This reply is no longer waiting for approval."),
        "not_open": _("The mention is no longer open; this reply cannot be sent."),
        "forbidden": _("Your role does not allow this."),
        "admin_only": _("Only an admin manages supervisors and admins."),
        "own_account": _("Nobody changes their own role, suspension or password here."),
        "last_admin": _("This is the last active admin; make someone else admin first."),
        "role_unchanged": _("The employee already has that role."),
        "invalid_number": _("An employee number is 4 to 6 digits, e.g. 0427."),
        "invalid_name": _("A name is 1 to 100 characters."),
        "invalid_role": _("Choose one of the roles."),
        "weak_password": _("A password needs at least 12 characters."),
        "common_password": _(
            "This password is too easy to guess: it is a common password, or close to your"
            " number, your name or the helpdesk's words. Choose a longer phrase of your own."
        ),
        "own_reply": _("Nobody approves or rejects their own reply; ask another supervisor."),
        "invalid_password": _("A password can be at most 512 characters."),
        "invalid_title": _(
            "A title is 1 to 80 characters, without control or invisible characters."
        ),
        "invalid_body": _("The text is 1 to 600 characters."),
        "invalid_language": _("Choose Japanese or English."),
    }
    if exc.code == "already_claimed":
        number = exc.extra.get("claimed_by") or "?"
        return _("Employee %(number)s is working on this.", number=number)
    if exc.code == "guideline_violation":
        findings = "; ".join(
            f"{label('rule', v['rule'])}: {v['message']}" for v in exc.extra.get("violations", [])
        )
        return _(
            "The text breaks the reply guidelines, so it cannot be a canned reply: %(findings)s",
            findings=findings,
        )
    if exc.code == "number_taken":
        return _(
            "Employee number %(number)s is already taken; numbers are never reused.",
            number=exc.extra.get("number", ""),
        )
    if exc.code in messages:
        return messages[exc.code]
    parameter = exc.extra.get("parameter")
    if parameter:
        return _(
            "%(name)s: give a date like 2026-01-31, and a start before the end.", name=parameter
        )
    return exc.message


def _index_page(*, status: int = 200, error: str | None = None):  # type: ignore[no-untyped-def]
    shown = request.args.get("status", "open")
    if shown not in ESCALATION_FILTERS:
        abort(400)
    queue = escalation.list_escalations(shown)
    return render_template(
        "supervise/index.html",
        escalations=queue,
        latest_replies=escalation.latest_replies(queue),
        claim_holders=escalation.claim_holders(queue, utcnow()),
        desk=supervision.desk_state(),
        shown=shown,
        filters=ESCALATION_FILTERS,
        now=utcnow(),
        due_at=escalation.due_at,
        kind_labels=KIND_LABELS,
        outcome_labels=OUTCOME_LABELS,
        error=error,
    ), status
