"""Tags on the mention page: the agent ticks the desk's tags (suggested ones first) and saves."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from helpdesk.inbox import bp
from helpdesk.inbox.forms import TagsForm
from helpdesk.inbox.views import render_mention_page
from helpdesk.models import Role
from helpdesk.services import tagging
from helpdesk.services.errors import NotFound, ServiceError, http_status
from helpdesk.web.access import role_required


@bp.post("/mentions/<id:mention_id>/tags")
@role_required(Role.TRAINEE)
def set_tags(mention_id: int) -> ResponseReturnValue:
    """Replace the mention's tags with the ticked ones (none ticked: no tags)."""
    form = TagsForm()
    wanted = request.form.getlist("tags")
    if not form.validate_on_submit():
        return render_mention_page(mention_id, status=400, tags_wanted=wanted)
    try:
        tagging.set_mention_tags(mention_id, wanted, current_user)
    except NotFound:
        abort(404)
    except ServiceError as exc:
        return render_mention_page(
            mention_id, status=http_status(exc), tag_error=exc, tags_wanted=wanted
        )
    flash(_("Tags saved."), "success")
    return redirect(url_for(".mention", mention_id=mention_id) + "#tags")
