"""API for mentions: list, read, claim, release, reply, dismiss, escalate and internal notes."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from helpdesk.api import bp
from helpdesk.api.auth import int_arg, json_body, token_required
from helpdesk.api.serializers import (
    escalation_json,
    mention_json,
    mentions_json,
    note_json,
    reply_json,
    suggestion_json,
)
from helpdesk.services import dms, escalation, inbox, mentions, notes, replies, tagging
from helpdesk.web.errors import ApiError


@bp.get("/mentions")
@token_required()
def list_mentions() -> ResponseReturnValue:
    """A keyset page of mentions by status (and kind, and tag), in the customer's order or by
    priority."""
    page = inbox.list_mentions(
        request.args.get("status") or "open",
        limit=int_arg("limit", 50),
        cursor=request.args.get("cursor"),
        employee=current_user,
        search=request.args.get("q"),
        sort=request.args.get("sort") or None,
        kind=request.args.get("kind"),
        tag=request.args.get("tag") or None,
    )
    return jsonify({"items": mentions_json(page.items), "next_cursor": page.next_cursor})


@bp.get("/mentions/<id:mention_id>")
@token_required()
def get_mention(mention_id: int) -> ResponseReturnValue:
    """One mention with its replies."""
    mention = mentions.get_mention(mention_id)
    body = mention_json(mention)
    body["replies"] = [reply_json(r) for r in inbox.replies_for([mention.id])]
    return jsonify(body)


@bp.post("/mentions/<id:mention_id>/claim")
@token_required()
def claim(mention_id: int) -> ResponseReturnValue:
    """Claim a mention; 409 already_claimed names who holds it."""
    return jsonify(mention_json(inbox.claim(mention_id, current_user)))


@bp.post("/mentions/<id:mention_id>/release")
@token_required()
def release(mention_id: int) -> ResponseReturnValue:
    """Drop my claim."""
    return jsonify(mention_json(inbox.release(mention_id, current_user)))


@bp.post("/mentions/<id:mention_id>/replies")
@token_required()
def create_reply(mention_id: int) -> ResponseReturnValue:
    """Accept a reply for posting (202); 422 guideline_violation lists the findings."""
    body = json_body()
    confirm = body.get("confirm_warnings", False)
    if not isinstance(confirm, bool):
        raise ApiError(400, "invalid_request", "confirm_warnings must be true or false.")
    reply = replies.create_reply(
        mention_id, current_user, body.get("text"), confirm_warnings=confirm
    )
    return jsonify({"reply": reply_json(reply)}), 202


@bp.post("/mentions/<id:mention_id>/dismiss")
@token_required()
def dismiss(mention_id: int) -> ResponseReturnValue:
    """Close a mention without a reply, with a reason."""
    reason = json_body().get("reason")
    return jsonify(mention_json(inbox.dismiss(mention_id, current_user, reason)))


@bp.post("/mentions/<id:mention_id>/escalate")
@token_required()
def escalate(mention_id: int) -> ResponseReturnValue:
    """Raise a mention to supervisors with a reason; 409 already_escalated when one is open."""
    reason = json_body().get("reason")
    created = escalation.escalate(mention_id, current_user, reason)
    return jsonify({"escalation": escalation_json(created)}), 201


@bp.post("/mentions/<id:mention_id>/move-to-dm")
@token_required()
def move_to_dm(mention_id: int) -> ResponseReturnValue:
    """Answer in public with an invitation to DM (202, queued like any reply); the customer's
    next DM is linked to this mention."""
    body = json_body()
    confirm = body.get("confirm_warnings", False)
    if not isinstance(confirm, bool):
        raise ApiError(400, "invalid_request", "confirm_warnings must be true or false.")
    reply = dms.move_to_dm(mention_id, current_user, body.get("text"), confirm_warnings=confirm)
    return jsonify({"reply": reply_json(reply)}), 202


@bp.get("/mentions/<id:mention_id>/notes")
@token_required()
def list_notes(mention_id: int) -> ResponseReturnValue:
    """The internal notes on a mention and on its customer, oldest first."""
    return jsonify({"items": [note_json(n) for n in notes.notes_for_mention(mention_id)]})


@bp.post("/mentions/<id:mention_id>/notes")
@token_required()
def create_note(mention_id: int) -> ResponseReturnValue:
    """Keep a staff-only note (201): never posted; `@0427` notifies that colleague."""
    body = json_body()
    note = notes.add_note(mention_id, current_user, body.get("text"), body.get("about"))
    return jsonify({"note": note_json(note)}), 201


@bp.put("/mentions/<id:mention_id>/tags")
@token_required()
def set_tags(mention_id: int) -> ResponseReturnValue:
    """Replace a mention's tags with names from the desk's list (422 unknown_tag lists them)."""
    mention = tagging.set_mention_tags(mention_id, json_body().get("tags"), current_user)
    return jsonify(mention_json(mention))


@bp.get("/mentions/<id:mention_id>/tags/suggestions")
@token_required()
def tag_suggestions(mention_id: int) -> ResponseReturnValue:
    """At most five tags for a mention: named in its text first, then by colleagues' tagging."""
    return jsonify({"items": [suggestion_json(s) for s in tagging.suggest_tags(mention_id)]})
