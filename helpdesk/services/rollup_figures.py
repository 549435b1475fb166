"""Coverage figures for any period from the roll-ups: whole buckets are summed from the tables,
the partial buckets at the edges and any bucket changed after the watermark are computed live
and exactly, so the counts are exact and the percentiles within 1%."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Employee, Mention, MentionStatus, Tag
from helpdesk.models.rollups import (
    BUCKET_SECONDS,
    DAY_BUCKETS,
    RollupBucketTotal,
    RollupCount,
    RollupDayCount,
    RollupDayEmployeeBin,
    RollupDayResponseBin,
    RollupEmployeeBin,
    RollupResponseBin,
    RollupTagCount,
)
from helpdesk.models.types import utcnow
from helpdesk.services import rollups
from helpdesk.services.histogram import Cumulative, add_values, percentile, quantile, quantile_with
from helpdesk.services.rollup_cache import raw_rows, settled_bins
from helpdesk.services.rollup_days import summed_bins

RESPONDED = {MentionStatus.ANSWERED.value, MentionStatus.ANSWERED_ELSEWHERE.value}
# A report's histograms come from the cache for its whole UTC days but the last RECENT_DAYS (the
# days still being answered, whose marks move with every refresh), when at least
# MIN_SETTLED_DAYS remain: shorter periods read the day tables directly, cheaply.
RECENT_DAYS = 2
MIN_SETTLED_DAYS = 7
COUNT_FIELDS = rollups.COUNT_FIELDS
COUNT_COLUMNS = tuple(getattr(RollupCount, name) for name in COUNT_FIELDS)


@dataclass
class Sums:
    """Figures being added up: from roll-up rows (histograms) and from live rows (exact)."""

    # (status, priority, channel) -> one value per rollups.COUNT_FIELDS
    counts: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    hours: list[list[int]] = field(default_factory=lambda: [[0, 0] for _ in range(24)])
    bins: dict[str, Counter[int]] = field(default_factory=dict)  # per channel, from roll-ups
    waits: dict[str, list[float]] = field(default_factory=dict)  # per channel, live
    employee_bins: dict[int, Counter[int]] = field(default_factory=dict)
    # from settled days (services/rollup_cache.py); employee_bins adds to these, read-only
    employee_base: dict[int, Cumulative] = field(default_factory=dict)
    employee_waits: dict[int, list[float]] = field(default_factory=dict)
    dirty: set[int] | None = None  # whole buckets changed since the watermark (None: all live)

    def add_counts(
        self, key: tuple[str, str, str], values: list[int], hour: int, sign: int
    ) -> None:
        """Add (or with sign -1 take away) one row of counts, received at a local hour."""
        held = self.counts.setdefault(key, [0] * len(rollups.COUNT_FIELDS))
        for k, value in enumerate(values):
            held[k] += sign * value
        self.hours[hour][0] += sign * values[0]
        if key[0] in RESPONDED:
            self.hours[hour][1] += sign * values[0]


def _zone(tz: str | tzinfo) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _offset(zone: tzinfo, bucket: int) -> int:
    offset = rollups.bucket_start(bucket).astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _local_hour(bucket: int, offset: int) -> int:
    return (bucket * BUCKET_SECONDS + offset) % 86_400 // 3600


def offset_segments(zone: tzinfo, lo: int, hi: int) -> list[tuple[int, int, int]]:
    """[lo, hi) cut where the zone's UTC offset changes: (first, last + 1, offset seconds)."""
    segments = []
    first, offset, cursor = lo, _offset(zone, lo), lo
    while cursor < hi:
        probe = min(cursor + DAY_BUCKETS, hi)
        if probe == hi or _offset(zone, probe) == offset:
            cursor = probe
            continue
        low, high = cursor, probe  # offset(low) is ours, offset(high) is not: find the change
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if _offset(zone, middle) == offset else (low, middle)
        segments.append((first, high, offset))
        first, offset, cursor = high, _offset(zone, high), high
    segments.append((first, hi, offset))
    return segments


