"""The SLA countdown shown on open inbox rows and the mention page: time left, or overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from helpdesk.models import Mention, MentionStatus
from helpdesk.services import escalation
from helpdesk.web.templating import duration, iso


@dataclass(frozen=True)
class Countdown:
    """An open mention's SLA: its due time (ISO, for the script), seconds left and the words."""

    due: str
    remaining: int
    overdue: bool
    text: str


def countdown(mention: Mention, now: datetime) -> Countdown | None:
    """The mention's SLA countdown at `now`; None once it is no longer open."""
    if mention.status is not MentionStatus.OPEN:
        return None
    due = escalation.due_at(mention)
    remaining = int((due - now).total_seconds())
    if remaining <= 0:
        return Countdown(iso(due), remaining, True, _("overdue"))
    return Countdown(iso(due), remaining, False, _("%(time)s left", time=duration(remaining)))


def strings() -> dict[str, str]:
    """The countdown's words for static/sla.js, in the reader's language."""
    return {"sla_left": _("%(time)s left", time="{time}"), "sla_overdue": _("overdue")}


def register(app) -> None:
    """Make `sla_countdown(mention, now)` available to every template."""
    app.add_template_global(countdown, "sla_countdown")
