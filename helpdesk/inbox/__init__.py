"""The agent's inbox: the list of mentions, a mention's page, claims, replies and dismissals."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("inbox", __name__)

# The route modules add their views to bp; they import bp from here, so they come last.
from helpdesk.inbox import notes, routing, tags, views, watching  # noqa: E402

__all__ = ["bp", "notes", "routing", "tags", "views", "watching"]
