"""Supervisors' rules page: guideline and priority rules, SLA targets and a text to test."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from helpdesk.models import Role
from helpdesk.models.rules import MAX_VALUE
from helpdesk.services import rules
from helpdesk.services.errors import NotFound, ServiceError, http_status
from helpdesk.supervise import bp
from helpdesk.web.access import role_required
from helpdesk.web.forms import first_error
from helpdesk.web.refusals import explain

KIND_NAMES = {
    "banned_term": _l("Banned term"),
    "link_domain": _l("Allowed link domain"),
    "check": _l("Check"),
    "urgent_keyword": _l("Urgent keyword"),
    "negative_tone": _l("Word of angry tone"),
    "follower_threshold": _l("Follower threshold"),
}
CHECK_NAMES = {
    "personal_data.email": _l("Personal data: e-mail addresses"),
    "personal_data.order_number": _l("Personal data: order numbers"),
    "personal_data.phone": _l("Personal data: phone numbers"),
    "personal_data.card": _l("Personal data: card numbers"),
    "personal_data.postal_code": _l("Personal data: postal codes"),
    "link_domain": _l("Links outside the allowed domains"),
    "third_party_mention": _l("Mentions of third parties"),
}
_VALUE_TOO_LONG = _l("A rule's text is at most 100 characters.")


class GuidelineRuleForm(FlaskForm):
    """Add or edit a guideline rule; kind and severity are <select>s the service checks."""

    kind = StringField(_l("Kind"))
    value = StringField(
        _l("Term or domain"), validators=[Length(max=MAX_VALUE, message=_VALUE_TOO_LONG)]
    )
    severity = StringField(_l("Severity"))


class PriorityRuleForm(FlaskForm):
    """Add or edit a priority rule; kind and language are <select>s the service checks."""

    kind = StringField(_l("Kind"))
    language = StringField(_l("Language"))
    value = StringField(
        _l("Keyword or count"), validators=[Length(max=MAX_VALUE, message=_VALUE_TOO_LONG)]
    )


FORMS: dict[str, type[FlaskForm]] = {"guideline": GuidelineRuleForm, "priority": PriorityRuleForm}


class SlaForm(FlaskForm):
    """Set one priority's SLA in minutes."""

    priority = StringField(_l("Priority"))
    minutes = StringField(_l("Minutes"))


class TestTextForm(FlaskForm):
    """A text (and an author's follower count) to run against the rules."""

    text = TextAreaField(
        _l("Text"),
        validators=[
            Length(max=rules.MAX_TEST_TEXT, message=_l("A text to test is at most 600 characters."))
        ],
    )
    followers = StringField(_l("Author's followers"))


@bp.get("/rules")
@role_required(Role.SUPERVISOR)
def rules_page() -> ResponseReturnValue:
    """Every rule, disabled ones too, the SLA targets and the form to test a text."""
    return _page()


@bp.post("/rules/test")
@role_required(Role.SUPERVISOR)
def test_rules() -> ResponseReturnValue:
    """Show the findings and the priority a text would get; nothing is stored."""
    form = TestTextForm()
    if not form.validate_on_submit():
        return _page(status=400, error=first_error(form), test_form=form)
    try:
        result = rules.check_text(form.text.data, form.followers.data, actor=current_user)
    except ServiceError as exc:
        return _refused(exc, test_form=form)
    return _page(test_form=form, result=result)


@bp.post("/rules/guideline")
@role_required(Role.SUPERVISOR)
def add_guideline_rule() -> ResponseReturnValue:
    """Add a banned term or an allowed link domain."""
    return _add("guideline")


@bp.post("/rules/guideline/<id:rule_id>")
@role_required(Role.SUPERVISOR)
def update_guideline_rule(rule_id: int) -> ResponseReturnValue:
    """Change a guideline rule's text or severity."""
    return _update("guideline", rule_id)


@bp.post("/rules/guideline/<id:rule_id>/disable")
@role_required(Role.SUPERVISOR)
def disable_guideline_rule(rule_id: int) -> ResponseReturnValue:
    """Switch a guideline rule off; it stays listed."""
    return _set_enabled("guideline", rule_id, False)


@bp.post("/rules/guideline/<id:rule_id>/enable")
@role_required(Role.SUPERVISOR)
def enable_guideline_rule(rule_id: int) -> ResponseReturnValue:
    """Switch a guideline rule on again."""
    return _set_enabled("guideline", rule_id, True)


