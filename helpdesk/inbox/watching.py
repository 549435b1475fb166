"""Live presence on a mention: a mention page reports viewing or typing; the inbox and the
mention page poll who else is there (ETag: almost every poll is a 304)."""

from __future__ import annotations

import time

import redis
from flask import abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm

from helpdesk.inbox import bp
from helpdesk.models import Role
from helpdesk.services import watching
from helpdesk.web.access import role_required
from helpdesk.web.routing import MAX_ID


@bp.get("/inbox/presence")
@role_required(Role.TRAINEE)
def presence_live() -> ResponseReturnValue:
    """Who views and who types on the mentions `ids` (comma-separated, at most 50)."""
    ids = _ids(request.args.get("ids", ""))
    now = time.time()
    try:
        tag = watching.etag(at=now)
    except redis.RedisError:
        abort(503)
    if request.if_none_match.contains(tag):
        response = current_app.response_class(status=304)
    else:
        seen = watching.who(ids, at=now)
        response = jsonify(
            {
                "now": round(now, 1),
                "items": {
                    str(mention_id): {
                        kind: [w.as_dict() for w in people] for kind, people in kinds.items()
                    }
                    for mention_id, kinds in seen.items()
                },
            }
        )
    response.set_etag(tag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.post("/mentions/<id:mention_id>/presence")
@role_required(Role.TRAINEE)
def presence_note(mention_id: int) -> ResponseReturnValue:
    """My mention page says I am viewing it, typing a reply, or gone (the form's `state`)."""
    FlaskForm().validate_on_submit()  # CSRF is checked for every POST before we get here
    try:
        state = watching.WatchState(request.form.get("state", ""))
    except ValueError:
        abort(400)
    try:
        watching.note(mention_id, current_user.number, state)
    except redis.RedisError:
        abort(503)
    return "", 204


def _ids(raw: str) -> list[int]:
    parts = [part for part in raw.split(",") if part]
    if not parts or len(parts) > watching.MAX_IDS:
        abort(400)
    ids = []
    for part in parts:
        if (
            not part.isascii()
            or not part.isdigit()
            or len(part) > 19
            or not 1 <= int(part) <= MAX_ID
        ):
            abort(400)
        ids.append(int(part))
    return list(dict.fromkeys(ids))
