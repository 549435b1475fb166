"""The inbox's Next button, and what the desk's routing mode lets the reader do on its pages."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from helpdesk.inbox import bp
from helpdesk.models import Role
from helpdesk.services import routing
from helpdesk.services.errors import Conflict
from helpdesk.web.access import role_required
from helpdesk.web.refusals import explain


@bp.context_processor
def _routing_context() -> dict[str, object]:
    """Templates ask `may_pick()` whether to offer Claim buttons (not in next mode, for agents)."""

    answer: list[bool] = []  # asked at most once per page, however often the template asks

    def may_pick() -> bool:
        if not answer:
            answer.append(
                current_user.is_authenticated and routing.may_pick(current_user, for_page=True)
            )
        return answer[0]

    return {"may_pick": may_pick}


@bp.post("/inbox/next")
@role_required(Role.TRAINEE)
def next_mention() -> ResponseReturnValue:
    """Claim the most urgent mention I am fit for and open it; when none fits, say so."""
    FlaskForm().validate_on_submit()  # CSRF is checked for every POST before we get here
    try:
        mention = routing.next_for(current_user)
    except Conflict as exc:
        if exc.code != "at_capacity":
            raise
        flash(explain(exc), "info")
        return redirect(url_for(".index", status="mine"))
    if mention is None:
        flash(
            _(
                "Nothing fits you right now: every open mention is taken or waits for a"
                " colleague with its language or topic."
            ),
            "info",
        )
        return redirect(url_for(".index"))
    flash(_("This mention is yours now."), "success")
    return redirect(url_for(".mention", mention_id=mention.id))
