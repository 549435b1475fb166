"""The canned replies page: add, edit, retire and bring back the replies agents start from."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from helpdesk.models import CannedLanguage, Role
from helpdesk.services import canned
from helpdesk.services.errors import NotFound, ServiceError, http_status
from helpdesk.supervise import bp
from helpdesk.supervise.forms import ActionForm, CannedForm
from helpdesk.web.access import role_required
from helpdesk.web.forms import first_error
from helpdesk.web.refusals import explain


@bp.get("/canned")
@role_required(Role.SUPERVISOR)
def canned_page() -> ResponseReturnValue:
    """Every canned reply, retired ones too, with the forms to add, edit and retire them."""
    return _canned_page()


@bp.post("/canned")
@role_required(Role.SUPERVISOR)
def create_canned() -> ResponseReturnValue:
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


@bp.post("/canned/<id:canned_id>")
@role_required(Role.SUPERVISOR)
def update_canned(canned_id: int) -> ResponseReturnValue:
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


@bp.post("/canned/<id:canned_id>/deactivate")
@role_required(Role.SUPERVISOR)
def deactivate_canned(canned_id: int) -> ResponseReturnValue:
    """Take a canned reply out of the composers; it stays listed here."""
    return _set_canned_active(canned_id, False)


@bp.post("/canned/<id:canned_id>/reactivate")
@role_required(Role.SUPERVISOR)
def reactivate_canned(canned_id: int) -> ResponseReturnValue:
    """Offer a retired canned reply in the composers again."""
    return _set_canned_active(canned_id, True)


def _set_canned_active(canned_id: int, active: bool):
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


def _canned_refused(exc: ServiceError, *, form: FlaskForm | None = None):
    """The canned replies page again with the service's refusal in the reader's language."""
    if isinstance(exc, NotFound):
        abort(404)
    return _canned_page(status=http_status(exc), error=explain(exc), form=form)


def _canned_page(*, status: int = 200, error: str | None = None, form: FlaskForm | None = None):
    return render_template(
        "supervise/canned.html",
        canned_replies=canned.list_canned(active_only=False),
        languages=[language.value for language in CannedLanguage],
        form=form,
        error=error,
    ), status
