"""The costs page: what the desk's calls to X cost, by day and kind, and X's prices (editable)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from helpdesk.models import Role
from helpdesk.models.types import utcnow
from helpdesk.services import costs, periods
from helpdesk.services.errors import NotFound, ServiceError, http_status
from helpdesk.supervise import bp
from helpdesk.web.access import role_required
from helpdesk.web.forms import first_error
from helpdesk.web.refusals import explain

KIND_NAMES = {
    "owned_read": _l("Mentions and own posts read"),
    "post_read": _l("Posts read"),
    "user_read": _l("Users read"),
    "dm_read": _l("DMs read"),
    "post": _l("Post"),
    "post_with_link": _l("Post or reply with a link"),
    "reply": _l("Reply to a post that mentioned us"),
    "dm": _l("DM sent"),
    "other": _l("Other calls (not priced)"),
}
UNIT_NAMES = {
    "owned_read": _l("per post"),
    "post_read": _l("per post"),
    "user_read": _l("per user"),
    "dm_read": _l("per DM event"),
    "post": _l("per post"),
    "post_with_link": _l("per post"),
    "reply": _l("per reply"),
    "dm": _l("per DM"),
}
_TOO_LONG = _l("Give a price like 0.015.")


class PriceForm(FlaskForm):
    """Change one kind's price, in US dollars."""

    usd = StringField(_l("Price (US$)"), validators=[Length(max=40, message=_TOO_LONG)])


class CapForm(FlaskForm):
    """Change X's monthly post-read cap."""

    cap = StringField(
        _l("Post reads a month"),
        validators=[Length(max=40, message=_l("Give the cap as a whole number."))],
    )


@bp.get("/costs")
@role_required(Role.SUPERVISOR)
def costs_page() -> ResponseReturnValue:
    """X's spend: today, this month and its projection, per answered mention, by day and kind."""
    return _page()


@bp.post("/costs/prices/<kind>")
@role_required(Role.SUPERVISOR)
def set_price(kind: str) -> ResponseReturnValue:
    """Change the price of one kind of call (supervisors); audited."""
    form = PriceForm()
    if not form.validate_on_submit():
        return _page(status=400, error=first_error(form))
    try:
        costs.set_price(kind, form.usd.data or "", actor=current_user)
    except NotFound:
        abort(404)
    except ServiceError as exc:
        return _page(status=http_status(exc), error=explain(exc))
    flash(_("Price of “%(kind)s” saved.", kind=KIND_NAMES[kind]), "success")
    return redirect(url_for(".costs_page"))


@bp.post("/costs/cap")
@role_required(Role.SUPERVISOR)
def set_post_read_cap() -> ResponseReturnValue:
    """Change X's monthly post-read cap as the desk keeps it (supervisors); audited."""
    form = CapForm()
    if not form.validate_on_submit():
        return _page(status=400, error=first_error(form))
    try:
        costs.set_post_read_cap(form.cap.data or "", actor=current_user)
    except ServiceError as exc:
        return _page(status=http_status(exc), error=explain(exc))
    flash(_("Post-read cap saved."), "success")
    return redirect(url_for(".costs_page"))


def _page(*, status: int = 200, error: str | None = None):
    tz = current_app.config["HELPDESK"].timezone
    # On a refused POST the page shows its default period: the query string is the form's.
    args = request.args if request.method == "GET" else {}
    name, raw_from, raw_to = (args.get(k, "") for k in ("period", "from", "to"))
    now = utcnow()
    figures = None
    try:
        period = periods.parse(periods.COSTS_PAGE, name, raw_from, raw_to, tz, now=now)
        figures = costs.costs(period.start, period.end, tz, now=now)
        shown = period.name
    except ServiceError as exc:
        shown = periods.requested(periods.COSTS_PAGE, name, raw_from, raw_to)
        error, status = error or explain(exc), status if error else http_status(exc)
    return render_template(
        "supervise/costs.html",
        figures=figures,
        prices=costs.list_prices(),
        cap=costs.post_read_cap(),
        kind_names=KIND_NAMES,
        unit_names=UNIT_NAMES,
        period=shown,
        raw_from=raw_from,
        raw_to=raw_to,
        error=error,
        tz=tz,
    ), status
