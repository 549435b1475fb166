"""API for replies: the composer's preview, one reply, and a supervisor's approve or reject."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user

from helpdesk.api import bp
from helpdesk.api.auth import json_body, token_required
from helpdesk.api.serializers import reply_json
from helpdesk.models import Role
from helpdesk.services import costs, mentions, replies
from helpdesk.web.errors import ApiError
from helpdesk.web.findings import cost_for_api, for_api
from helpdesk.web.routing import MAX_ID


@bp.post("/replies/preview")
@token_required()
def preview_reply() -> ResponseReturnValue:
    """The composer's live check: signed text, weighted length, violations, and what X charges
    for the reply (a link costs far more); stores nothing."""
    body = json_body()
    mention_id = body.get("mention_id")
    if mention_id is not None and (not isinstance(mention_id, int) or isinstance(mention_id, bool)):
        raise ApiError(400, "invalid_request", "mention_id must be a whole number.")
    if mention_id is not None and not 1 <= mention_id <= MAX_ID:  # as <id:...> in a path
        raise ApiError(404, "not_found", f"No mention {mention_id}.")
    mention = mentions.get_mention(mention_id) if mention_id is not None else None
    answer = replies.preview(body.get("text"), current_user, mention).as_dict()
    cost = cost_for_api(costs.reply_cost(answer["text"]).as_dict())
    return jsonify({**answer, "violations": for_api(answer["violations"]), "cost": cost})


@bp.get("/replies/<id:reply_id>")
@token_required()
def get_reply(reply_id: int) -> ResponseReturnValue:
    """One reply."""
    return jsonify(reply_json(replies.get_reply(reply_id)))


@bp.post("/replies/<id:reply_id>/approve")
@token_required(Role.SUPERVISOR)
def approve_reply(reply_id: int) -> ResponseReturnValue:
    """A supervisor approves a trainee's reply."""
    return jsonify({"reply": reply_json(replies.approve(reply_id, current_user))})


@bp.post("/replies/<id:reply_id>/reject")
@token_required(Role.SUPERVISOR)
def reject_reply(reply_id: int) -> ResponseReturnValue:
    """A supervisor rejects a trainee's reply with a reason."""
    reason = json_body().get("reason")
    return jsonify({"reply": reply_json(replies.reject(reply_id, current_user, reason))})
