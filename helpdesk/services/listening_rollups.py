"""Listening's roll-ups kept exact: an hour's counts computed from its mentions, the hours changed
since the watermark refreshed by a job, any range rebuilt from scratch to the same rows, and a
period's counts summed from whole days and hours with only its edges computed live.

Per UTC hour, and per UTC day as the sum of its hours: mentions, and how many mentions had each
term, hashtag, tone and priority. A mention's text and priority never change, so an hour changes
only when a mention is stored in it; hours are found by `mentions.changed_at` (set on insert and
on every update, indexed), like the coverage roll-ups (services/rollups.py), with the same lag.
The tone words and the brand's handle change what a text counts as: the state row keeps a key
of both, and a different key means a rebuild (until then the figures are computed as before).
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import lru_cache

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Mention
from helpdesk.models.listening import (
    DAY_HOURS,
    HOUR_SECONDS,
    ListeningDay,
    ListeningHour,
    ListeningState,
)
from helpdesk.models.types import utcnow
from helpdesk.services import priority as priority_rules
from helpdesk.services.listening_text import hashtags, terms, tone_of
from helpdesk.services.rollups import LAG, runs

logger = logging.getLogger(__name__)

STATE_ID = 1
REBUILD_CHUNK_HOURS = 7 * DAY_HOURS  # mentions read per step of a rebuild: bounded memory
MAX_TERM = 64  # longer "words" (a pasted run of letters) are not counted: no one reads them
TEXT_CACHE = 20_000  # texts whose terms a process remembers (the same texts come back often)
CHUNK = 1_000

Key = tuple[str, str]  # (kind, term)


def hour_of(when: datetime) -> int:
    """The UTC hour holding an instant, as hours since the epoch."""
    return int(when.timestamp() // HOUR_SECONDS)


def hour_start(hour: int) -> datetime:
    return datetime.fromtimestamp(hour * HOUR_SECONDS, UTC)


def rules_key(handle: str, rules: priority_rules.PriorityRules) -> str:
    """What, besides a text, decides its counts: the brand's handle and the tone rules."""
    words = "\x1f".join(rules.negative_tone)
    raw = f"{handle.casefold()}\x1e{rules.tone_threshold}\x1e{words}"
    return hashlib.sha256(raw.encode()).hexdigest()


@lru_cache(maxsize=TEXT_CACHE)
def mention_terms(text: str, handle: str) -> tuple[frozenset[str], frozenset[str]]:
    """A mention's terms and hashtags, each once (a word counts once per mention)."""
    return (
        frozenset(t for t in terms(text, handle) if len(t) <= MAX_TERM),
        frozenset(t for t in hashtags(text) if len(t) <= MAX_TERM),
    )


def count_mention(
    found: Counter[Key],
    text: str,
    priority: str,
    handle: str,
    rules: priority_rules.PriorityRules,
    tones: dict[str, str] | None = None,
) -> None:
    """Add one mention's counts: itself, its terms, hashtags, tone and priority (`tones`: the
    tones of texts already seen by the caller, with the same rules)."""
    words, tags = mention_terms(text, handle)
    tone = tones.get(text) if tones is not None else None
    if tone is None:
        tone = tone_of(text, rules)
        if tones is not None:
            tones[text] = tone
    found["mentions", ""] += 1
    found["priority", priority] += 1
    found["tone", tone] += 1
    for word in words:
        found["term", word] += 1
    for tag in tags:
        found["hashtag", tag] += 1


def compute(
    ranges: Sequence[tuple[datetime, datetime]],
    handle: str,
    rules: priority_rules.PriorityRules,
) -> dict[int, Counter[Key]]:
    """Exact counts, per UTC hour, of the mentions created in the given [start, end) ranges."""
    found: dict[int, Counter[Key]] = {}
    tones: dict[str, str] = {}
    for start, end in ranges:
        if start >= end:
            continue
        rows = db.session.execute(
            sa.select(Mention.created_at, Mention.text, Mention.priority)
            .where(Mention.created_at >= start, Mention.created_at < end)
            .execution_options(yield_per=CHUNK)
        )
        for created_at, text, priority in rows:
            counts = found.get(hour_of(created_at))
            if counts is None:
                counts = found[hour_of(created_at)] = Counter()
            value = getattr(priority, "value", priority)
            count_mention(counts, text, value, handle, rules, tones)
    return found


def changed_hours(since: datetime, lo: int | None = None, hi: int | None = None) -> set[int]:
    """Hours holding a mention changed (or stored) at or after `since`; only [lo, hi) if given."""
    query = sa.select(Mention.created_at).where(Mention.changed_at >= since)
    if lo is not None and hi is not None:
        query = query.where(
            Mention.created_at >= hour_start(lo), Mention.created_at < hour_start(hi)
        )
    return {hour_of(created_at) for created_at in db.session.scalars(query)}


