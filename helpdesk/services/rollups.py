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
from sqlalchemy.orm import aliased

from helpdesk.extensions import db
from helpdesk.models import Mention, MentionKind, MentionStatus, Priority, Reply, mention_tags
from helpdesk.models.rollups import (
    BUCKET_SECONDS,
    COUNT_FIELDS,
    RollupCount,
    RollupEmployeeBin,
    RollupResponseBin,
    RollupState,
    RollupTagCount,
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


CHANNELS = ("post", "dm")  # MentionKind values: the roll-ups' channel key


@dataclass
class BucketFigures:
    """One bucket's exact figures, as computed from its mentions and replies."""

    # (status, priority, channel) -> [one value per COUNT_FIELDS]
    counts: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    waits: dict[str, list[float]] = field(default_factory=dict)  # channel -> first-response s
    employee_waits: dict[int, list[float]] = field(default_factory=dict)  # posted reply seconds


def _rows_in(start: datetime, end: datetime) -> sa.Select:
    """The mentions of [start, end), each with its posted replies (at most one: the outbox's
    unique live reply) and for a mention moved to DM whether its customer's DM is linked and
    answered, driven by the mentions' time index on SQLite and PostgreSQL alike."""
    dm = aliased(Mention)
    moved = sa.and_(Mention.kind == MentionKind.POST, Mention.moved_to_dm_at.is_not(None))
    linked = sa.exists().where(dm.dm_of_mention_id == Mention.id)
    answered = sa.exists().where(dm.dm_of_mention_id == Mention.id, dm.status.in_(RESPONDED))
    return (
        sa.select(
            Mention.id,
            Mention.created_at,
            Mention.status,
            Mention.priority,
            Mention.closed_at,
            Reply.author_id,
            Reply.posted_at,
            Mention.kind,
            sa.case((moved, 1), else_=0),
            # CASE first: only moved mentions look for their DM (one index probe each).
            sa.case((moved, sa.case((linked, 1), else_=0)), else_=0),
            sa.case((moved, sa.case((answered, 1), else_=0)), else_=0),
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
    a posted reply's author_id and posted_at, or NULLs, then kind, moved to DM, its DM linked,
    that DM answered as 0/1; rows without the last four are public posts, as before issue 18):
    tz-aware datetimes, enums as their values. A mention's first response is its earliest
    posted reply, else (answered elsewhere) when we saw that; each posted reply counts for its
    author."""
    mentions: dict[int, list[Any]] = {}
    found: dict[int, BucketFigures] = {}
    for row in rows:
        mention_id, created_at, status, priority, closed_at, author_id, posted_at = row[:7]
        held = mentions.get(mention_id)
        if held is None:
            kind, moved, linked, answered = row[7:11] if len(row) > 7 else ("post", 0, 0, 0)
            held = mentions[mention_id] = [
                created_at,
                str(status),
                str(priority),
                closed_at,
                None,
                str(kind),
                (int(bool(moved)), int(bool(linked)), int(bool(answered))),
            ]
        if posted_at is None:
            continue
        if held[4] is None or posted_at < held[4]:
            held[4] = posted_at
        figures = found.get(bucket_of(created_at))
        if figures is None:
            figures = found[bucket_of(created_at)] = BucketFigures()
        waits = figures.employee_waits.setdefault(author_id, [])
        waits.append(max((posted_at - created_at).total_seconds(), 0.0))
    for created_at, status, priority, closed_at, posted_at, channel, moves in mentions.values():
        figures = found.get(bucket_of(created_at))
        if figures is None:
            figures = found[bucket_of(created_at)] = BucketFigures()
        counts = figures.counts.get((status, priority, channel))
        if counts is None:
            counts = figures.counts[(status, priority, channel)] = [0] * len(COUNT_FIELDS)
        counts[0] += 1
        counts[4] += moves[0]
        counts[5] += moves[1]
        counts[6] += moves[2]
        first = posted_at
        if first is None and status == MentionStatus.ANSWERED_ELSEWHERE.value:
            first = closed_at  # answered outside the app: when we saw that
        if first is None:
            continue
        waited = max((first - created_at).total_seconds(), 0.0)
        counts[1] += 1
        counts[2 if waited <= sla[priority] else 3] += 1
        figures.waits.setdefault(channel, []).append(waited)
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
    """Buckets holding a mention that changed, or whose reply changed, or whose linked DM
    (moved to DM) changed, at or after `since` (only mentions created in [start, end) when
    given)."""
    where = []
    if start is not None and end is not None:
        where = [Mention.created_at >= start, Mention.created_at < end]
    mentions = sa.select(Mention.created_at).where(Mention.changed_at >= since, *where)
    replies = (
        sa.select(Mention.created_at)
        .join(Reply, Reply.mention_id == Mention.id)
        .where(Reply.changed_at >= since, *where)
    )
    dm = aliased(Mention)
    dms = (
        sa.select(Mention.created_at)
        .join(dm, dm.dm_of_mention_id == Mention.id)
        .where(dm.changed_at >= since, *where)
    )
    rows = db.session.scalars(sa.union(mentions, replies, dms))
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
        for (status, priority, channel), values in figures.counts.items():
            key = {"bucket": bucket, "status": status, "priority": priority, "channel": channel}
            counts.append({**key, **dict(zip(COUNT_FIELDS, values, strict=True))})
        for channel, waits in figures.waits.items():
            for index, count in add_values(Counter(), waits).items():
                bins.append({"bucket": bucket, "channel": channel, "bin": index, "count": count})
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
    return rows + _rebuild_tag_runs(bucket_runs, sla) + rollup_days.rebuild_days(bucket_runs)


# The per-tag roll-up (rollup_tag_counts): a mention with two tags counts under each. Kept by
# the same refresh and rebuild as the others (a tag set on a mention moves its changed_at).
TagKey = tuple[int, int, str]  # (bucket, tag_id, status)


def compute_tags(
    ranges: Sequence[tuple[datetime, datetime]], sla: dict[str, int]
) -> dict[TagKey, list[int]]:
    """Exact per-tag counts [mentions, responded, sla_met, sla_missed] of the tagged mentions
    created in the given [start, end) ranges, by the same rules as `fold` (it folds them)."""
    selects = [
        _rows_in(a, b)
        .join(mention_tags, mention_tags.c.mention_id == Mention.id)
        .add_columns(mention_tags.c.tag_id)
        for a, b in ranges
        if a < b
    ]
    if not selects:
        return {}
    # One statement, one index range per part (as `compute`: an OR of ranges scans on SQLite).
    query = selects[0] if len(selects) == 1 else sa.select(*sa.union_all(*selects).subquery().c)
    by_tag: dict[int, list[Sequence[Any]]] = {}
    for *row, tag_id in db.session.execute(query):
        by_tag.setdefault(tag_id, []).append(row)
    found: dict[TagKey, list[int]] = {}
    for tag_id, rows in by_tag.items():
        for bucket, figures in fold(rows, sla).items():
            # A tag's row sums over priority and channel; the moved-to-DM counts stay out.
            for (status, _priority, _channel), values in figures.counts.items():
                held = found.setdefault((bucket, tag_id, status), [0, 0, 0, 0])
                for k, value in enumerate(values[:4]):
                    held[k] += value
    return found


def _rebuild_tag_runs(bucket_runs: Sequence[tuple[int, int]], sla: dict[str, int]) -> int:
    """Replace the per-tag roll-up rows of these [lo, hi) bucket runs (chunked like the rest)."""
    rows = 0
    chunk = int(REBUILD_CHUNK.total_seconds()) // BUCKET_SECONDS
    for lo, hi in bucket_runs:
        db.session.execute(
            sa.delete(RollupTagCount).where(RollupTagCount.bucket >= lo, RollupTagCount.bucket < hi)
        )
        for first in range(lo, hi, chunk):
            last = min(first + chunk, hi)
            found = compute_tags([(bucket_start(first), bucket_start(last))], sla)
            if found:
                db.session.execute(
                    sa.insert(RollupTagCount),
                    [
                        {
                            "bucket": bucket,
                            "tag_id": tag_id,
                            "status": status,
                            "mentions": values[0],
                            "responded": values[1],
                            "sla_met": values[2],
                            "sla_missed": values[3],
                        }
                        for (bucket, tag_id, status), values in found.items()
                    ],
                )
            rows += len(found)
    return rows


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
