"""What X costs: every call counted per UTC day in Redis, rolled up into the database, priced
with the editable price table, and summed for the costs page, the API and the composer.

X bills per UTC day (a resource read twice in one UTC day is charged once), reads per resource
returned and writes per request. The counters count every resource returned, so a desk that
reads the same post twice in a day sees a little more than X bills: an upper bound.
"""

from __future__ import annotations

import calendar
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

import redis
import sqlalchemy as sa
from flask import current_app, has_app_context

from helpdesk.extensions import db
from helpdesk.models import DeskSetting, Employee, Role, XPrice, XUsageDay
from helpdesk.models.costs import MICROS
from helpdesk.models.types import utcnow
from helpdesk.services import audit, rollup_figures
from helpdesk.services.errors import Forbidden, InvalidInput, NotFound
from helpdesk.x import transport
from helpdesk.x.text import has_link

logger = logging.getLogger(__name__)

# The kinds X prices, in the order the page lists them; `other` calls are counted, never priced.
PRICED_KINDS = (
    transport.OWNED_READ,
    transport.POST_READ,
    transport.USER_READ,
    transport.DM_READ,
    transport.POST,
    transport.POST_WITH_LINK,
    transport.REPLY,
    transport.DM,
)
# The reads X's monthly post-read cap counts: posts, our own included.
POST_READS = (transport.OWNED_READ, transport.POST_READ)
POST_READ_CAP_KEY = "x_post_read_cap"
KEY_PREFIX = "helpdesk:x:usage:"
KEEP_SECONDS = 40 * 86400  # the counters outlive a month, so a late roll-up still finds them
ROLLUP_DAYS = 7  # each roll-up copies this many past UTC days besides today
MAX_PRICE = Decimal(1000)  # dollars per unit: far above any X price, below any typo's reach
MAX_CAP = 10**12
_PRICE = re.compile(r"[0-9]{1,9}(\.[0-9]{1,12})?|\.[0-9]{1,12}")


def usage_key(day: date) -> str:
    """The Redis hash of one UTC day's counters: calls:<kind> and units:<kind>."""
    return f"{KEY_PREFIX}{day.isoformat()}"


def count_call(usage: transport.CallUsage) -> None:
    """Count one call to X and the units X bills for it (the X client's transport calls this)."""
    if not has_app_context():
        return
    key = usage_key(utcnow().date())
    try:
        pipe = current_app.extensions["redis"].pipeline(transaction=False)
        pipe.hincrby(key, f"calls:{usage.kind}", 1)
        for kind, units in usage.units.items():
            pipe.hincrby(key, f"units:{kind}", units)
        pipe.expire(key, KEEP_SECONDS)
        pipe.execute()
    except redis.RedisError as exc:  # a report: losing one count must not fail the call to X
        logger.warning("could not count an X call (%s): %s", usage.kind, exc)


def _counted(day: date) -> dict[str, tuple[int, int]]:
    """One UTC day's counters from Redis: kind -> (calls, units)."""
    raw = current_app.extensions["redis"].hgetall(usage_key(day))
    return _parse_counters(raw)


def _parse_counters(raw: dict[bytes, bytes]) -> dict[str, tuple[int, int]]:
    found: dict[str, list[int]] = {}
    for field, value in raw.items():
        what, _, kind = field.decode().partition(":")
        if what in ("calls", "units") and kind:
            found.setdefault(kind, [0, 0])[what == "units"] = int(value)
    return {kind: (calls, units) for kind, (calls, units) in found.items()}


# --- the roll-up ---------------------------------------------------------------------------


def rollup_usage(now: datetime | None = None) -> dict[str, int]:
    """Copy the last days' Redis counters into x_usage_days (the scheduled job). Idempotent: a
    row keeps the larger of what it holds and what Redis counts, so a Redis that lost its data
    never lowers a figure."""
    today = (now or utcnow()).astimezone(UTC).date()
    days = [today - timedelta(days=n) for n in range(ROLLUP_DAYS, -1, -1)]
    pipe = current_app.extensions["redis"].pipeline(transaction=False)
    for day in days:
        pipe.hgetall(usage_key(day))
    counted = {day: _parse_counters(raw) for day, raw in zip(days, pipe.execute(), strict=True)}
    for attempt in range(2):
        try:
            changed = _merge(counted)
            db.session.commit()
            return {"days": sum(1 for found in counted.values() if found), "rows": changed}
        except sa.exc.IntegrityError:
            db.session.rollback()  # another roll-up inserted the same day at the same moment
            if attempt:
                raise
    raise AssertionError("unreachable")


def _merge(counted: dict[date, dict[str, tuple[int, int]]]) -> int:
    days = [day for day, found in counted.items() if found]
    if not days:
        return 0
    rows = {
        (row.day, row.kind): row
        for row in db.session.scalars(sa.select(XUsageDay).where(XUsageDay.day.in_(days)))
    }
    changed = 0
    for day in days:
        for kind, (calls, units) in counted[day].items():
            row = rows.get((day, kind))
            if row is None:
                db.session.add(XUsageDay(day=day, kind=kind, calls=calls, units=units))
                changed += 1
            elif calls > row.calls or units > row.units:
                row.calls, row.units = max(row.calls, calls), max(row.units, units)
                row.updated_at = utcnow()
                changed += 1
    db.session.flush()
    return changed