def _insert_hours(found: dict[int, Counter[Key]]) -> int:
    rows = [
        {"hour": hour, "kind": kind, "term": term, "count": count}
        for hour, counts in found.items()
        for (kind, term), count in counts.items()
    ]
    if rows:
        db.session.execute(ListeningHour.__table__.insert(), rows)  # Core: no ORM per row
    return len(rows)


def _rebuild_days(lo_day: int, hi_day: int) -> None:
    """Days [lo_day, hi_day) as the sums of their hours' rows."""
    db.session.execute(
        sa.delete(ListeningDay).where(ListeningDay.day >= lo_day, ListeningDay.day < hi_day)
    )
    day = (ListeningHour.hour // DAY_HOURS).label("day")
    db.session.execute(
        sa.insert(ListeningDay).from_select(
            ["day", "kind", "term", "count"],
            sa.select(day, ListeningHour.kind, ListeningHour.term, sa.func.sum(ListeningHour.count))
            .where(
                ListeningHour.hour >= lo_day * DAY_HOURS, ListeningHour.hour < hi_day * DAY_HOURS
            )
            .group_by(day, ListeningHour.kind, ListeningHour.term),
        )
    )


def _rebuild_runs(
    hour_runs: Sequence[tuple[int, int]], handle: str, rules: priority_rules.PriorityRules
) -> int:
    """Replace the rows of these [lo, hi) hour runs, and of the days they fall in."""
    rows = 0
    for lo, hi in hour_runs:
        db.session.execute(
            sa.delete(ListeningHour).where(ListeningHour.hour >= lo, ListeningHour.hour < hi)
        )
        for first in range(lo, hi, REBUILD_CHUNK_HOURS):
            last = min(first + REBUILD_CHUNK_HOURS, hi)
            rows += _insert_hours(compute([(hour_start(first), hour_start(last))], handle, rules))
    days = {day for lo, hi in hour_runs for day in range(lo // DAY_HOURS, -(-hi // DAY_HOURS))}
    for lo_day, hi_day in runs(days):
        _rebuild_days(lo_day, hi_day)
    return rows


def _locked_state() -> ListeningState:
    """The state row, locked until commit (one refresh or rebuild at a time)."""
    query = sa.select(ListeningState).where(ListeningState.id == STATE_ID)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    held = db.session.scalar(query)
    if held is None:
        held = ListeningState(id=STATE_ID)
        db.session.add(held)
        db.session.flush()
    return held


def state() -> ListeningState | None:
    """How far listening's roll-ups are kept (None before the migration's row)."""
    return db.session.get(ListeningState, STATE_ID)


def current() -> tuple[str, priority_rules.PriorityRules]:
    """The brand's handle and the tone rules in force now."""
    from helpdesk.services import brand
    from helpdesk.services.rule_cache import current_priority_rules

    account = brand.stored_brand_account()
    return (account.username if account else ""), current_priority_rules()


def rebuild(
    start: datetime | None = None, end: datetime | None = None, *, now: datetime | None = None
) -> dict[str, object]:
    """Recompute listening's roll-ups of the hours meeting [start, end) from the mentions, in one
    transaction; without bounds, everything (and the watermark and rules key move on)."""
    now = now or utcnow()
    held = _locked_state()
    handle, rules = current()
    whole = start is None and end is None
    if whole:
        oldest, newest = db.session.execute(
            sa.select(sa.func.min(Mention.created_at), sa.func.max(Mention.created_at))
        ).one()
        db.session.execute(sa.delete(ListeningHour))
        db.session.execute(sa.delete(ListeningDay))
        lo = hour_of(oldest or now)
        hi = max(hour_of(newest), hour_of(now)) + 1 if newest else hour_of(now) + 1
    else:
        if start is None or end is None or start >= end:
            raise ValueError("rebuild needs start before end, or neither")
        lo, hi = hour_of(start), math.ceil(end.timestamp() / HOUR_SECONDS)
    rows = _rebuild_runs([(lo, hi)], handle, rules)
    if whole:
        held.watermark = now
        held.rules_key = rules_key(handle, rules)
    held.refreshed_at = now
    db.session.commit()
    logger.info("listening roll-ups rebuilt: hours %s..%s, %s rows", lo, hi, rows)
    return {
        "from": hour_start(lo).isoformat(),
        "to": hour_start(hi).isoformat(),
        "rows": rows,
        "whole": whole,
    }


def refresh(now: datetime | None = None) -> dict[str, object]:
    """Recount the hours whose mentions changed since the watermark (less LAG); rebuild
    everything when there is no watermark yet or the tone rules or the handle changed."""
    now = now or utcnow()
    held = _locked_state()
    handle, rules = current()
    if held.watermark is None or held.rules_key != rules_key(handle, rules):
        db.session.rollback()
        return {"refreshed": 0, **rebuild(now=now)}
    changed = changed_hours(held.watermark - LAG)
    rows = _rebuild_runs(runs(changed), handle, rules)
    held.watermark = held.refreshed_at = now
    db.session.commit()
    return {"refreshed": len(changed), "rows": rows}


def usable_state(handle: str, rules: priority_rules.PriorityRules) -> ListeningState | None:
    """The state when the roll-ups count texts as these rules and handle would, else None."""
    held = state()
    if held is None or held.watermark is None or held.rules_key != rules_key(handle, rules):
        return None
    return held


def _sum_rows(
    model: type[ListeningHour] | type[ListeningDay], lo: int, hi: int, kinds: Iterable[str]
) -> Counter[Key]:
    column = model.hour if model is ListeningHour else model.day
    rows = db.session.execute(
        sa.select(model.kind, model.term, sa.func.sum(model.count))
        .where(column >= lo, column < hi, model.kind.in_(list(kinds)))
        .group_by(model.kind, model.term)
    )
    return Counter({(kind, term): int(count) for kind, term, count in rows})


TEXT_KINDS = ("term", "hashtag", "tone", "priority", "mentions")


def period_counts(
    start: datetime, end: datetime, handle: str, rules: priority_rules.PriorityRules
) -> Counter[Key] | None:
    """Counts of the mentions created in [start, end): whole days and hours from the roll-ups,
    the partial hours at the edges and hours changed after the watermark computed live; None
    when the roll-ups were built with other rules (or not yet)."""
    held = usable_state(handle, rules)
    if held is None:
        return None
    lo, hi = math.ceil(start.timestamp() / HOUR_SECONDS), hour_of(end)  # whole hours: [lo, hi)
    if lo >= hi:
        found = Counter()
        for counts in compute([(start, end)], handle, rules).values():
            found.update(counts)
        return found
    lo_day, hi_day = -(-lo // DAY_HOURS), hi // DAY_HOURS  # whole days: [lo_day, hi_day)
    if lo_day < hi_day:
        found = _sum_rows(ListeningDay, lo_day, hi_day, TEXT_KINDS)
        found.update(_sum_rows(ListeningHour, lo, lo_day * DAY_HOURS, TEXT_KINDS))
        found.update(_sum_rows(ListeningHour, hi_day * DAY_HOURS, hi, TEXT_KINDS))
    else:
        found = _sum_rows(ListeningHour, lo, hi, TEXT_KINDS)
    dirty = changed_hours(held.watermark - LAG, lo, hi)
    if dirty:  # take away what the roll-ups hold for them: they are counted live instead
        rows = db.session.execute(
            sa.select(ListeningHour.kind, ListeningHour.term, ListeningHour.count).where(
                ListeningHour.hour.in_(sorted(dirty))
            )
        )
        found.subtract(Counter({(kind, term): count for kind, term, count in rows}))
    live = [(start, hour_start(lo)), (hour_start(hi), end)]
    live += [(hour_start(a), hour_start(b)) for a, b in runs(dirty)]
    for counts in compute(live, handle, rules).values():
        found.update(counts)
    return +found  # drop the zeros


def hourly_mentions(start: datetime, end: datetime) -> Counter[datetime] | None:
    """Mentions per UTC hour in [start, end), from the roll-ups with the edges and the changed
    hours counted live by the database; None when the roll-ups are not built yet."""
    held = state()
    if held is None or held.watermark is None:
        return None  # the counts do not depend on the rules: any built state will do
    lo, hi = math.ceil(start.timestamp() / HOUR_SECONDS), hour_of(end)
    found: Counter[datetime] = Counter()
    live = [(start, end)]
    if lo < hi:
        dirty = changed_hours(held.watermark - LAG, lo, hi)
        rows = db.session.execute(
            sa.select(ListeningHour.hour, ListeningHour.count).where(
                ListeningHour.hour >= lo,
                ListeningHour.hour < hi,
                ListeningHour.kind == "mentions",
            )
        )
        for hour, count in rows:
            if hour not in dirty:
                found[hour_start(hour)] += count
        live = [(start, hour_start(lo)), (hour_start(hi), end)]
        live += [(hour_start(a), hour_start(b)) for a, b in runs(dirty)]
    for a, b in live:
        if a < b:
            found.update(hourly_counted(a, b))
    return found


def _hour_key() -> sa.ColumnElement[str]:
    """The UTC hour of Mention.created_at as 'YYYY-MM-DD HH', on either backend."""
    if db.session.get_bind().dialect.name == "sqlite":
        # stored as 'YYYY-MM-DD HH:MM:SS.ffffff'
        return sa.func.substr(Mention.created_at, 1, 13, type_=sa.String)
    utc = sa.func.timezone("UTC", Mention.created_at)
    return sa.func.to_char(sa.func.date_trunc("hour", utc), "YYYY-MM-DD HH24", type_=sa.String)


def hourly_counted(start: datetime, end: datetime) -> Counter[datetime]:
    """Mentions per UTC hour in [start, end), counted by the database."""
    key = _hour_key().label("hour")
    rows = db.session.execute(
        sa.select(key, sa.func.count())
        .where(Mention.created_at >= start, Mention.created_at < end)
        .group_by(key)
    ).all()
    return Counter(
        {datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=UTC): n for hour, n in rows}
    )
