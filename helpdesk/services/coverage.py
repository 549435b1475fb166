"""Coverage for a period: how many mentions were answered, how fast, by whom and at what hour,
and how often each guideline rule fired."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from helpdesk.extensions import db
from helpdesk.models import (
    Employee,
    GuidelineHit,
    GuidelineOutcome,
    Mention,
    MentionKind,
    MentionStatus,
    Priority,
    Reply,
    ReplyStatus,
    Tag,
    mention_tags,
)
from helpdesk.models.types import utcnow
from helpdesk.services import rollup_figures
from helpdesk.services.errors import InvalidInput
from helpdesk.services.escalation import sla_seconds
from helpdesk.services.histogram import percentile

RESPONDED = (MentionStatus.ANSWERED, MentionStatus.ANSWERED_ELSEWHERE)


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _zone(tz: str | tzinfo) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def coverage(
    start: datetime, end: datetime, tz: str | tzinfo, *, now: datetime | None = None
) -> dict[str, object]:
    """The figures for mentions created in [start, end), hours counted in `tz`, read from the
    roll-ups (services/rollup_figures.py): counts exact, percentiles within 1%."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("coverage needs tz-aware datetimes")
    if start >= end:
        raise InvalidInput("from must be before to.", parameter="from")
    figures = rollup_figures.figures(start, end, tz, now=now)
    return {**figures, "guideline_hits": _guideline_hits(start, end)}


def coverage_exact(
    start: datetime, end: datetime, tz: str | tzinfo, *, now: datetime | None = None
) -> dict[str, object]:
    """The same figures computed from every mention of the period: the reference the roll-ups
    are tested against (and the benchmarks' old path); slow over long periods."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("coverage needs tz-aware datetimes")
    if start >= end:
        raise InvalidInput("from must be before to.", parameter="from")
    zone, now = _zone(tz), now or utcnow()
    in_period = sa.and_(Mention.created_at >= start, Mention.created_at < end)

    counts = dict(
        db.session.execute(
            sa.select(Mention.status, sa.func.count()).where(in_period).group_by(Mention.status)
        ).all()
    )
    by_status = {status: counts.get(status, 0) for status in MentionStatus}
    total = sum(by_status.values())
    due = total - by_status[MentionStatus.DISMISSED]

    first_posted = (
        # Only the period's replies: grouping every posted reply ever costs seconds at 1M.
        sa.select(Reply.mention_id, sa.func.min(Reply.posted_at).label("posted_at"))
        .join(Mention, Mention.id == Reply.mention_id)
        .where(Reply.status == ReplyStatus.POSTED, in_period)
        .group_by(Reply.mention_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            Mention.id,
            Mention.created_at,
            Mention.status,
            Mention.priority,
            Mention.closed_at,
            Mention.kind,
            first_posted.c.posted_at,
        )
        .outerjoin(first_posted, first_posted.c.mention_id == Mention.id)
        .where(in_period)
    ).all()

    response_times: list[float] = []
    within_sla = 0
    sla = {priority.value: sla_seconds(priority) for priority in Priority}  # once, not per row
    oldest_open: tuple[datetime, int] | None = None
    hours = [{"hour": hour, "received": 0, "answered": 0} for hour in range(24)]
    channels = {kind.value: _ChannelTally() for kind in MentionKind}
    for row in rows:
        tally = channels[getattr(row.kind, "value", row.kind)]
        tally.by_status[getattr(row.status, "value", row.status)] += 1
        bucket = hours[row.created_at.astimezone(zone).hour]
        bucket["received"] += 1
        if row.status in RESPONDED:
            bucket["answered"] += 1
        if row.status is MentionStatus.OPEN and (
            oldest_open is None or (row.created_at, row.id) < oldest_open
        ):
            oldest_open = (row.created_at, row.id)
        first = _first_response(row.status, row.posted_at, row.closed_at)
        if first is None:
            continue
        waited = max((first - row.created_at).total_seconds(), 0.0)
        response_times.append(waited)
        tally.waits.append(waited)
        if waited <= sla[getattr(row.priority, "value", row.priority)]:
            within_sla += 1
            tally.met += 1
        else:
            tally.missed += 1

    return {
        "from": start,
        "to": end,
        "timezone": str(tz),
        "generated_at": now,
        "sla_seconds": {
            "normal": sla_seconds(Priority.NORMAL),
            "high": sla_seconds(Priority.HIGH),
        },
        "total": total,
        "answered": by_status[MentionStatus.ANSWERED],
        "answered_elsewhere": by_status[MentionStatus.ANSWERED_ELSEWHERE],
        "dismissed": by_status[MentionStatus.DISMISSED],
        "open": by_status[MentionStatus.OPEN],
        "response_rate": _rate(
            by_status[MentionStatus.ANSWERED] + by_status[MentionStatus.ANSWERED_ELSEWHERE], due
        ),
        "responded": len(response_times),
        "within_sla": within_sla,
        "within_sla_rate": _rate(within_sla, due),
        "median_first_response_seconds": _seconds(percentile(response_times, 0.5)),
        "p90_first_response_seconds": _seconds(percentile(response_times, 0.9)),
        "oldest_open": (
            {
                "id": oldest_open[1],
                "created_at": oldest_open[0],
                "age_seconds": round((now - oldest_open[0]).total_seconds(), 3),
            }
            if oldest_open
            else None
        ),
        "per_employee": _per_employee(in_period),
        "per_hour": hours,
        "by_channel": [
            rollup_figures.channel_row(
                channel,
                tally.by_status,
                len(tally.waits),
                tally.met,
                tally.missed,
                percentile(tally.waits, 0.5),
                percentile(tally.waits, 0.9),
            )
            for channel, tally in channels.items()
        ],
        "moved_to_dm": _moved_exact(in_period),
        "guideline_hits": _guideline_hits(start, end),
        "by_tag": _by_tag_exact(in_period, first_posted, sla),
    }


@dataclass
class _ChannelTally:
    by_status: dict[str, int] = field(
        default_factory=lambda: {status.value: 0 for status in MentionStatus}
    )
    met: int = 0
    missed: int = 0
    waits: list[float] = field(default_factory=list)


def _moved_exact(in_period: sa.ColumnElement[bool]) -> dict[str, object]:
    """The period's public mentions moved to DM, of which a DM is linked, of which answered."""
    dm = aliased(Mention)
    linked = sa.exists().where(dm.dm_of_mention_id == Mention.id)
    answered = sa.exists().where(dm.dm_of_mention_id == Mention.id, dm.status.in_(RESPONDED))
    moved, received, done = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((linked, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((answered, 1), else_=0)), 0),
        ).where(in_period, Mention.kind == MentionKind.POST, Mention.moved_to_dm_at.is_not(None))
    ).one()
    return rollup_figures.moved_row(int(moved), int(received), int(done))


