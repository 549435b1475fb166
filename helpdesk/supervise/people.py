"""The employees page: add, certify, promote, demote, suspend, reinstate, reset passwords; each
one's presence and routing skills, and the desk's routing mode."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from helpdesk.models import Employee, Role, RoutingMode
from helpdesk.services import employees, routing, skills
from helpdesk.services.errors import NotFound, ServiceError, http_status
from helpdesk.services.languages import MENTION_LANGUAGES
from helpdesk.supervise import bp
from helpdesk.supervise.forms import (
    ActionForm,
    CreateEmployeeForm,
    PasswordForm,
    RoleForm,
    SuspendForm,
)
from helpdesk.web.access import role_required
from helpdesk.web.forms import first_error
from helpdesk.web.refusals import explain
from helpdesk.web.templating import label


@bp.get("/employees")
@role_required(Role.SUPERVISOR)
def employees_page() -> ResponseReturnValue:
    """Every employee with the actions the viewer may take, and the form to add one."""
    return _employees_page()


@bp.post("/employees")
@role_required(Role.SUPERVISOR)
def create_employee() -> ResponseReturnValue:
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
def change_role(number: str) -> ResponseReturnValue:
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
def suspend(number: str) -> ResponseReturnValue:
    """Suspend an employee, once confirmed: their sessions and tokens end at once."""
    form = SuspendForm()
    if not form.validate_on_submit():
        _employee_or_404(number)
        return _employees_page(status=400, error=first_error(form))
    return _set_active(number, False)


@bp.post("/employees/<number>/reinstate")
@role_required(Role.SUPERVISOR)
def reinstate(number: str) -> ResponseReturnValue:
    """Let a suspended employee sign in again."""
    return _set_active(number, True)


@bp.post("/employees/<number>/password")
@role_required(Role.SUPERVISOR)
def reset_password(number: str) -> ResponseReturnValue:
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


@bp.post("/employees/<number>/skills")
@role_required(Role.SUPERVISOR)
def set_skills(number: str) -> ResponseReturnValue:
    """Set the languages an employee answers in, their expertise tags and capacity."""
    employee = _employee_or_404(number)
    ActionForm().validate_on_submit()  # CSRF is checked for every POST before we get here
    try:
        skills.set_skills(
            employee,
            request.form.getlist("languages"),
            request.form.getlist("tags"),
            request.form.get("capacity", ""),
            actor=current_user,
        )
    except ServiceError as exc:
        return _employees_refused(exc)
    flash(_("Routing skills saved for %(number)s.", number=number), "success")
    return redirect(url_for(".employees_page", _anchor=f"employee-{number}"))


@bp.post("/routing")
@role_required(Role.SUPERVISOR)
def set_routing_mode() -> ResponseReturnValue:
    """Choose how work reaches agents: from the list (pull), by Next, or handed out (auto)."""
    ActionForm().validate_on_submit()  # CSRF is checked for every POST before we get here
    try:
        mode = routing.set_routing_mode(request.form.get("mode", ""), actor=current_user)
    except ServiceError as exc:
        return _employees_refused(exc)
    if mode is RoutingMode.NEXT:
        flash(_("Agents now get their work by Next; the list is read-only for them."), "success")
    elif mode is RoutingMode.AUTO:
        flash(
            _(
                "The desk now hands each mention to the least-loaded fitting agent online; "
                "claims of idle agents come back."
            ),
            "success",
        )
    else:
        flash(_("Agents now pick their work from the list."), "success")
    return redirect(url_for(".employees_page"))


def _set_active(number: str, active: bool):
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


def _employee_or_404(number: str) -> Employee:
    employee = employees.find_employee(number)
    if employee is None:
        abort(404)
    return employee


def _employees_refused(exc: ServiceError, *, form: FlaskForm | None = None):
    """The employees page again with the service's refusal in the reader's language."""
    if isinstance(exc, NotFound):
        abort(404)
    return _employees_page(status=http_status(exc), error=explain(exc), form=form)


def _employees_page(*, status: int = 200, error: str | None = None, form: FlaskForm | None = None):
    people = employees.list_employees()
    return render_template(
        "supervise/employees.html",
        employees=people,
        roster={row.employee.id: row for row in routing.roster(people)},
        known_tags=skills.known_tag_names(),
        mention_languages=MENTION_LANGUAGES,
        routing_mode=routing.routing_mode().value,
        routing_modes=[m.value for m in RoutingMode],
        skill_editable={e.id for e in people if skills.can_set_skills(current_user, e)},
        manageable={e.id for e in people if employees.can_manage(current_user, e)},
        grantable=[role.value for role in employees.grantable_roles(current_user)],
        roles=[role.value for role in Role],
        form=form,
        error=error,
    ), status
