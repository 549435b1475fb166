"""Template helpers in one place: times in the employee's zone, ages, durations, labels, badges."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, url_for
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from helpdesk.models.types import utcnow
from helpdesk.services.badges import badges_of
from helpdesk.web import formatting
from helpdesk.web.findings import describe


def local_time(value: datetime | None, fmt: str = "short") -> str:
    """A UTC datetime shown in the employee's zone (Flask-Babel's selected time zone)."""
    return formatting.local(value, fmt) if value else ""


def age(value: datetime | None, now: datetime | None = None) -> str:
    """How long ago `value` was, in the request's language ("5分前", "5 minutes ago")."""
    if value is None:
        return ""
    return formatting.relative(value, now or utcnow())  # in the past: Babel says "ago"


def iso(value: datetime | None) -> str:
    """ISO 8601 in UTC, for <time datetime=...>."""
    return value.isoformat().replace("+00:00", "Z") if value else ""


def day_in(value: datetime | None, tz: str) -> str:
    """The calendar day (2026-01-31) a UTC datetime falls on in zone `tz`."""
    return value.astimezone(ZoneInfo(tz)).date().isoformat() if value else ""


def duration(seconds: float | None) -> str:
    """Seconds as h:mm:ss (or m:ss under an hour); an em dash when unknown."""
    if seconds is None:
        return "—"
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def percent(value: float | None) -> str:
    """A share as a percentage with one decimal; an em dash when there is nothing to divide."""
    return "—" if value is None else f"{value * 100:.1f}%"


_LABELS: dict[str, dict[str, LazyString]] = {
    "role": {
        "trainee": _l("trainee"),
        "agent": _l("agent"),
        "supervisor": _l("supervisor"),
        "admin": _l("admin"),
    },
    "mention": {
        "open": _l("open"),
        "answered": _l("answered"),
        "answered_elsewhere": _l("answered elsewhere"),
        "dismissed": _l("dismissed"),
    },
    "priority": {"normal": _l("normal"), "high": _l("high")},
    "proof_step": {  # coverage_proof.STEPS, as a long period's proof job reaches each
        "mentions": _l("reading every mention of the period"),
        "runs": _l("checking the ingest runs"),
        "audit": _l("verifying the audit chain"),
        "signing": _l("writing and signing the report"),
    },
    "reply": {
        "pending_approval": _l("waiting for approval"),
        "queued": _l("queued"),
        "posting": _l("posting"),
        "posted": _l("posted"),
        "failed": _l("failed"),
        "rejected": _l("rejected"),
    },
    "severity": {"block": _l("blocks sending"), "warn": _l("warning")},
    "rule": {
        "empty": _l("Write an answer: the reply has nothing besides the signature."),
        "control_character": _l(
            "Control or invisible characters: delete them; only line breaks are allowed."
        ),
        "length": _l("Too long: at most 280, counted as X counts, signature included."),
        "personal_data": _l("Personal data in a public reply: remove it and move to DM."),
        "banned_term": _l("A banned or confidential term: remove it."),
        "link_domain": _l("A link outside the allowed domains."),
        "third_party_mention": _l("Mentions someone other than the customer."),
        "unfilled_gap": _l("A gap of the canned reply is still to fill in."),
    },
}


def label(kind: str, value: object) -> str:
    """The translated word for a status, priority, role, severity or guideline rule."""
    key = getattr(value, "value", value)
    state = formatting.current()
    words = state.words if state else {}
    word = words.get((kind, key))
    if word is None:
        found = _LABELS.get(kind, {}).get(str(key))
        word = words[kind, key] = str(found) if found is not None else str(key)
    return word


def labels(kind: str) -> dict[str, str]:
    """Every translated word of one kind, for the page's scripts."""
    return {key: str(text) for key, text in _LABELS[kind].items()}


def mention_url(mention_id: int) -> str:
    """The mention page's path; lists link every row, so url_for runs once a request."""
    state = formatting.current()
    prefix = state.words.get("mention_url") if state else None
    if prefix is None:
        built = url_for("inbox.mention", mention_id=1)
        if not state or not built.endswith("/1"):
            return url_for("inbox.mention", mention_id=mention_id)
        prefix = state.words["mention_url"] = built[:-1]
    return f"{prefix}{int(mention_id)}"


_PROBE = 987654321  # an id no route has: where it lands in a built path, the id goes


def id_url(endpoint: str, name: str, value: int) -> str:
    """url_for(endpoint, **{name: value}) for an int id, built once a request per endpoint
    (rows with forms link three routes each; url_for costs more than the row's text)."""
    state = formatting.current()
    key = ("id_url", endpoint, name)
    parts = state.words.get(key) if state else None
    if parts is None:
        built = url_for(endpoint, **{name: _PROBE})
        if not state or built.count(str(_PROBE)) != 1:
            return url_for(endpoint, **{name: value})
        parts = state.words[key] = tuple(built.split(str(_PROBE)))
    return f"{parts[0]}{int(value)}{parts[1]}"


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
    """Install the filters and globals on the app's Jinja environment."""
    app.jinja_env.install_gettext_callables(  # the request's catalogue, found once a request
        gettext=formatting.gettext,
        ngettext=formatting.ngettext,
        newstyle=True,
        pgettext=formatting.pgettext,
        npgettext=formatting.npgettext,
    )
    # `_` itself, not Jinja's alias that looks `gettext` up and wraps it on every call.
    app.jinja_env.globals["_"] = formatting.template_gettext
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(age, "age")
    app.add_template_filter(iso, "iso")
    app.add_template_filter(day_in, "day_in")
    app.add_template_filter(duration, "duration")
    app.add_template_filter(percent, "percent")
    app.add_template_filter(formatting.money, "money")
    app.add_template_global(label, "label")
    app.add_template_filter(describe, "finding")
    app.add_template_global(lambda: str(get_locale() or "ja"), "locale_code")
    app.add_template_global(badge_mark, "badge_mark")
    app.add_template_global(mention_url, "mention_url")
    app.add_template_global(id_url, "id_url")
    app.add_template_global(badges_of, "badges_of")
