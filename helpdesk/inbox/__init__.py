"""The agent's inbox: the list of mentions, a mention's page, claims, replies and dismissals."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("inbox", __name__)

# The route module adds its views to bp; it imports bp from here, so it comes last.
from helpdesk.inbox import views  # noqa: E402

__all__ = ["bp", "views"]