@bp.post("/rules/priority")
@role_required(Role.SUPERVISOR)
def add_priority_rule() -> ResponseReturnValue:
    """Add an urgent keyword or a word of angry tone."""
    return _add("priority")


@bp.post("/rules/priority/<id:rule_id>")
@role_required(Role.SUPERVISOR)
def update_priority_rule(rule_id: int) -> ResponseReturnValue:
    """Change a keyword and its language, or the follower threshold."""
    return _update("priority", rule_id)


@bp.post("/rules/priority/<id:rule_id>/disable")
@role_required(Role.SUPERVISOR)
def disable_priority_rule(rule_id: int) -> ResponseReturnValue:
    """Switch a priority rule off; it stays listed."""
    return _set_enabled("priority", rule_id, False)


@bp.post("/rules/priority/<id:rule_id>/enable")
@role_required(Role.SUPERVISOR)
def enable_priority_rule(rule_id: int) -> ResponseReturnValue:
    """Switch a priority rule on again."""
    return _set_enabled("priority", rule_id, True)


@bp.post("/rules/sla")
@role_required(Role.ADMIN)
def set_sla_target() -> ResponseReturnValue:
    """Set a priority's time to first response, in minutes (admins)."""
    form = SlaForm()
    if not form.validate_on_submit():
        return _page(status=400, error=first_error(form))
    minutes = (form.minutes.data or "").strip()
    if not minutes.isdecimal() or not minutes.isascii():
        return _page(status=400, error=_("Give the SLA as a whole number of minutes."))
    # Past 9 digits it is past any SLA; past 4,300 digits int() itself refuses (a 500 before).
    seconds = int(minutes) * 60 if len(minutes) <= 9 else rules.MAX_SLA_SECONDS + 60
    try:
        rules.set_sla_target(form.priority.data, seconds, actor=current_user)
    except ServiceError as exc:
        return _refused(exc)
    flash(_("SLA target saved."), "success")
    return redirect(url_for(".rules_page"))


def _add(family: rules.Family):
    """One add for both families: the family's form, the service's one add path."""
    form = FORMS[family]()
    keep = {f"{family}_form": form}  # the page shows the refused form again, filled in
    if not form.validate_on_submit():
        return _page(status=400, error=first_error(form), **keep)
    try:
        rule = rules.add_rule(family, form.data, actor=current_user)
    except ServiceError as exc:
        return _refused(exc, **keep)
    flash(_("Rule “%(value)s” added.", value=rule.value), "success")
    return redirect(url_for(".rules_page"))


def _update(family: rules.Family, rule_id: int):
    """One update for both families (a row's own form is not shown again on refusal)."""
    form = FORMS[family]()
    if not form.validate_on_submit():
        return _page(status=400, error=first_error(form))
    try:
        rule = rules.update_rule(family, rule_id, form.data, actor=current_user)
    except ServiceError as exc:
        return _refused(exc)
    flash(_("Rule “%(value)s” saved.", value=rule.value), "success")
    return redirect(url_for(".rules_page"))


def _set_enabled(family: rules.Family, rule_id: int, enabled: bool):
    FlaskForm().validate_on_submit()  # CSRF is checked for every POST before we get here
    try:
        changed = rules.set_rule_enabled(family, rule_id, enabled, actor=current_user)
    except ServiceError as exc:
        return _refused(exc)
    if not changed:
        flash(_("Nothing to change."), "info")
    elif enabled:
        flash(_("The rule is on again."), "success")
    else:
        flash(_("The rule is off; it stays listed here."), "success")
    return redirect(url_for(".rules_page"))


def _refused(exc: ServiceError, **forms: FlaskForm):
    if isinstance(exc, NotFound):
        abort(404)
    return _page(status=http_status(exc), error=explain(exc), **forms)


def _page(
    *,
    status: int = 200,
    error: str | None = None,
    result: rules.TextCheck | None = None,
    test_form: FlaskForm | None = None,
    guideline_form: FlaskForm | None = None,
    priority_form: FlaskForm | None = None,
):
    return render_template(
        "supervise/rules.html",
        guideline_rules=rules.list_rules("guideline"),
        priority_rules=rules.list_rules("priority"),
        sla_targets=rules.list_sla_targets(),
        kind_names=KIND_NAMES,
        check_names=CHECK_NAMES,
        can_set_sla=current_user.can(Role.ADMIN),
        error=error,
        result=result,
        test_form=test_form,
        guideline_form=guideline_form,
        priority_form=priority_form,
    ), status
