"""Responders' badges, derived from the audit log alone, stored idempotently, shown cheaply.

The rules, each read from the audit events (`reply.created` names the author and the mention,
`reply.posted` the moment the customer saw the answer, `reply.approved` / `reply.rejected` a
supervisor's decision):

- first_reply: the employee's first reply that was posted (lifetime).
- hundred_answered: 100 of the employee's replies posted (lifetime).
- fastest_median: in a calendar month of the desk's time zone, the lowest median time from
  the customer's tweet to our posted reply, among employees with at least 10 replies posted
  that month; a tie goes to the lower employee number. Until the month ends the badge moves
  to whoever leads; the tweet's time is X's own timestamp on the mention.
- approved_as_written: 10 of a trainee's replies approved as written. Approval cannot edit a
  reply, so "as written" means approved at the first try: no earlier reply of theirs to the
  same mention was rejected (lifetime).
- guideline_clean_streak: 50 replies in a row submitted with no guideline warning to
  confirm (`warnings_confirmed` false on `reply.created`; blocked drafts never become
  replies) (lifetime).
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, g
from flask_babel import lazy_gettext as _l

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, BadgeKind, Employee, EmployeeBadge, Mention
from helpdesk.models.badges import LIFETIME
from helpdesk.services import process_cache

HUNDRED = 100
FASTEST_MIN_REPLIES = 10
APPROVED_AS_WRITTEN = 10
CLEAN_STREAK = 50
_ACTIONS = ("reply.created", "reply.posted", "reply.approved", "reply.rejected")
_CHUNK = 900  # ids per IN (...): under SQLite's variable limit
CACHE_NAME = "badges"  # services/process_cache.py: every badge, read once per process

NAMES = {
    BadgeKind.FIRST_REPLY: _l("First reply"),
    BadgeKind.HUNDRED_ANSWERED: _l("100 answered"),
    BadgeKind.FASTEST_MEDIAN: _l("Fastest median response of the month"),
    BadgeKind.APPROVED_AS_WRITTEN: _l("Approved as written"),
    BadgeKind.GUIDELINE_CLEAN_STREAK: _l("Guideline-clean streak"),
}
ICONS = {
    BadgeKind.FIRST_REPLY: "①",
    BadgeKind.HUNDRED_ANSWERED: "💯",
    BadgeKind.FASTEST_MEDIAN: "⚡",
    BadgeKind.APPROVED_AS_WRITTEN: "✔",
    BadgeKind.GUIDELINE_CLEAN_STREAK: "✦",
}


@dataclass
class _Reply:
    """What the audit log says about one reply."""

    author: str
    mention_id: int | None
    created_at: datetime
    clean: bool
    trainee: bool
    posted_at: datetime | None = None
    posted_event: int | None = None
    x_tweet_id: str | None = None


@dataclass
class _Award:
    """A badge the rules give: who, which, for when, since when, and why."""

    number: str
    kind: BadgeKind
    period: str
    earned_at: datetime
    evidence: dict[str, object] = field(default_factory=dict)


def compute_badges(now: datetime) -> dict[str, int]:
    """Derive every badge from the audit log up to `now` and store it; running again adds
    nothing. Returns how many rows were added, changed and removed."""
    replies, approvals = _read_log(now)
    awards = _awards(replies, approvals, ZoneInfo(current_app.config["HELPDESK"].timezone))
    summary = _store(awards)
    db.session.commit()
    if summary["added"] or summary["changed"] or summary["removed"]:
        process_cache.changed(CACHE_NAME)
    return summary


def _read_log(now: datetime) -> tuple[dict[str, _Reply], list[tuple[str, sa.Row]]]:
    """Every reply the log knows, and the approvals/rejections in order."""
    replies: dict[str, _Reply] = {}
    decisions: list[tuple[str, sa.Row]] = []
    query = (
        sa.select(
            AuditEvent.id,
            AuditEvent.at,
            AuditEvent.actor_number,
            AuditEvent.action,
            AuditEvent.subject_id,
            AuditEvent.details,
        )
        .where(AuditEvent.action.in_(_ACTIONS), AuditEvent.at <= now)
        .order_by(AuditEvent.id)
        .execution_options(yield_per=1000)
    )
    for event in db.session.execute(query):
        details = json.loads(event.details or "{}")
        if event.action == "reply.created" and event.actor_number:
            mention_id = details.get("mention_id")
            replies[event.subject_id] = _Reply(
                author=event.actor_number,
                mention_id=int(mention_id) if mention_id is not None else None,
                created_at=event.at,
                clean=not details.get("warnings_confirmed"),
                trainee=details.get("status") == "pending_approval",
            )
        elif event.action == "reply.posted" and event.subject_id in replies:
            reply = replies[event.subject_id]
            reply.posted_at, reply.posted_event = event.at, event.id
            reply.x_tweet_id = details.get("x_tweet_id")
        elif event.action in ("reply.approved", "reply.rejected"):
            decisions.append((event.subject_id, event))
    return replies, decisions


def _awards(
    replies: dict[str, _Reply], decisions: list[tuple[str, sa.Row]], zone: ZoneInfo
) -> list[_Award]:
    """Apply every rule to what the log says."""
    by_author: dict[str, list[tuple[str, _Reply]]] = defaultdict(list)
    for reply_id, reply in replies.items():  # dicts keep insertion (log) order
        by_author[reply.author].append((reply_id, reply))
    awards: list[_Award] = []
    for number, items in by_author.items():
        awards += _posted_counts(number, items)
        awards += _clean_streak(number, items)
    awards += _approved_as_written(replies, decisions)
    awards += _fastest_medians(replies, zone)
    return awards


def _posted_counts(number: str, items: list[tuple[str, _Reply]]) -> list[_Award]:
    posted = sorted(
        ((r.posted_event, rid, r) for rid, r in items if r.posted_event is not None),
        key=lambda row: row[0],
    )
    awards = []
    for kind, nth in ((BadgeKind.FIRST_REPLY, 1), (BadgeKind.HUNDRED_ANSWERED, HUNDRED)):
        if len(posted) >= nth:
            event_id, reply_id, reply = posted[nth - 1]
            awards.append(
                _Award(
                    number,
                    kind,
                    LIFETIME,
                    reply.posted_at,
                    {
                        "count": nth,
                        "reply_id": int(reply_id),
                        "audit_event": event_id,
                        "x_tweet_id": reply.x_tweet_id,
                    },
                )
            )
    return awards


def _clean_streak(number: str, items: list[tuple[str, _Reply]]) -> list[_Award]:
    run: list[str] = []
    for reply_id, reply in items:
        run = run + [reply_id] if reply.clean else []
        if len(run) == CLEAN_STREAK:
            evidence = {
                "count": CLEAN_STREAK,
                "first_reply_id": int(run[0]),
                "last_reply_id": int(reply_id),
            }
            return [
                _Award(
                    number, BadgeKind.GUIDELINE_CLEAN_STREAK, LIFETIME, reply.created_at, evidence
                )
            ]
    return []


def _approved_as_written(
    replies: dict[str, _Reply], decisions: list[tuple[str, sa.Row]]
) -> list[_Award]:
    rejected: set[tuple[str, int | None]] = set()  # (author, mention) with a rejection so far
    counts: dict[str, list[int]] = defaultdict(list)
    awards = []
    for reply_id, event in decisions:
        reply = replies.get(reply_id)
        if reply is None:
            continue
        key = (reply.author, reply.mention_id)
        if event.action == "reply.rejected":
            rejected.add(key)
        elif key not in rejected:
            counts[reply.author].append(int(reply_id))
            if len(counts[reply.author]) == APPROVED_AS_WRITTEN:
                evidence = {
                    "count": APPROVED_AS_WRITTEN,
                    "reply_ids": counts[reply.author],
                    "audit_event": event.id,
                }
                awards.append(
                    _Award(
                        reply.author, BadgeKind.APPROVED_AS_WRITTEN, LIFETIME, event.at, evidence
                    )
                )
    return awards


def _fastest_medians(replies: dict[str, _Reply], zone: ZoneInfo) -> list[_Award]:
    posted = [r for r in replies.values() if r.posted_at is not None and r.mention_id]
    tweeted = _mention_times({r.mention_id for r in posted})
    months: dict[str, dict[str, list[tuple[float, datetime]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for r in posted:
        start = tweeted.get(r.mention_id)
        if start is None:
            continue
        month = r.posted_at.astimezone(zone).strftime("%Y-%m")
        seconds = (r.posted_at - start).total_seconds()
        months[month][r.author].append((seconds, r.posted_at))
    awards = []
    for month, by_author in sorted(months.items()):
        ranked = sorted(
            (statistics.median(s for s, _ in rows), number, rows)
            for number, rows in by_author.items()
            if len(rows) >= FASTEST_MIN_REPLIES
        )
        if ranked:
            median, number, rows = ranked[0]
            evidence = {"count": len(rows), "median_seconds": round(median, 3)}
            awards.append(
                _Award(number, BadgeKind.FASTEST_MEDIAN, month, max(at for _, at in rows), evidence)
            )
    return awards


def _mention_times(ids: set[int]) -> dict[int, datetime]:
    found: dict[int, datetime] = {}
    ordered = sorted(ids)
    for i in range(0, len(ordered), _CHUNK):
        part = ordered[i : i + _CHUNK]
        rows = db.session.execute(
            sa.select(Mention.id, Mention.created_at).where(Mention.id.in_(part))
        )
        found.update({row.id: row.created_at for row in rows})
    return found


def _store(awards: list[_Award]) -> dict[str, int]:
    """Make the table match the awards: insert the new, update what moved, drop what no
    longer holds (only a month's lead can move)."""
    employees = {
        row.number: row.id for row in db.session.execute(sa.select(Employee.number, Employee.id))
    }
    stored = {
        (row.employee_id, row.kind, row.period): row
        for row in db.session.scalars(sa.select(EmployeeBadge))
    }
    wanted = set()
    added = changed = removed = 0
    for award in awards:
        employee_id = employees.get(award.number)
        if employee_id is None:
            continue
        key = (employee_id, award.kind.value, award.period)
        wanted.add(key)
        evidence = json.dumps(award.evidence, sort_keys=True)
        row = stored.get(key)
        if row is None:
            db.session.add(
                EmployeeBadge(
                    employee_id=employee_id,
                    kind=award.kind.value,
                    period=award.period,
                    earned_at=award.earned_at,
                    evidence=evidence,
                )
            )
            added += 1
        elif row.evidence != evidence or row.earned_at != award.earned_at:
            row.evidence, row.earned_at = evidence, award.earned_at
            changed += 1
    for key, row in stored.items():
        if key not in wanted:
            db.session.delete(row)
            removed += 1
    return {"added": added, "changed": changed, "removed": removed, "total": len(wanted)}


@dataclass(frozen=True)
class Shown:
    """One badge as a page shows it."""

    kind: str
    period: str
    name: str
    icon: str
    earned_at: datetime

    @property
    def title(self) -> str:
        """The name, with the month for a monthly badge."""
        return self.name if self.period == LIFETIME else f"{self.name} ({self.period})"


def _earned_by_number() -> dict[str, tuple[tuple[str, str, datetime], ...]]:
    """Every badge as (kind, period, earned_at) by employee number, oldest first."""
    rows = db.session.execute(
        sa.select(
            Employee.number, EmployeeBadge.kind, EmployeeBadge.period, EmployeeBadge.earned_at
        )
        .join(Employee, Employee.id == EmployeeBadge.employee_id)
        .order_by(EmployeeBadge.earned_at, EmployeeBadge.id)
    )
    found: dict[str, list[tuple[str, str, datetime]]] = defaultdict(list)
    for row in rows:
        found[row.number].append((row.kind, row.period, row.earned_at))
    return {number: tuple(earned) for number, earned in found.items()}


def badges_of(number: str | None) -> list[Shown]:
    """One employee's badges, oldest first, named in the reader's language (template global).

    Every badge is read once per process until the badge job changes them (process_cache),
    and each number's are named once per request."""
    shown: dict[str, list[Shown]] = g.setdefault("badges_shown", {})
    key = number or ""
    if key not in shown:
        earned = process_cache.cached(CACHE_NAME, _earned_by_number).get(key, ())
        shown[key] = [
            Shown(kind, period, str(NAMES[BadgeKind(kind)]), ICONS[BadgeKind(kind)], earned_at)
            for kind, period, earned_at in earned
        ]
    return shown[key]
