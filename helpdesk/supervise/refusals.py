"""Moved to helpdesk/web/refusals.py; kept for branches that still import it from here."""

from __future__ import annotations

from helpdesk.web.refusals import explain

__all__ = ["explain"]