def _usage(first: date, last: date, today: date) -> dict[date, dict[str, tuple[int, int]]]:
    """[first, last]'s counts per day and kind: the roll-up, with today and yesterday's live
    counters from Redis over it (the roll-up may be a minute behind)."""
    usage: dict[date, dict[str, tuple[int, int]]] = {}
    if first > last:
        return usage
    for row in db.session.scalars(
        sa.select(XUsageDay).where(XUsageDay.day >= first, XUsageDay.day <= last)
    ):
        usage.setdefault(row.day, {})[row.kind] = (row.calls, row.units)
    for day in (today - timedelta(days=1), today):
        if first <= day <= last:
            for kind, (calls, units) in _counted(day).items():
                was = usage.setdefault(day, {}).get(kind, (0, 0))
                usage[day][kind] = (max(was[0], calls), max(was[1], units))
    return usage


# --- prices and the cap --------------------------------------------------------------------


def list_prices() -> list[XPrice]:
    """The price table's rows, in the order of PRICED_KINDS."""
    rows = {row.kind: row for row in db.session.scalars(sa.select(XPrice))}
    return [rows[kind] for kind in PRICED_KINDS if kind in rows]


def prices() -> dict[str, Decimal | None]:
    """Each priced kind's dollars per unit; None where the table has no price for it."""
    rows = {row.kind: row.usd for row in db.session.scalars(sa.select(XPrice))}
    return {kind: rows.get(kind) for kind in PRICED_KINDS}


def parse_price(raw: object, parameter: str = "usd") -> Decimal:
    """A price people typed or sent: a number of dollars, 0 or more, at most 6 decimals."""
    try:
        return _parse_price(raw)
    except InvalidInput as exc:
        exc.extra["parameter"] = parameter  # the form's field or the API body's key
        raise


def _parse_price(raw: object) -> Decimal:
    if isinstance(raw, bool) or raw is None:
        raise _bad_price()
    if isinstance(raw, int | float):
        raw = repr(raw) if isinstance(raw, float) else str(raw)
    if not isinstance(raw, str):
        raise _bad_price()
    text = raw.strip().removeprefix("$").strip()
    if text.startswith("-") and _PRICE.fullmatch(text[1:]):
        raise InvalidInput("A price cannot be negative.", code="negative_price", parameter="usd")
    if not _PRICE.fullmatch(text):
        raise _bad_price()
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain decimals
        raise _bad_price() from None
    if value > MAX_PRICE or value != value.quantize(Decimal(1) / MICROS, rounding="ROUND_DOWN"):
        raise _bad_price()
    return value


def _bad_price() -> InvalidInput:
    return InvalidInput(
        f"A price is a number of US dollars from 0 to {MAX_PRICE}, with at most 6 decimals"
        " (e.g. 0.015).",
        code="invalid_price",
        parameter="usd",
    )


def set_price(kind: str, raw: object, *, actor: Employee, parameter: str = "usd") -> XPrice:
    """Change one kind's price (supervisors); audited with the price before and after."""
    if not actor.can(Role.SUPERVISOR):
        raise Forbidden("Only supervisors change prices.")
    if kind not in PRICED_KINDS:
        raise NotFound(f"No price for {kind!r}.", code="not_found")
    usd = parse_price(raw, parameter)
    row = db.session.get(XPrice, kind)
    before = str(row.usd) if row is not None else None
    if row is None:
        row = XPrice(kind=kind, micro_usd=0, source="")
        db.session.add(row)
    row.micro_usd = int(usd * MICROS)
    row.updated_at, row.updated_by_id = utcnow(), actor.id
    audit.record("x_price.changed", "x_price", kind, actor=actor, before=before, after=str(row.usd))
    db.session.commit()
    return row


def post_read_cap() -> int | None:
    """X's monthly cap on post reads for a pay-per-use app, as the desk keeps it."""
    row = db.session.get(DeskSetting, POST_READ_CAP_KEY)
    return int(row.value) if row is not None and row.value.isdecimal() else None


def set_post_read_cap(raw: object, *, actor: Employee) -> int:
    """Change the monthly post-read cap (supervisors): a whole number, 0 or more; audited."""
    if not actor.can(Role.SUPERVISOR):
        raise Forbidden("Only supervisors change the post-read cap.")
    text = str(raw).strip().replace(",", "") if isinstance(raw, str | int) else ""
    if isinstance(raw, bool) or not (text.isdecimal() and text.isascii()) or len(text) > 13:
        raise InvalidInput(
            "The cap is a whole number of post reads, 0 or more.",
            code="invalid_cap",
            parameter="cap",
        )
    cap = int(text)
    if cap > MAX_CAP:
        raise InvalidInput("The cap is too large.", code="invalid_cap", parameter="cap")
    before = post_read_cap()
    row = db.session.get(DeskSetting, POST_READ_CAP_KEY)
    if row is None:
        row = DeskSetting(key=POST_READ_CAP_KEY, value=str(cap))
        db.session.add(row)
    row.value, row.updated_at = str(cap), utcnow()
    audit.record(
        "x_price.cap_changed", "desk", POST_READ_CAP_KEY, actor=actor, before=before, after=cap
    )
    db.session.commit()
    return cap


