"""Keeps each signed-in employee's presence fresh: a request is activity, a page's poll is not."""

from __future__ import annotations

import logging

import redis
from flask import Flask, Response, request
from flask_login import current_user

from helpdesk.services import presence

logger = logging.getLogger(__name__)

# The pages' own background polls (inbox rows, a mention's replies): the page is open, but
# nobody acted, so they keep an employee "away" rather than "online".
POLL_ENDPOINTS = frozenset({"inbox.live", "api.get_mention", "inbox.presence_live"})
# A mention page's heartbeat says the page is open; typing is reported the same way, and the
# reply itself, when sent, is the act.
BACKGROUND_POSTS = frozenset({"inbox.presence_note"})


def _note_request(response: Response) -> Response:
    if request.endpoint in (None, "static") or not current_user.is_authenticated:
        return response
    if response.status_code >= 400:  # refused (a stale form's token, a wrong id): not an act
        return response
    bearer = request.headers.get("Authorization", "").lower().startswith("bearer ")
    polling = not bearer and (
        (request.method == "GET" and request.endpoint in POLL_ENDPOINTS)
        or request.endpoint in BACKGROUND_POSTS
    )
    try:
        presence.touch(current_user.id, active=not polling)
    except redis.RedisError as exc:  # presence is a hint: never fail the request for it
        logger.warning("presence not recorded: %s", exc)
    return response


def register(app: Flask) -> None:
    """Note every served signed-in request's time once the view has answered."""
    app.after_request(_note_request)
