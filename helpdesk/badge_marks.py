"""Template globals for responders' badges: the small mark beside a number, and the list."""

from __future__ import annotations

from flask import Flask
from markupsafe import Markup, escape

from helpdesk.services.badges import badges_of


def badge_mark(number: str | None) -> Markup:
    """Icons of an employee's latest badges with every badge's name in the title, or nothing.

    Reads every badge once per request (badges_by_number), however many numbers a page shows.
    """
    earned = badges_of(number)
    if not earned:
        return Markup("")
    names = escape(", ".join(b.title for b in earned))
    icons = "".join(b.icon for b in earned[-3:])
    more = (
        Markup('<span class="badge-more">+{}</span>').format(len(earned) - 3)
        if len(earned) > 3
        else ""
    )
    return Markup(
        '<span class="badge-mark" data-badges="{}" title="{}" aria-label="{}">{}{}</span>'
    ).format(len(earned), names, names, icons, more)


def register(app: Flask) -> None:
    """Install badge_mark and badges_of as template globals."""
    app.add_template_global(badge_mark, "badge_mark")
    app.add_template_global(badges_of, "badges_of")
