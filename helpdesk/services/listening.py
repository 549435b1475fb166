"""Listening for a period: volume over time with spikes, top terms and hashtags, priority and tone.

Scale: every figure is read from listening's roll-ups (services/listening_rollups.py: per UTC
day and hour, mentions and how many had each term, hashtag, tone and priority, kept by an RQ
job), with only the partial hours at a period's edges and the hours changed since the job's
watermark counted live, so the figures are exact and a month costs a sum of small rows. Until
the job has built them (or after the tone words or the brand's handle changed, until its next
run) they are computed as before: volume and priority by the database, and only the newest
MAX_TEXTS texts of the period tokenised and toned; the answer says how many were (`sample`).
`listening_exact` counts every text of the period: the reference the roll-ups are tested on.

Spikes: an hour of the period is a spike when its count is at least MIN_SPIKE and above
median + SPIKE_K * max(1.4826 * MAD, 1) of the same local hour on each of the previous
BASELINE_DAYS days (MAD: median absolute deviation; 1.4826 scales it to a standard
deviation for normal data; the floor of 1 keeps a flat baseline from flagging noise).
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime, timedelta, tzinfo
from statistics import median
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Mention, Priority, Tag
from helpdesk.models.types import utcnow
from helpdesk.services import listening_rollups, rollup_figures, rollups
from helpdesk.services.errors import InvalidInput
from helpdesk.services.listening_rollups import hourly_counted as _hourly
from helpdesk.services.listening_text import (  # noqa: F401 - the words' functions live there
    TONE_NAMES,
    hashtags,
    terms,
    tone_of,
)
from helpdesk.services.rollup_figures import offset_segments

HOURLY_UP_TO = timedelta(days=3)  # longer periods are drawn per day
BASELINE_DAYS = 28
SPIKE_K = 3.0
MIN_SPIKE = 5
MAX_TEXTS = 10_000
TOP = 20
CHUNK = 1_000


def _zone(tz: str | tzinfo) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _hours(start: datetime, end: datetime) -> list[datetime]:
    """The UTC hours that overlap [start, end)."""
    hour, hours = start.replace(minute=0, second=0, microsecond=0), []
    while hour < end:
        hours.append(hour)
        hour += timedelta(hours=1)
    return hours


def _spike_threshold(history: list[int]) -> float:
    """median + K * max(1.4826 * MAD, 1), and never below MIN_SPIKE."""
    centre = median(history) if history else 0.0
    mad = median(abs(n - centre) for n in history) if history else 0.0
    return max(centre + SPIKE_K * max(1.4826 * mad, 1.0), float(MIN_SPIKE))


def _fixed_offset(zone: tzinfo, start: datetime, end: datetime) -> bool:
    """Whether the zone keeps one UTC offset all through [start, end)."""
    lo, hi = math.floor(start.timestamp() / 900), math.ceil(end.timestamp() / 900)
    segments = offset_segments(zone, lo, hi)
    return len(segments) == 1


def _volume(
    start: datetime, end: datetime, zone: tzinfo, counts: Counter[datetime]
) -> tuple[str, list[dict[str, object]], list[dict[str, object]]]:
    """(bucket, volume buckets, spike hours) from the mentions per UTC hour of [start less the
    baseline, end); an hour row has its usual level and spike flag."""
    hourly = []
    fixed = _fixed_offset(zone, start - timedelta(days=BASELINE_DAYS), end)
    by_hour = {int(when.timestamp()) // 3600: n for when, n in counts.items()} if fixed else {}
    for hour in _hours(start, end):
        if fixed:  # the same local hour d days before is d * 24 hours before: integer keys
            at = int(hour.timestamp()) // 3600
            history = [by_hour.get(at - 24 * d, 0) for d in range(1, BASELINE_DAYS + 1)]
        else:
            local = hour.astimezone(zone)
            history = [
                counts.get((local - timedelta(days=d)).astimezone(UTC), 0)
                for d in range(1, BASELINE_DAYS + 1)
            ]
        count = counts.get(hour, 0)
        threshold = _spike_threshold(history)
        hourly.append(
            {
                "start": hour,
                "count": count,
                "usual": float(median(history)),
                "threshold": round(threshold, 3),
                "spike": count >= threshold,
            }
        )
    if end - start <= HOURLY_UP_TO:
        return "hour", hourly, [h for h in hourly if h["spike"]]
    days: dict[datetime, dict[str, object]] = {}
    for h in hourly:
        local = h["start"].astimezone(zone)
        day = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
        entry = days.setdefault(day, {"start": day, "count": 0, "spikes": 0})
        entry["count"] += h["count"]
        entry["spikes"] += int(bool(h["spike"]))
    return "day", list(days.values()), [h for h in hourly if h["spike"]]


def _priorities(in_period: sa.ColumnElement[bool]) -> dict[str, int]:
    rows = dict(
        db.session.execute(
            sa.select(Mention.priority, sa.func.count()).where(in_period).group_by(Mention.priority)
        ).all()
    )
    return {p.value: rows.get(p, 0) for p in Priority}


def _shares(counts: dict[str, int]) -> list[dict[str, object]]:
    whole = sum(counts.values())
    return [
        {"name": name, "count": n, "share": (n / whole if whole else None)}
        for name, n in counts.items()
    ]


def _ranked(counter: Counter[str]) -> list[dict[str, object]]:
    return [
        {"term": t, "count": n} for t, n in sorted(counter.items(), key=lambda i: (-i[1], i[0]))
    ][:TOP]


def listening(
    start: datetime, end: datetime, tz: str | tzinfo, *, now: datetime | None = None
) -> dict[str, object]:
    """The listening figures for mentions created in [start, end); days and hours in `tz`: from
    the roll-ups when they are built with the rules in force, else from a sample of texts."""
    _check(start, end)
    handle, rules = listening_rollups.current()
    counts = listening_rollups.period_counts(start, end, handle, rules)
    hourly = listening_rollups.hourly_mentions(start - timedelta(days=BASELINE_DAYS), end)
    if counts is None or hourly is None:
        return _computed(start, end, tz, MAX_TEXTS, now=now)
    zone = _zone(tz)
    bucket, volume, spikes = _volume(start, end, zone, hourly)
    kinds: dict[str, Counter[str]] = {}
    for (kind, term), n in counts.items():
        kinds.setdefault(kind, Counter())[term] = n
    tones = kinds.get("tone", Counter())
    priorities = kinds.get("priority", Counter())
    return _answer(
        start,
        end,
        tz,
        now,
        total=counts["mentions", ""],
        sample=counts["mentions", ""],
        bucket=bucket,
        volume=volume,
        spikes=spikes,
        term_counts=kinds.get("term", Counter()),
        tag_counts=kinds.get("hashtag", Counter()),
        priorities={p.value: priorities.get(p.value, 0) for p in Priority},
        tones={name: tones.get(name, 0) for name in TONE_NAMES},
    )


def listening_exact(
    start: datetime, end: datetime, tz: str | tzinfo, *, now: datetime | None = None
) -> dict[str, object]:
    """The same figures with every text of the period tokenised, read from the mentions alone:
    the reference the roll-ups are tested against (and the benchmark's exact path)."""
    _check(start, end)
    return _computed(start, end, tz, None, now=now)


def _check(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("listening needs tz-aware datetimes")
    if start >= end:
        raise InvalidInput("from must be before to.", parameter="from", subject="period_order")


def _computed(
    start: datetime,
    end: datetime,
    tz: str | tzinfo,
    limit: int | None,
    *,
    now: datetime | None = None,
) -> dict[str, object]:
    """The figures read from the mentions: the newest `limit` texts (None: all) tokenised."""
    zone = _zone(tz)
    in_period = sa.and_(Mention.created_at >= start, Mention.created_at < end)
    hourly = _hourly(start - timedelta(days=BASELINE_DAYS), end)
    bucket, volume, spikes = _volume(start, end, zone, hourly)
    handle, rules = listening_rollups.current()  # the supervisors' tone words, as ingest uses
    found: Counter[tuple[str, str]] = Counter()
    texts = db.session.execute(
        sa.select(Mention.text)
        .where(in_period)
        .order_by(Mention.created_at.desc(), Mention.id.desc())
        .limit(limit)
        .execution_options(yield_per=CHUNK)
    ).scalars()
    for text in texts:
        listening_rollups.count_mention(found, text, "", handle, rules)
    term_counts: Counter[str] = Counter()
    tag_counts: Counter[str] = Counter()
    for (kind, term), n in found.items():
        if kind == "term":
            term_counts[term] = n
        elif kind == "hashtag":
            tag_counts[term] = n
    priorities = _priorities(in_period)
    return _answer(
        start,
        end,
        tz,
        now,
        # The period's own mentions (an unaligned first hour's bar also holds earlier ones).
        total=sum(priorities.values()),
        sample=found["mentions", ""],
        bucket=bucket,
        volume=volume,
        spikes=spikes,
        term_counts=term_counts,
        tag_counts=tag_counts,
        priorities=priorities,
        tones={name: found["tone", name] for name in TONE_NAMES},
    )


def _answer(
    start: datetime,
    end: datetime,
    tz: str | tzinfo,
    now: datetime | None,
    *,
    total: int,
    sample: int,
    bucket: str,
    volume: list[dict[str, object]],
    spikes: list[dict[str, object]],
    term_counts: Counter[str],
    tag_counts: Counter[str],
    priorities: dict[str, int],
    tones: dict[str, int],
) -> dict[str, object]:
    return {
        "from": start,
        "to": end,
        "timezone": str(tz),
        "generated_at": now or utcnow(),
        "total": total,
        "sample": sample,
        "bucket": bucket,
        "volume": volume,
        "spikes": spikes,
        "spike_rule": {
            "baseline_days": BASELINE_DAYS,
            "k": SPIKE_K,
            "min_count": MIN_SPIKE,
        },
        "top_terms": _ranked(term_counts),
        "top_hashtags": _ranked(tag_counts),
        "by_priority": _shares(priorities),
        "by_tone": _shares(tones),
        "by_tag": by_tag(start, end),
    }


def by_tag(start: datetime, end: datetime) -> list[dict[str, object]]:
    """Mentions per tag in [start, end), most first, with their share of the period's tagged
    mentions counted per tag (a mention with two tags counts under each); from the per-tag
    roll-up, its edges and changed buckets live (services/rollup_figures.tag_counts)."""
    counts: Counter[int] = Counter()
    for (tag_id, _status), values in rollup_figures.tag_counts(
        start, end, rollups.current_sla()
    ).items():
        counts[tag_id] += values[0]
    counts = Counter({tag_id: n for tag_id, n in counts.items() if n > 0})
    if not counts:
        return []
    names = dict(db.session.execute(sa.select(Tag.id, Tag.name).where(Tag.id.in_(counts))).all())
    whole = sum(counts.values())
    ranked = sorted(counts.items(), key=lambda item: (-item[1], names[item[0]]))
    return [
        {"tag": names[tag_id], "mentions": n, "share": round(n / whole, 4)} for tag_id, n in ranked
    ]