def _by_tag_exact(
    in_period: sa.ColumnElement[bool], first_posted: sa.Subquery, sla: dict[str, int]
) -> list[dict[str, object]]:
    """Per tag, from every tagged mention of the period: a mention counts under each tag."""
    rows = db.session.execute(
        sa.select(
            Tag.name,
            Mention.status,
            Mention.priority,
            Mention.created_at,
            Mention.closed_at,
            first_posted.c.posted_at,
        )
        .join(mention_tags, mention_tags.c.mention_id == Mention.id)
        .join(Tag, Tag.id == mention_tags.c.tag_id)
        .outerjoin(first_posted, first_posted.c.mention_id == Mention.id)
        .where(in_period)
    ).all()
    per_tag: dict[str, dict[str, int]] = {}
    for name, status, priority, created_at, closed_at, posted_at in rows:
        row = per_tag.setdefault(
            name, {**{s.value: 0 for s in MentionStatus}, "responded": 0, "within_sla": 0}
        )
        row[MentionStatus(status).value] += 1
        first = _first_response(MentionStatus(status), posted_at, closed_at)
        if first is None:
            continue
        row["responded"] += 1
        waited = max((first - created_at).total_seconds(), 0.0)
        if waited <= sla[getattr(priority, "value", priority)]:
            row["within_sla"] += 1
    return rollup_figures.tag_figures(per_tag)


def _first_response(
    status: MentionStatus, posted_at: datetime | None, closed_at: datetime | None
) -> datetime | None:
    """Our posted reply's time; for a mention answered outside the app, when we saw that."""
    if posted_at is not None:
        return posted_at
    if status is MentionStatus.ANSWERED_ELSEWHERE:
        return closed_at
    return None


def _per_employee(in_period: sa.ColumnElement[bool]) -> list[dict[str, object]]:
    """Replies posted to the period's mentions, per author, with their median response time."""
    rows = db.session.execute(
        sa.select(Employee.number, Employee.name, Reply.posted_at, Mention.created_at)
        .join(Reply, Reply.author_id == Employee.id)
        .join(Mention, Mention.id == Reply.mention_id)
        .where(in_period, Reply.status == ReplyStatus.POSTED, Reply.posted_at.is_not(None))
    ).all()
    waits: dict[tuple[str, str], list[float]] = defaultdict(list)
    for row in rows:
        waits[(row.number, row.name)].append(
            max((row.posted_at - row.created_at).total_seconds(), 0.0)
        )
    people = [
        {
            "number": number,
            "name": name,
            "replies_posted": len(times),
            "median_response_seconds": _seconds(percentile(times, 0.5)),
        }
        for (number, name), times in waits.items()
    ]
    return sorted(people, key=lambda p: (-int(p["replies_posted"]), p["number"]))


def _guideline_hits(start: datetime, end: datetime) -> list[dict[str, object]]:
    """How often each rule (and severity) fired on submits in [start, end), by outcome."""
    rows = db.session.execute(
        sa.select(GuidelineHit.rule, GuidelineHit.severity, GuidelineHit.outcome, sa.func.count())
        .where(GuidelineHit.at >= start, GuidelineHit.at < end)
        .group_by(GuidelineHit.rule, GuidelineHit.severity, GuidelineHit.outcome)
    ).all()
    counts: dict[tuple[str, str], dict[str, object]] = {}
    for rule, severity, outcome, count in rows:
        entry = counts.setdefault(
            (rule, severity),
            {"rule": rule, "severity": severity, **{o.value: 0 for o in GuidelineOutcome}},
        )
        entry[GuidelineOutcome(outcome).value] = count

    def total(entry: dict[str, object]) -> int:
        return sum(int(entry[o.value]) for o in GuidelineOutcome)

    return sorted(counts.values(), key=lambda e: (-total(e), e["rule"], e["severity"]))
