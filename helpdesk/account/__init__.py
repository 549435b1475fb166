"""An employee's own account: password change and personal API tokens."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

# The route module adds its views to bp; it imports bp from here, so it comes last.
from helpdesk.account import views  # noqa: E402

__all__ = ["bp", "views"]
