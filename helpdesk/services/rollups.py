"""Roll-ups kept exact: a bucket's figures computed from its mentions, the buckets changed since
the watermark refreshed by a job, and any range rebuilt from scratch to the same numbers."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Mention, MentionStatus, Priority, Reply
from helpdesk.models.rollups import (
    BUCKET_SECONDS,
    RollupCount,
    RollupEmployeeBin,
    RollupResponseBin,
    RollupState,
)
from helpdesk.models.types import utcnow
from helpdesk.services import rollup_days
from helpdesk.services.escalation import sla_seconds
from helpdesk.services.histogram import add_values

logger = logging.getLogger(__name__)

# A row changed at T may commit a little after T: anything changed within LAG before the
# watermark is looked at again (refreshing a bucket twice gives the same rows).
LAG = timedelta(seconds=120)
STATE_ID = 1
REBUILD_CHUNK = timedelta(days=7)  # mentions read per step of a rebuild: bounded memory
RESPONDED = (MentionStatus.ANSWERED, MentionStatus.ANSWERED_ELSEWHERE)


def bucket_of(when: datetime) -> int:
    """The bucket holding an instant (buckets are BUCKET_SECONDS long, from the epoch)."""
    return int(when.timestamp() // BUCKET_SECONDS)


def bucket_start(bucket: int) -> datetime:
    """When a bucket begins, in UTC."""
    return datetime.fromtimestamp(bucket * BUCKET_SECONDS, UTC)


def current_sla() -> dict[str, int]:
    """The SLA target of each priority now, in seconds."""
    return {priority.value: sla_seconds(priority) for priority in Priority}


@dataclass
class BucketFigures:
    """One bucket's exact figures, as computed from its mentions and replies."""

    # (status, priority) -> [mentions, responded, sla_met, sla_missed]
    counts: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    waits: list[float] = field(default_factory=list)  # first-response seconds
    employee_waits: dict[int, list[float]] = field(default_factory=dict)  # posted reply seconds


def _rows_in(start: datetime, end: datetime) -> sa.Select:
    """The mentions of [start, end), each with its posted replies (at most one: the outbox's
    unique live reply), driven by the mentions' time index on SQLite and PostgreSQL alike."""
    return (
        sa.select(
            Mention.id,
            Mention.created_at,
            Mention.status,
            Mention.priority,
            Mention.closed_at,
            Reply.author_id,
            Reply.posted_at,
        )
        .select_from(Mention)
        .outerjoin(Reply, sa.and_(Reply.mention_id == Mention.id, Reply.status == "posted"))
        .where(Mention.created_at >= start, Mention.created_at < end)
    )


def compute(
    ranges: Sequence[tuple[datetime, datetime]], sla: dict[str, int]
) -> dict[int, BucketFigures]:
    """Exact figures, per bucket, of the mentions created in the given [start, end) ranges:
    the same rules as the coverage page's exact computation (services/coverage.py)."""
    selects = [_rows_in(a, b) for a, b in ranges if a < b]
    if not selects:
        return {}
    if len(selects) == 1:
        return fold(db.session.execute(selects[0]), sla)
    # One statement, one index range per part: an OR of ranges makes SQLite scan the table.
    union = sa.union_all(*selects).subquery()
    return fold(db.session.execute(sa.select(*union.c)), sla)


