"""The roll-ups' day level: per UTC day, the sums of that day's 15-minute bucket rows, rebuilt in
the same transaction as the buckets (by the watermark job and `helpdesk rollups rebuild`), so a
long period reads its whole UTC days here and only the buckets at its edges.

Days are UTC days (day = bucket // DAY_BUCKETS). A desk's periods are days in its own zone
(services/periods.py): Tokyo's day runs from 15:00 to 15:00 UTC, so a Tokyo year reads 364 day
rows per key and 96 buckets' rows at its two edges; any zone, 30/45-minute offsets and DST days
included, stays exact because the edges are whole buckets.

The day tables carry the bucket tables' keys besides time (`channel` included, and the moved-
to-DM counts) and their figures. Adding a key is mechanical: give the day table the same column
in its primary key, add its name to that MIRRORS entry's `keys`, and its migration builds the
day rows with the same INSERT ... SELECT; a new bucket table gets a day twin and one more MIRRORS
entry (the tags' roll-up has none yet: a year by tag reads its buckets). Every rebuilt day gets a
new mark (rollup_day_marks), the key under which sums over settled days are cached
(services/rollup_cache.py): rows written any other way than here must renew their days' marks
too, or a cached sum would hide them. rollup_bucket_totals
(the per-hour chart of whole days) sums over every key but time; a report that filters by a key
would add it there as well.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import MentionStatus
from helpdesk.models.rollups import (
    COUNT_FIELDS,
    DAY_BUCKETS,
    RollupBucketTotal,
    RollupCount,
    RollupDayCount,
    RollupDayEmployeeBin,
    RollupDayMark,
    RollupDayResponseBin,
    RollupEmployeeBin,
    RollupResponseBin,
)

ANSWERED = (MentionStatus.ANSWERED.value, MentionStatus.ANSWERED_ELSEWHERE.value)


@dataclass(frozen=True)
class Mirror:
    """A day table and the bucket table it sums: the key columns besides time, and the figures."""

    day: Any
    bucket: Any
    keys: tuple[str, ...]
    sums: tuple[str, ...]


MIRRORS = (
    Mirror(RollupDayCount, RollupCount, ("status", "priority", "channel"), COUNT_FIELDS),
    Mirror(RollupDayResponseBin, RollupResponseBin, ("channel", "bin"), ("count",)),
    Mirror(RollupDayEmployeeBin, RollupEmployeeBin, ("employee_id", "bin"), ("count",)),
)


def summed_bins(model: Any, key: str, lo: int, hi: int) -> sa.Select:
    """A histogram table's counts summed per (`key`, bin) over [lo, hi) of its time: days for
    the day tables, buckets for the bucket tables (the statement every reader of bins runs)."""
    time = model.day if "day" in model.__table__.c else model.bucket
    column = getattr(model, key)
    return (
        sa.select(column, model.bin, sa.func.sum(model.count))
        .where(time >= lo, time < hi)
        .group_by(column, model.bin)
    )


def day_runs(bucket_runs: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The UTC days [first, last + 1) that sorted [lo, hi) bucket runs touch, joined."""
    days: list[tuple[int, int]] = []
    for lo, hi in bucket_runs:
        if lo >= hi:
            continue
        first, last = lo // DAY_BUCKETS, (hi - 1) // DAY_BUCKETS + 1
        if days and days[-1][1] >= first:
            days[-1] = (days[-1][0], max(days[-1][1], last))
        else:
            days.append((first, last))
    return days


def rebuild_days(
    bucket_runs: Iterable[tuple[int, int]],
    execute: Callable[..., Any] | None = None,
) -> int:
    """Replace the day rows (and bucket totals) of every day these bucket runs touch with sums
    of the bucket rows; run after the buckets are rebuilt, in the same transaction. Rows written."""
    execute = execute or db.session.execute
    rows, mark = 0, uuid.uuid4().hex
    for first, last in day_runs(bucket_runs):
        for mirror in MIRRORS:
            rows += _rebuild_mirror(execute, mirror, first, last)
        rows += _rebuild_totals(execute, first * DAY_BUCKETS, last * DAY_BUCKETS)
        _renew_marks(execute, first, last, mark)
    return rows


def _renew_marks(execute: Callable[..., Any], first: int, last: int, mark: str) -> None:
    table = RollupDayMark.__table__
    execute(sa.delete(table).where(table.c.day >= first, table.c.day < last))
    execute(sa.insert(table), [{"day": day, "mark": mark} for day in range(first, last)])


def _rebuild_mirror(execute: Callable[..., Any], mirror: Mirror, first: int, last: int) -> int:
    day_table, bucket_table = mirror.day.__table__, mirror.bucket.__table__
    execute(sa.delete(day_table).where(day_table.c.day >= first, day_table.c.day < last))
    source = bucket_table.c
    day = source.bucket // DAY_BUCKETS
    keys = [source[name] for name in mirror.keys]
    select = (
        sa.select(day, *keys, *(sa.func.sum(source[name]) for name in mirror.sums))
        .where(source.bucket >= first * DAY_BUCKETS, source.bucket < last * DAY_BUCKETS)
        .group_by(day, *keys)
    )
    done = execute(sa.insert(day_table).from_select(["day", *mirror.keys, *mirror.sums], select))
    return max(done.rowcount or 0, 0)


def _rebuild_totals(execute: Callable[..., Any], lo: int, hi: int) -> int:
    table, source = RollupBucketTotal.__table__, RollupCount.__table__.c
    execute(sa.delete(table).where(table.c.bucket >= lo, table.c.bucket < hi))
    answered = sa.func.sum(sa.case((source.status.in_(ANSWERED), source.mentions), else_=0))
    select = (
        sa.select(source.bucket, sa.func.sum(source.mentions), answered)
        .where(source.bucket >= lo, source.bucket < hi)
        .group_by(source.bucket)
    )
    done = execute(sa.insert(table).from_select(["bucket", "received", "answered"], select))
    return max(done.rowcount or 0, 0)