def _odd_offsets(zone: tzinfo, lo: int, hi: int) -> bool:
    """Whether the zone is off the quarter-hour grid in [lo, hi) (then every row is read)."""
    return any(offset % BUCKET_SECONDS for *_, offset in offset_segments(zone, lo, hi))


def _add_rolled_counts(sums: Sums, zone: tzinfo, lo: int, hi: int) -> None:
    """The counts of whole buckets [lo, hi): summed by quarter of the UTC day in SQL."""
    quarter = (RollupCount.bucket % DAY_BUCKETS).label("quarter")
    keys = (RollupCount.status, RollupCount.priority, RollupCount.channel)
    for first, last, offset in offset_segments(zone, lo, hi):
        rows = db.session.execute(
            sa.select(quarter, *keys, *(sa.func.sum(column) for column in COUNT_COLUMNS))
            .where(RollupCount.bucket >= first, RollupCount.bucket < last)
            .group_by(quarter, *keys)
        )
        for q, status, priority, channel, *values in rows:
            key = (status, priority, channel)
            sums.add_counts(key, [int(v) for v in values], _local_hour(q, offset), 1)


def _take_rolled_buckets(sums: Sums, zone: tzinfo, buckets: set[int]) -> None:
    """Take away what the roll-ups hold for these buckets (they are computed live instead)."""
    if not buckets:
        return
    listed = sorted(buckets)
    rows = db.session.execute(
        sa.select(
            RollupCount.bucket,
            RollupCount.status,
            RollupCount.priority,
            RollupCount.channel,
            *COUNT_COLUMNS,
        ).where(RollupCount.bucket.in_(listed))
    )
    for bucket, status, priority, channel, *values in rows:
        hour = _local_hour(bucket, _offset(zone, bucket))
        sums.add_counts((status, priority, channel), values, hour, -1)
    desk = db.session.execute(
        sa.select(RollupResponseBin.channel, RollupResponseBin.bin, RollupResponseBin.count).where(
            RollupResponseBin.bucket.in_(listed)
        )
    )
    for channel, index, count in desk:
        sums.bins.setdefault(channel, Counter())[index] -= count
    people = db.session.execute(
        sa.select(
            RollupEmployeeBin.employee_id, RollupEmployeeBin.bin, RollupEmployeeBin.count
        ).where(RollupEmployeeBin.bucket.in_(listed))
    )
    for employee_id, index, count in people:
        sums.employee_bins.setdefault(employee_id, Counter())[index] -= count


def _add_rolled_bins(sums: Sums, lo: int, hi: int) -> None:
    """The response histograms of buckets [lo, hi), the desk's and each employee's."""
    desk = db.session.execute(summed_bins(RollupResponseBin, "channel", lo, hi))
    for channel, index, count in desk:
        sums.bins.setdefault(channel, Counter())[index] += int(count)
    people = db.session.execute(summed_bins(RollupEmployeeBin, "employee_id", lo, hi))
    for employee_id, index, count in people:
        sums.employee_bins.setdefault(employee_id, Counter())[index] += int(count)


def _add_live(sums: Sums, zone: tzinfo, found: dict[int, rollups.BucketFigures]) -> None:
    for bucket, figures in found.items():
        hour = _local_hour(bucket, _offset(zone, bucket))
        for key, values in figures.counts.items():
            sums.add_counts(key, values, hour, 1)
        for channel, waits in figures.waits.items():
            sums.waits.setdefault(channel, []).extend(waits)
        for employee_id, waits in figures.employee_waits.items():
            sums.employee_waits.setdefault(employee_id, []).extend(waits)