def fold(rows: Iterable[Sequence[Any]], sla: dict[str, int]) -> dict[int, BucketFigures]:
    """Per-bucket figures from rows of (mention id, created_at, status, priority, closed_at,
    a posted reply's author_id and posted_at, or NULLs): tz-aware datetimes, statuses and
    priorities as their values. A mention's first response is its earliest posted reply, else
    (answered elsewhere) when we saw that; each posted reply counts for its author."""
    mentions: dict[int, list[Any]] = {}
    found: dict[int, BucketFigures] = {}
    for mention_id, created_at, status, priority, closed_at, author_id, posted_at in rows:
        held = mentions.get(mention_id)
        if held is None:
            held = mentions[mention_id] = [created_at, str(status), str(priority), closed_at, None]
        if posted_at is None:
            continue
        if held[4] is None or posted_at < held[4]:
            held[4] = posted_at
        figures = found.get(bucket_of(created_at))
        if figures is None:
            figures = found[bucket_of(created_at)] = BucketFigures()
        waits = figures.employee_waits.setdefault(author_id, [])
        waits.append(max((posted_at - created_at).total_seconds(), 0.0))
    for created_at, status, priority, closed_at, posted_at in mentions.values():
        figures = found.get(bucket_of(created_at))
        if figures is None:
            figures = found[bucket_of(created_at)] = BucketFigures()
        counts = figures.counts.get((status, priority))
        if counts is None:
            counts = figures.counts[(status, priority)] = [0, 0, 0, 0]
        counts[0] += 1
        first = posted_at
        if first is None and status == MentionStatus.ANSWERED_ELSEWHERE.value:
            first = closed_at  # answered outside the app: when we saw that
        if first is None:
            continue
        waited = max((first - created_at).total_seconds(), 0.0)
        counts[1] += 1
        counts[2 if waited <= sla[priority] else 3] += 1
        figures.waits.append(waited)
    return found


