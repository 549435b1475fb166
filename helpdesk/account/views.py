"""The account page: change my password, create, list and revoke my API tokens (admins: any)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user

from helpdesk.account import bp
from helpdesk.account.forms import ChangePasswordForm, RevokeForm, TokenForm
from helpdesk.auth import sessions
from helpdesk.models import Employee, Role
from helpdesk.services import employees
from helpdesk.services.errors import ServiceError
from helpdesk.web.access import login_required, role_required
from helpdesk.web.forms import first_error
from helpdesk.web.refusals import explain


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    """My number, role, password form and API tokens."""
    return _page(current_user)


@bp.post("/password")
@login_required
def change_password() -> ResponseReturnValue:
    """Change my password; every other session and every token of mine ends."""
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _page(current_user, password_form=form, status=400, error=first_error(form))
    me = current_user._get_current_object()  # the proxy itself must not go into the session
    try:
        employees.change_own_password(me, form.current.data, form.new.data)
    except ServiceError as exc:
        return _page(me, password_form=form, status=400, error=explain(exc))
    login_user(me)  # this session goes on under the new session version
    sessions.start()
    flash(
        _("Password changed. You were signed out everywhere else and your API tokens ended."),
        "success",
    )
    return redirect(url_for(".index"))


@bp.post("/tokens")
@login_required
def create_token() -> ResponseReturnValue:
    """Make a token and show it on this one page (it is never shown again)."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(current_user, token_form=form, status=400, error=first_error(form))
    try:
        token, row = employees.issue_token(current_user, form.name.data)
    except ServiceError:  # the one refusal left after the form's length check
        error = _("A token name cannot contain control or invisible characters.")
        return _page(current_user, token_form=form, status=400, error=error)
    return _page(current_user, new_token=token, new_token_row=row, status=201)


@bp.post("/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke my token (admins: anyone's) and go back to the page it was listed on."""
    if not RevokeForm().validate_on_submit():
        abort(400)
    try:
        row = employees.revoke_token(token_id, actor=current_user)
    except ServiceError:
        abort(404)
    flash(_("Token %(name)s revoked.", name=row.name), "success")
    if row.employee_id == current_user.id:
        return redirect(url_for(".index"))
    return redirect(url_for(".employee_tokens", number=row.employee.number))


@bp.get("/employees/<number>/tokens")
@role_required(Role.ADMIN)
def employee_tokens(number: str) -> ResponseReturnValue:
    """An admin's view of someone's tokens, to revoke a lost or leaked one."""
    owner = employees.find_employee(number)
    if owner is None:
        abort(404)
    return _page(owner)


def _page(
    owner: Employee,
    *,
    password_form: ChangePasswordForm | None = None,
    token_form: TokenForm | None = None,
    new_token: str | None = None,
    new_token_row=None,  # noqa: ANN001
    status: int = 200,
    error: str | None = None,
):
    tokens = employees.list_tokens(owner, actor=current_user)
    page = render_template(
        "account/index.html",
        owner=owner,
        own=owner.id == current_user.id,
        tokens=tokens,
        password_form=password_form or ChangePasswordForm(formdata=None),
        token_form=token_form or TokenForm(formdata=None),
        revoke_form=RevokeForm(formdata=None),
        new_token=new_token,
        new_token_row=new_token_row,
        error=error,
    )
    # The page may hold a token shown once: never cache it anywhere.
    return page, status, {"Cache-Control": "no-store"}