def _quantiles(bins: Counter[int], waits: list[float]) -> tuple[float | None, float | None]:
    """Median and p90: exact when no roll-up row is in the sum, else from the histogram."""
    if not any(count > 0 for count in bins.values()):
        return percentile(waits, 0.5), percentile(waits, 0.9)
    merged = add_values(Counter({k: v for k, v in bins.items() if v > 0}), waits)
    return quantile(merged, 0.5), quantile(merged, 0.9)


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def sums_for(
    start: datetime, end: datetime, zone: tzinfo, sla: dict[str, int], *, days: bool = True
) -> Sums:
    """The period's sums: roll-ups for whole, unchanged buckets (their whole UTC days from the
    day level unless `days` is False); live rows for the rest."""
    sums = Sums()
    lo = math.ceil(start.timestamp() / BUCKET_SECONDS)  # the whole buckets: [lo, hi)
    hi = math.floor(end.timestamp() / BUCKET_SECONDS)
    held = rollups.usable_state(sla)
    if held is None or lo >= hi or _odd_offsets(zone, lo, hi):
        _add_live(sums, zone, rollups.compute([(start, end)], sla))
        return sums
    whole_from, whole_to = rollups.bucket_start(lo), rollups.bucket_start(hi)
    dirty = sums.dirty = rollups.changed_buckets(held.watermark - rollups.LAG, whole_from, whole_to)
    if not (days and _add_rolled_days(sums, zone, lo, hi)):
        _add_rolled_counts(sums, zone, lo, hi)
        _add_rolled_bins(sums, lo, hi)
    _take_rolled_buckets(sums, zone, dirty)
    live = [(start, whole_from), (whole_to, end), *rollups.ranges_of(dirty)]
    _add_live(sums, zone, rollups.compute(live, sla))
    return sums