def runs(buckets: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted buckets as [first, last + 1) runs of consecutive ones."""
    found: list[tuple[int, int]] = []
    for bucket in sorted(set(buckets)):
        if found and found[-1][1] == bucket:
            found[-1] = (found[-1][0], bucket + 1)
        else:
            found.append((bucket, bucket + 1))
    return found


def ranges_of(buckets: Iterable[int]) -> list[tuple[datetime, datetime]]:
    """The time ranges covered by some buckets, consecutive ones joined."""
    return [(bucket_start(a), bucket_start(b)) for a, b in runs(buckets)]


def changed_buckets(
    since: datetime, start: datetime | None = None, end: datetime | None = None
) -> set[int]:
    """Buckets holding a mention that changed, or whose reply changed, at or after `since`
    (only mentions created in [start, end) when given)."""
    where = []
    if start is not None and end is not None:
        where = [Mention.created_at >= start, Mention.created_at < end]
    mentions = sa.select(Mention.created_at).where(Mention.changed_at >= since, *where)
    replies = (
        sa.select(Mention.created_at)
        .join(Reply, Reply.mention_id == Mention.id)
        .where(Reply.changed_at >= since, *where)
    )
    rows = db.session.scalars(sa.union(mentions, replies))
    return {bucket_of(created_at) for created_at in rows}


def _delete(lo: int, hi: int) -> None:
    for model in (RollupCount, RollupResponseBin, RollupEmployeeBin):
        db.session.execute(sa.delete(model).where(model.bucket >= lo, model.bucket < hi))


def table_rows(
    found: dict[int, BucketFigures],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of rollup_counts, rollup_response_bins and rollup_employee_bins for them."""
    counts: list[dict[str, Any]] = []
    bins: list[dict[str, Any]] = []
    employees: list[dict[str, Any]] = []
    for bucket, figures in found.items():
        for (status, priority), (mentions, responded, met, missed) in figures.counts.items():
            counts.append(
                {
                    "bucket": bucket,
                    "status": status,
                    "priority": priority,
                    "mentions": mentions,
                    "responded": responded,
                    "sla_met": met,
                    "sla_missed": missed,
                }
            )
        for index, count in add_values(Counter(), figures.waits).items():
            bins.append({"bucket": bucket, "bin": index, "count": count})
        for employee_id, waits in figures.employee_waits.items():
            for index, count in add_values(Counter(), waits).items():
                employees.append(
                    {"bucket": bucket, "employee_id": employee_id, "bin": index, "count": count}
                )
    return counts, bins, employees


def _insert(found: dict[int, BucketFigures]) -> int:
    counts, bins, employees = table_rows(found)
    for model, rows in (
        (RollupCount, counts),
        (RollupResponseBin, bins),
        (RollupEmployeeBin, employees),
    ):
        if rows:
            db.session.execute(sa.insert(model), rows)
    return len(counts) + len(bins) + len(employees)


def _rebuild_runs(bucket_runs: Sequence[tuple[int, int]], sla: dict[str, int]) -> int:
    """Replace the roll-up rows of these [lo, hi) bucket runs with freshly computed ones, and
    the day level's rows of the days they touch (services/rollup_days.py)."""
    rows = 0
    chunk = int(REBUILD_CHUNK.total_seconds()) // BUCKET_SECONDS
    for lo, hi in bucket_runs:
        _delete(lo, hi)
        for first in range(lo, hi, chunk):
            last = min(first + chunk, hi)
            rows += _insert(compute([(bucket_start(first), bucket_start(last))], sla))
    return rows + rollup_days.rebuild_days(bucket_runs)


def _locked_state() -> RollupState:
    """The state row, locked until commit (one refresh or rebuild at a time)."""
    query = sa.select(RollupState).where(RollupState.id == STATE_ID)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    # SQLite transactions begin IMMEDIATE here, so the writer is alone already.
    state = db.session.scalar(query)
    if state is None:
        state = RollupState(id=STATE_ID)
        db.session.add(state)
        db.session.flush()
    return state


def state() -> RollupState | None:
    """How far the roll-ups are kept (None before the first build)."""
    return db.session.get(RollupState, STATE_ID)


def rebuild(
    start: datetime | None = None, end: datetime | None = None, *, now: datetime | None = None
) -> dict[str, object]:
    """Recompute the roll-ups of the buckets meeting [start, end) from the mentions, in one
    transaction; without bounds, everything (and the watermark and SLA targets move on)."""
    now = now or utcnow()
    held = _locked_state()
    sla = current_sla()
    whole = start is None and end is None
    if start is None:
        start = db.session.scalar(sa.select(sa.func.min(Mention.created_at))) or now
    if end is None:
        newest = db.session.scalar(sa.select(sa.func.max(Mention.created_at)))
        end = max(newest + timedelta(seconds=BUCKET_SECONDS), now) if newest else now
    if start >= end:
        raise ValueError("rebuild needs start before end")
    lo, hi = bucket_of(start), -(-int(end.timestamp()) // BUCKET_SECONDS)
    if whole:  # also whatever a wrong clock or an old build left outside the data
        lo = min(lo, db.session.scalar(sa.select(sa.func.min(RollupCount.bucket))) or lo)
        hi = max(hi, (db.session.scalar(sa.select(sa.func.max(RollupCount.bucket))) or hi) + 1)
    rows = _rebuild_runs([(lo, hi)], sla)
    if whole:
        held.watermark = now
        held.sla_normal_seconds, held.sla_high_seconds = sla["normal"], sla["high"]
    held.refreshed_at = now
    db.session.commit()
    logger.info("roll-ups rebuilt: buckets %s..%s, %s rows", lo, hi, rows)
    return {
        "from": bucket_start(lo).isoformat(),
        "to": bucket_start(hi).isoformat(),
        "rows": rows,
        "whole": whole,
    }


def refresh(now: datetime | None = None) -> dict[str, object]:
    """Refresh the buckets whose mentions or replies changed since the watermark (less LAG);
    rebuild everything when there is no watermark yet or the SLA targets changed."""
    now = now or utcnow()
    held = _locked_state()
    sla = current_sla()
    if held.watermark is None or (held.sla_normal_seconds, held.sla_high_seconds) != (
        sla["normal"],
        sla["high"],
    ):
        db.session.rollback()
        return {"refreshed": 0, **rebuild(now=now)}
    changed = changed_buckets(held.watermark - LAG)
    rows = _rebuild_runs(runs(changed), sla)
    held.watermark = held.refreshed_at = now
    db.session.commit()
    return {"refreshed": len(changed), "rows": rows}


def usable_state(sla: dict[str, int]) -> RollupState | None:
    """The state when the roll-ups can be read with these SLA targets, else None."""
    held = state()
    if held is None or held.watermark is None:
        return None
    if (held.sla_normal_seconds, held.sla_high_seconds) != (sla["normal"], sla["high"]):
        return None  # built with other targets: the next refresh rebuilds them
    return held
