"""Internal notes on the mention page and the notifications page their `@0427` mentions fill."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from helpdesk.inbox import bp
from helpdesk.inbox.forms import NoteForm
from helpdesk.inbox.views import render_mention_page
from helpdesk.models import Role
from helpdesk.services import notes
from helpdesk.services.errors import NotFound, ServiceError, http_status
from helpdesk.web.access import role_required


@bp.app_context_processor
def _notes_context() -> dict[str, object]:
    """Every page's navigation asks `unread_notes()` (Redis, no database statement)."""

    def unread_notes() -> int | None:
        if not current_user.is_authenticated:
            return None
        return notes.unread_count(current_user.id)

    return {"unread_notes": unread_notes}


@bp.post("/mentions/<id:mention_id>/notes")
@role_required(Role.TRAINEE)
def add_note(mention_id: int) -> ResponseReturnValue:
    """Keep an internal note on the mention or its customer (never posted)."""
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        return render_mention_page(mention_id, status=400, note_form=form)
    about = "customer" if form.about_customer.data else "mention"
    try:
        notes.add_note(mention_id, current_user, form.text.data or "", about)
    except NotFound:
        abort(404)
    except ServiceError as exc:
        return render_mention_page(
            mention_id, status=http_status(exc), note_error=exc, note_form=form
        )
    flash(_("Note added (staff only, never posted)."), "success")
    return redirect(url_for(".mention", mention_id=mention_id) + "#notes")


@bp.get("/notifications")
@role_required(Role.TRAINEE)
def notifications() -> ResponseReturnValue:
    """Notes that name me with `@number`, newest first; opening the page marks them read."""
    rows, unread = notes.read_notifications(current_user)
    return render_template("inbox/notifications.html", rows=rows, unread=unread)
