"""Supervisors' pages: the escalation queue, people, canned replies, coverage, listening, rules,
what X costs and the audit log. One blueprint: name, URL prefix and template folder are all
"supervise"."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("supervise", __name__, url_prefix="/supervise")

# The route modules add their views to bp; they import it from here, so they come last.
from helpdesk.supervise import (  # noqa: E402
    audit,
    canned,
    costs,
    coverage,
    escalations,
    listening,
    people,
    rules,
)

__all__ = [
    "audit",
    "bp",
    "canned",
    "costs",
    "coverage",
    "escalations",
    "listening",
    "people",
    "rules",
]