def _add_rolled_days(sums: Sums, zone: tzinfo, lo: int, hi: int) -> bool:
    """Add the roll-ups of whole buckets [lo, hi) reading the day level for the whole UTC days
    among them and the bucket tables at the edges, in three statements (counts with the
    per-hour chart, the desk's bins, the employees' bins); False, adding nothing, when
    [lo, hi) holds no whole UTC day."""
    first_day, last_day = -(-lo // DAY_BUCKETS), hi // DAY_BUCKETS  # whole days: [first, last)
    if first_day >= last_day:
        return False
    edges = [
        (a, b) for a, b in ((lo, first_day * DAY_BUCKETS), (last_day * DAY_BUCKETS, hi)) if a < b
    ]
    no_hour, no_key, zero = sa.literal(-1), sa.cast(sa.null(), sa.String), sa.literal(0)
    day, bucket, total = RollupDayCount, RollupCount, RollupBucketTotal
    day_keys = (day.status, day.priority, day.channel)
    bucket_keys = (bucket.status, bucket.priority, bucket.channel)
    parts: list[sa.Select] = [
        sa.select(no_hour, *day_keys, *(sa.func.sum(getattr(day, f)) for f in COUNT_FIELDS))
        .where(day.day >= first_day, day.day < last_day)
        .group_by(*day_keys)
    ]
    for a, b in edges:
        parts.append(
            sa.select(
                no_hour, *bucket_keys, *(sa.func.sum(getattr(bucket, f)) for f in COUNT_FIELDS)
            )
            .where(bucket.bucket >= a, bucket.bucket < b)
            .group_by(*bucket_keys)
        )
    padding = [zero] * (len(COUNT_FIELDS) - 2)
    for a, b, offset in offset_segments(zone, lo, hi):  # the chart: every bucket's totals
        shift = offset % 86_400 + 86_400
        hour = ((total.bucket % DAY_BUCKETS) * BUCKET_SECONDS + shift) % 86_400 // 3600
        parts.append(
            sa.select(
                hour,
                no_key,
                no_key,
                no_key,
                sa.func.sum(total.received),
                sa.func.sum(total.answered),
                *padding,
            )
            .where(total.bucket >= a, total.bucket < b)
            .group_by(hour)
        )
    for hour, status, priority, channel, *values in _rows_of(parts):
        if hour >= 0:
            held = sums.hours[int(hour)]
            held[0] += int(values[0])
            held[1] += int(values[1])
            continue
        held = sums.counts.setdefault((status, priority, channel), [0] * len(COUNT_FIELDS))
        for k, value in enumerate(values):
            held[k] += int(value)
    # The histograms: the settled days (all but the last RECENT_DAYS) from the cache when the
    # period holds enough of them, the other whole days from the day tables, the edges' buckets.
    bin_days = (first_day, last_day)
    if last_day - RECENT_DAYS - first_day >= MIN_SETTLED_DAYS:
        settled = settled_bins(first_day, last_day - RECENT_DAYS)
        for channel, counts in settled.desk.items():
            sums.bins.setdefault(channel, Counter()).update(counts)
        sums.employee_base = settled.employees
        bin_days = (last_day - RECENT_DAYS, last_day)
    desk = [summed_bins(RollupDayResponseBin, "channel", *bin_days)]
    desk += [summed_bins(RollupResponseBin, "channel", a, b) for a, b in edges]
    for channel, index, count in _rows_of(desk):
        sums.bins.setdefault(channel, Counter())[index] += int(count)
    people = [summed_bins(RollupDayEmployeeBin, "employee_id", *bin_days)]
    people += [summed_bins(RollupEmployeeBin, "employee_id", a, b) for a, b in edges]
    held_bins = sums.employee_bins
    for employee_id, index, count in _rows_of(people):
        bins = held_bins.get(employee_id)
        if bins is None:
            bins = held_bins[employee_id] = Counter()
        bins[index] += int(count)
    return True


def _rows_of(parts: list[sa.Select]) -> list[Any]:
    """The rows of the parts' UNION ALL as the driver's tuples (rollup_cache.raw_rows)."""
    return raw_rows(sa.union_all(*parts))


def _oldest_open(start: datetime, end: datetime, now: datetime) -> dict[str, object] | None:
    row = db.session.execute(
        sa.select(Mention.id, Mention.created_at)
        .where(
            Mention.status == MentionStatus.OPEN,
            Mention.created_at >= start,
            Mention.created_at < end,
        )
        .order_by(Mention.created_at, Mention.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    return {
        "id": row.id,
        "created_at": row.created_at,
        "age_seconds": round((now - row.created_at).total_seconds(), 3),
    }


def _per_employee(sums: Sums) -> list[dict[str, object]]:
    found: dict[int, tuple[int, float | None]] = {}  # replies posted, median seconds
    for employee_id in set(sums.employee_waits) | set(sums.employee_bins) | set(sums.employee_base):
        bins = sums.employee_bins.get(employee_id, Counter())
        waits = sums.employee_waits.get(employee_id, [])
        base = sums.employee_base.get(employee_id)
        if base is not None and base.total > 0:
            posted = base.total + sum(bins.values()) + len(waits)
            median = quantile_with(base, add_values(Counter(bins), waits), 0.5)
        else:
            posted = sum(v for v in bins.values() if v > 0) + len(waits)
            median = _quantiles(bins, waits)[0]
        if posted > 0:
            found[employee_id] = (posted, median)
    if not found:
        return []
    names = dict(
        (row.id, (row.number, row.name))
        for row in db.session.execute(
            sa.select(Employee.id, Employee.number, Employee.name).where(Employee.id.in_(found))
        )
    )
    people = []
    for employee_id, (posted, median) in found.items():
        number, name = names[employee_id]
        people.append(
            {
                "number": number,
                "name": name,
                "replies_posted": posted,
                "median_response_seconds": _seconds(median),
            }
        )
    return sorted(people, key=lambda p: (-int(p["replies_posted"]), p["number"]))


def figures(
    start: datetime,
    end: datetime,
    tz: str | tzinfo,
    *,
    now: datetime | None = None,
    days: bool = True,
) -> dict[str, object]:
    """Coverage of the mentions created in [start, end), hours counted in `tz`: the figures
    services/coverage.py's exact computation gives (guideline hits aside); `days=False` reads
    the buckets only (the benchmark's and the tests' comparison)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("figures needs tz-aware datetimes")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    zone, now = _zone(tz), now or utcnow()
    sla = rollups.current_sla()
    sums = sums_for(start, end, zone, sla, days=days)
    by_status = {status.value: 0 for status in MentionStatus}
    responded = within_sla = 0
    for (status, _priority, _channel), (mentions, answered, met, *_rest) in sums.counts.items():
        by_status[status] += mentions
        responded += answered
        within_sla += met
    total = sum(by_status.values())
    due = total - by_status["dismissed"]
    median, p90 = _quantiles(_merged(sums.bins.values()), _joined(sums.waits.values()))
    return {
        "from": start,
        "to": end,
        "timezone": str(tz),
        "generated_at": now,
        "sla_seconds": sla,
        "total": total,
        "answered": by_status["answered"],
        "answered_elsewhere": by_status["answered_elsewhere"],
        "dismissed": by_status["dismissed"],
        "open": by_status["open"],
        "response_rate": _rate(by_status["answered"] + by_status["answered_elsewhere"], due),
        "responded": responded,
        "within_sla": within_sla,
        "within_sla_rate": _rate(within_sla, due),
        "median_first_response_seconds": _seconds(median),
        "p90_first_response_seconds": _seconds(p90),
        "oldest_open": _oldest_open(start, end, now),
        "per_employee": _per_employee(sums),
        "per_hour": [
            {"hour": hour, "received": received, "answered": answered}
            for hour, (received, answered) in enumerate(sums.hours)
        ],
        "by_tag": by_tag(start, end, sla, dirty=sums.dirty),
        "by_channel": _by_channel(sums),
        "moved_to_dm": _moved_to_dm(sums),
    }


def _merged(counters: Iterable[Counter[int]]) -> Counter[int]:
    merged: Counter[int] = Counter()
    for counter in counters:
        for index, count in counter.items():
            merged[index] += count
    return merged


def _joined(lists: Iterable[list[float]]) -> list[float]:
    return [value for values in lists for value in values]


def _by_channel(sums: Sums) -> list[dict[str, object]]:
    """Per channel (post, then dm): the counts and the median and p90 first response."""
    found = []
    for channel in rollups.CHANNELS:
        by_status = {status.value: 0 for status in MentionStatus}
        met = missed = responded = 0
        for (status, _priority, kind), values in sums.counts.items():
            if kind == channel:
                by_status[status] += values[0]
                responded += values[1]
                met += values[2]
                missed += values[3]
        median, p90 = _quantiles(sums.bins.get(channel, Counter()), sums.waits.get(channel, []))
        found.append(channel_row(channel, by_status, responded, met, missed, median, p90))
    return found


def channel_row(
    channel: str,
    by_status: dict[str, int],
    responded: int,
    met: int,
    missed: int,
    median: float | None,
    p90: float | None,
) -> dict[str, object]:
    """One channel's entry of `by_channel`, as both coverage computations give it."""
    total = sum(by_status.values())
    due = total - by_status["dismissed"]
    return {
        "channel": channel,
        "total": total,
        "answered": by_status["answered"],
        "answered_elsewhere": by_status["answered_elsewhere"],
        "dismissed": by_status["dismissed"],
        "open": by_status["open"],
        "response_rate": _rate(by_status["answered"] + by_status["answered_elsewhere"], due),
        "responded": responded,
        "sla_met": met,
        "sla_missed": missed,
        "within_sla_rate": _rate(met, due),
        "median_first_response_seconds": _seconds(median),
        "p90_first_response_seconds": _seconds(p90),
    }


def _moved_to_dm(sums: Sums) -> dict[str, object]:
    """Public mentions moved to DM, of which the customer wrote a DM, of which answered."""
    moved = received = answered = 0
    for values in sums.counts.values():
        moved += values[4]
        received += values[5]
        answered += values[6]
    return moved_row(moved, received, answered)


def moved_row(moved: int, received: int, answered: int) -> dict[str, object]:
    """The `moved_to_dm` figures, as both coverage computations give them."""
    return {
        "moved": moved,
        "dm_received": received,
        "dm_answered": answered,
        "dm_received_rate": _rate(received, moved),
        "dm_answered_rate": _rate(answered, received),
    }


def tag_counts(
    start: datetime, end: datetime, sla: dict[str, int], dirty: set[int] | None = None
) -> dict[tuple[int, str], list[int]]:
    """Per (tag id, status): [mentions, responded, sla_met, sla_missed] of the tagged mentions
    created in [start, end); whole unchanged buckets from rollup_tag_counts, the rest live.
    `dirty`: the changed whole buckets when the caller (sums_for) has just read them."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    lo = math.ceil(start.timestamp() / BUCKET_SECONDS)
    hi = math.floor(end.timestamp() / BUCKET_SECONDS)
    held = rollups.usable_state(sla) if dirty is None else None
    found: dict[tuple[int, str], list[int]] = {}

    def add(key: tuple[int, str], values: list[int], sign: int) -> None:
        row = found.setdefault(key, [0, 0, 0, 0])
        for k, value in enumerate(values):
            row[k] += sign * int(value)

    if (held is None and dirty is None) or lo >= hi:
        live = [(start, end)]
    else:
        whole_from, whole_to = rollups.bucket_start(lo), rollups.bucket_start(hi)
        if dirty is None:
            dirty = rollups.changed_buckets(held.watermark - rollups.LAG, whole_from, whole_to)
        columns = (
            sa.func.sum(RollupTagCount.mentions),
            sa.func.sum(RollupTagCount.responded),
            sa.func.sum(RollupTagCount.sla_met),
            sa.func.sum(RollupTagCount.sla_missed),
        )
        rows = db.session.execute(
            sa.select(RollupTagCount.tag_id, RollupTagCount.status, *columns)
            .where(RollupTagCount.bucket >= lo, RollupTagCount.bucket < hi)
            .group_by(RollupTagCount.tag_id, RollupTagCount.status)
        )
        for tag_id, status, *values in rows:
            add((tag_id, status), values, 1)
        if dirty:
            rows = db.session.execute(
                sa.select(
                    RollupTagCount.tag_id,
                    RollupTagCount.status,
                    RollupTagCount.mentions,
                    RollupTagCount.responded,
                    RollupTagCount.sla_met,
                    RollupTagCount.sla_missed,
                ).where(RollupTagCount.bucket.in_(sorted(dirty)))
            )
            for tag_id, status, *values in rows:
                add((tag_id, status), values, -1)
        live = [(start, whole_from), (whole_to, end), *rollups.ranges_of(dirty)]
    for (_bucket, tag_id, status), values in rollups.compute_tags(live, sla).items():
        add((tag_id, status), values, 1)
    return found


def by_tag(
    start: datetime, end: datetime, sla: dict[str, int], dirty: set[int] | None = None
) -> list[dict[str, object]]:
    """Coverage per tag for mentions created in [start, end), most mentions first: a mention
    with two tags counts under each, so the rows add up to more than the period's total."""
    return tag_rows(tag_counts(start, end, sla, dirty))


def tag_rows(counts: dict[tuple[int, str], list[int]]) -> list[dict[str, object]]:
    """Per-tag figures (by tag name) from per (tag id, status) counts; tags with none left out."""
    per_tag: dict[int, dict[str, int]] = {}
    for (tag_id, status), (mentions, responded, met, _missed) in counts.items():
        if mentions <= 0:
            continue
        row = per_tag.setdefault(
            tag_id, {**{s.value: 0 for s in MentionStatus}, "responded": 0, "within_sla": 0}
        )
        row[status] += mentions
        row["responded"] += responded
        row["within_sla"] += met
    if not per_tag:
        return []
    names = dict(db.session.execute(sa.select(Tag.id, Tag.name).where(Tag.id.in_(per_tag))).all())
    return tag_figures({names[tag_id]: row for tag_id, row in per_tag.items()})


def tag_figures(per_tag: dict[str, dict[str, int]]) -> list[dict[str, object]]:
    """`by_tag` rows, most mentions first, from per tag name: a count per status plus
    `responded` and `within_sla` (both coverage computations give them so)."""
    found = []
    for name, row in per_tag.items():
        total = sum(row[s.value] for s in MentionStatus)
        due = total - row["dismissed"]
        found.append(
            {
                "tag": name,
                "total": total,
                "answered": row["answered"],
                "answered_elsewhere": row["answered_elsewhere"],
                "dismissed": row["dismissed"],
                "open": row["open"],
                "responded": row["responded"],
                "within_sla": row["within_sla"],
                "response_rate": _rate(row["answered"] + row["answered_elsewhere"], due),
                "within_sla_rate": _rate(row["within_sla"], due),
            }
        )
    return sorted(found, key=lambda r: (-int(r["total"]), str(r["tag"])))