# --- the figures ---------------------------------------------------------------------------


def _utc_days(start: datetime, end: datetime) -> tuple[date, date]:
    """The UTC days that [start, end) touches: X bills per UTC day, so a period in the desk's zone
    (Tokyo's today is two UTC days) is priced by every billing day it overlaps, never by none."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    last_moment = end - timedelta(microseconds=1)
    return start.date(), last_moment.date()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


def _usd(value: Decimal | None) -> float | None:
    return None if value is None else float(round(value, 6))


def _cost(kinds: dict[str, tuple[int, int]], price: dict[str, Decimal | None]) -> Decimal:
    return sum(
        (Decimal(units) * (price.get(kind) or 0) for kind, (_calls, units) in kinds.items()),
        Decimal(0),
    )


def costs(
    start: datetime, end: datetime, tz: str, *, now: datetime | None = None
) -> dict[str, object]:
    """X's spend for the UTC days that [start, end) touches, by day and kind of call, with
    today, the month to date, the month projected, the cost per answered mention and the
    month's post reads against X's cap."""
    if start >= end:
        raise InvalidInput("from must be before to.", code="reversed_period", parameter="to")
    now = (now or utcnow()).astimezone(UTC)
    today = now.date()
    price = prices()
    first, last = _utc_days(start, end)
    usage = _usage(first, last, today)
    days, by_kind = [], {kind: [0, 0, Decimal(0)] for kind in (*PRICED_KINDS, transport.OTHER)}
    day = first
    while day <= last:
        kinds = usage.get(day, {})
        for kind, (calls, units) in kinds.items():
            totals = by_kind.setdefault(kind, [0, 0, Decimal(0)])
            totals[0] += calls
            totals[1] += units
            totals[2] += Decimal(units) * (price.get(kind) or 0)
        days.append(
            {
                "day": day.isoformat(),
                "calls": sum(calls for calls, _units in kinds.values()),
                "usd": _usd(_cost(kinds, price)),
            }
        )
        day += timedelta(days=1)
    total = sum((totals[2] for totals in by_kind.values()), Decimal(0))
    month_first = today.replace(day=1)
    month = _usage(month_first, today, today)
    month_cost = sum((_cost(kinds, price) for kinds in month.values()), Decimal(0))
    today_cost = _cost(month.get(today, {}), price)
    month_seconds = calendar.monthrange(today.year, today.month)[1] * 86400
    elapsed = (now - _midnight(month_first)).total_seconds()
    projected = month_cost * Decimal(month_seconds) / Decimal(elapsed) if elapsed > 0 else None
    answered = 0
    if first <= last:
        figures = rollup_figures.figures(_midnight(first), _midnight(last + timedelta(1)), tz)
        answered = int(str(figures["answered"]))
    post_reads = sum(kinds.get(kind, (0, 0))[1] for kinds in month.values() for kind in POST_READS)
    cap = post_read_cap()
    return {
        "from": _midnight(first) if first <= last else start,
        "to": _midnight(last + timedelta(days=1)) if first <= last else end,
        "generated_at": now,
        "currency": "USD",
        "total_usd": _usd(total),
        "calls": sum(totals[0] for totals in by_kind.values()),
        "days": days,
        "by_kind": [
            {
                "kind": kind,
                "calls": calls,
                "units": units,
                "unit_usd": _usd(price.get(kind)),
                "usd": _usd(cost),
            }
            for kind, (calls, units, cost) in by_kind.items()
        ],
        "today_usd": _usd(today_cost),
        "month_to_date_usd": _usd(month_cost),
        "projected_month_usd": _usd(projected),
        "answered": answered,
        "per_answered_mention_usd": _usd(total / answered) if answered else None,
        "post_reads": {
            "month_to_date": post_reads,
            "cap": cap,
            "share": post_reads / cap if cap else None,
        },
    }


@dataclass(frozen=True)
class ReplyCost:
    """What posting a public reply costs: its own price, and a plain reply's to compare."""

    kind: str
    usd: Decimal | None
    plain_usd: Decimal | None

    @property
    def dearer(self) -> bool:
        """Whether this reply costs more than a plain one (it has a link)."""
        return self.kind == transport.POST_WITH_LINK

    @property
    def times(self) -> int | None:
        """How many plain replies this reply costs, rounded."""
        if not self.usd or not self.plain_usd:
            return None
        return round(self.usd / self.plain_usd)

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "usd": _usd(self.usd),
            "plain_usd": _usd(self.plain_usd),
            "times": self.times,
        }


def reply_cost(signed_text: str) -> ReplyCost:
    """What X charges for this public reply to a mention: a link makes it a post with a link."""
    price = prices()
    kind = transport.POST_WITH_LINK if has_link(signed_text) else transport.REPLY
    return ReplyCost(kind, price.get(kind), price.get(transport.REPLY))
