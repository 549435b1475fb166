"""Periods: the one meaning of `from`/`to` for every page, export, proof, API answer and command.

A `Period` is [start, end) in UTC. A date is a whole day in the desk's time zone; the 366-day
cap is counted in those days too. Each caller says what it accepts in a `Form`: its presets,
its default, and whether the `to` people type names the last day included (the pages' custom
range, mentions.csv) or the first day left out (the proof, the API).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from helpdesk.models.types import utcnow
from helpdesk.services.errors import InvalidInput

MAX_DAYS = 366
CUSTOM = "custom"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9][0-9:.]*(Z|[+-][0-9:]+)?")
_LONGEST_INPUT = 40  # longer than any ISO 8601 datetime with an offset
_TICK = timedelta(microseconds=1)
# A year inside these leaves room for any offset, a day and 366 days either way: no overflow.
_FIRST_YEAR, _LAST_YEAR = 2, 9997


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC, the desk's zone its days are counted in, and how it was asked for."""

    start: datetime
    end: datetime
    tz: str
    name: str = CUSTOM
    inclusive_to: bool = False  # the people who asked for it see `to` as the last day included

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a Period needs tz-aware datetimes")
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))

    @property
    def zone(self) -> ZoneInfo:
        """The desk's time zone."""
        return ZoneInfo(self.tz)

    @property
    def last_moment(self) -> datetime:
        """The last instant inside the period (a microsecond before `end`)."""
        return self.end - _TICK

    @property
    def first_day(self) -> date:
        """The desk's day the period starts on."""
        return self.start.astimezone(self.zone).date()

    @property
    def last_day(self) -> date:
        """The desk's last day the period reaches into."""
        return self.last_moment.astimezone(self.zone).date()

    @property
    def days(self) -> int:
        """How many of the desk's days the period touches."""
        return (self.last_day - self.first_day).days + 1

    def shown_from(self) -> str:
        """`from` as people type it: the day when the period starts at midnight, else the time."""
        return _shown(self.start, self.zone)

    def shown_to(self) -> str:
        """`to` as people type it: the last day included when they see it inclusive, else `end`."""
        if self.inclusive_to and _is_midnight(self.end, self.zone):
            return self.last_day.isoformat()
        return _shown(self.end, self.zone)


@dataclass(frozen=True)
class Preset:
    """A named period a page offers: the last `days` whole days of the desk (today included)
    or a rolling `window` ending now."""

    name: str
    days: int = 0
    window: timedelta | None = None

    def at(self, now: datetime, tz: str) -> Period:
        """This preset as it stands at `now`."""
        zone = ZoneInfo(tz)
        if self.window is not None:
            return Period(now - self.window, now, tz, self.name)
        tomorrow = _midnight(now.astimezone(zone).date() + timedelta(days=1), zone)
        return Period(self.before(tomorrow, zone), tomorrow, tz, self.name)

    def before(self, end: datetime, zone: ZoneInfo) -> datetime:
        """Where a period of this length ending at `end` starts (days on the desk's clock)."""
        if self.window is not None:
            return end - self.window
        return _wall_clock(end, zone, -self.days)


TODAY = Preset("today", days=1)
LAST_7_DAYS = Preset("7d", days=7)  # today and the six days before, whole days
LAST_24_HOURS = Preset("24h", window=timedelta(hours=24))
ROLLING_7_DAYS = Preset("7d", window=timedelta(days=7))  # listening's 7d: the last 168 hours
ROLLING_28_DAYS = Preset("28d", window=timedelta(days=28))


@dataclass(frozen=True)
class Form:
    """What one page, export, API route or command accepts as a period."""

    presets: tuple[Preset, ...] = ()
    default: Preset | None = None  # without a name or dates; None: from and to are required
    inclusive_to: bool = False  # a `to` date names the last day included
    dates_only: bool = False  # from/to are dates, never datetimes

    def preset(self, name: str) -> Preset | None:
        """The preset called `name`, if this form offers one."""
        return next((p for p in self.presets if p.name == name), None)

    @property
    def names(self) -> tuple[str, ...]:
        """The period names this form accepts."""
        return (*(p.name for p in self.presets), CUSTOM) if self.presets else ()


# The pages' custom range shows `to` as the last day included, as its label says.
COVERAGE_PAGE = Form((TODAY, LAST_7_DAYS), TODAY, inclusive_to=True)
LISTENING_PAGE = Form(
    (LAST_24_HOURS, ROLLING_7_DAYS, ROLLING_28_DAYS), LAST_24_HOURS, inclusive_to=True
)
# The API and the figures' CSVs: `to` is the instant the period stops; the last 24 hours by default.
COVERAGE_API = Form(COVERAGE_PAGE.presets, LAST_24_HOURS)
LISTENING_API = Form(LISTENING_PAGE.presets, LAST_24_HOURS)
# What X costs: X bills per UTC day, so a period covers the UTC days it touches.
COSTS_PAGE = Form((TODAY, LAST_7_DAYS), LAST_7_DAYS, inclusive_to=True)
COSTS_API = Form(COSTS_PAGE.presets, LAST_7_DAYS)
EXPORT = Form(inclusive_to=True, dates_only=True)  # mentions.csv: both days included
PROOF = Form(dates_only=True)  # the coverage proof: [from, to), to not included
_ONE_DAY = Form(dates_only=True)  # the audit log's day


def parse(
    form: Form,
    name: str | None,
    raw_from: str | None,
    raw_to: str | None,
    tz: str,
    *,
    now: datetime | None = None,
) -> Period:
    """The period a request asks for: a preset by `name`, or from/to (a custom range, also
    when no name is given); InvalidInput with code invalid_period, reversed_period or
    period_too_long and the parameter at fault otherwise."""
    now = now or utcnow()
    wanted = _text(name)
    has_dates = bool(_text(raw_from) or _text(raw_to))
    if wanted and wanted != CUSTOM:
        preset = form.preset(wanted)
        if preset is None:
            raise InvalidInput(
                f"period must be one of {', '.join(form.names)}."
                if form.names
                else "This takes from and to, not a period name.",
                code="invalid_period",
                parameter="period",
            )
        if has_dates:
            raise InvalidInput(
                "Give either a named period or from and to, not both.",
                code="invalid_period",
                parameter="period",
            )
        return preset.at(now, tz)
    if not has_dates and not wanted and form.default is not None:
        return form.default.at(now, tz)
    return _custom(form, raw_from, raw_to, tz, now)


def from_query(
    form: Form, args: Mapping[str, str], tz: str, *, now: datetime | None = None
) -> Period:
    """The period a request's query string asks for with its `period`, `from` and `to`."""
    return parse(form, args.get("period"), args.get("from"), args.get("to"), tz, now=now)


def requested(form: Form, name: str | None, raw_from: str | None, raw_to: str | None) -> str:
    """The period name a page highlights for this request, even when the request is refused."""
    wanted = _text(name)
    if wanted:
        return wanted
    if _text(raw_from) or _text(raw_to):
        return CUSTOM
    return form.default.name if form.default else CUSTOM


def _custom(form: Form, raw_from: str | None, raw_to: str | None, tz: str, now: datetime) -> Period:
    zone = _zone(tz)
    start = _bound(form, "from", raw_from, zone)
    end = _bound(form, "to", raw_to, zone)
    if end is None:
        end = _required(form, "to").at(now, tz).end
    if start is None:
        start = _required(form, "from").before(end, zone)
    if start >= end:
        raise InvalidInput(
            "to must be after from." if not form.inclusive_to else "from must be on or before to.",
            code="reversed_period",
            parameter="from",
        )
    if end > _wall_clock(start, zone, MAX_DAYS):
        raise InvalidInput(
            f"A period covers at most {MAX_DAYS} days.",
            code="period_too_long",
            parameter="from",
            max_days=MAX_DAYS,
        )
    return Period(start, end, tz, CUSTOM, form.inclusive_to)


def _required(form: Form, parameter: str) -> Preset:
    if form.default is None:
        raise _bad_date(form, parameter)
    return form.default


def _bound(form: Form, parameter: str, raw: str | None, zone: ZoneInfo) -> datetime | None:
    """One bound in UTC: a date is midnight in the desk's zone (a `to` date the form shows
    inclusive is the next midnight); a datetime without an offset is UTC."""
    text = _text(raw)
    if not text:
        return None
    value: datetime | None = None
    with suppress(ValueError):  # 2026-02-30 gets the same answer as any other bad date
        if len(text) <= _LONGEST_INPUT and _DATE.fullmatch(text):
            value = datetime.combine(date.fromisoformat(text), time(), zone)
        elif not form.dates_only and len(text) <= _LONGEST_INPUT and _DATETIME.fullmatch(text):
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
            value = value if value.tzinfo else value.replace(tzinfo=UTC)
    if value is None or not _FIRST_YEAR <= value.year <= _LAST_YEAR:
        raise _bad_date(form, parameter)
    if parameter == "to" and form.inclusive_to and _DATE.fullmatch(text):
        value = _wall_clock(value, zone, 1)
    value = value.astimezone(UTC)
    if not _FIRST_YEAR <= value.year <= _LAST_YEAR:  # an offset can cross into year 1 or 9998
        raise _bad_date(form, parameter)
    return value


def _bad_date(form: Form, parameter: str) -> InvalidInput:
    if form.dates_only:
        message = f"{parameter} must be a date like 2026-01-31."
    else:
        message = (
            f"{parameter} must be an ISO 8601 date or datetime, like 2026-01-31 or "
            "2026-01-31T09:00:00Z."
        )
    return InvalidInput(message, code="invalid_period", parameter=parameter)


def parse_day(raw: str | None, tz: str) -> Period:
    """One of the desk's days from a date like 2026-01-31; InvalidInput invalid_period (with
    parameter `day`) for anything else, years outside 2..9997 included."""
    zone = _zone(tz)
    start = _bound(_ONE_DAY, "day", raw, zone)
    if start is None:
        raise _bad_date(_ONE_DAY, "day")
    return Period(start, _wall_clock(start, zone, 1), tz)


def _text(raw: str | None) -> str:
    # The patterns take ASCII digits only: full-width digits, surrogates and NULs match none.
    return (raw or "").strip()


def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def _midnight(day_: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day_, time(), zone).astimezone(UTC)


def _wall_clock(moment: datetime, zone: ZoneInfo, days: int) -> datetime:
    """`moment` moved by whole days on the desk's clock (a DST day is 23 or 25 hours)."""
    local = moment.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
    return local.replace(tzinfo=zone).astimezone(UTC)


def _is_midnight(moment: datetime, zone: ZoneInfo) -> bool:
    return moment.astimezone(zone).time() == time()


def _shown(moment: datetime, zone: ZoneInfo) -> str:
    if _is_midnight(moment, zone):
        return moment.astimezone(zone).date().isoformat()
    return moment.isoformat().replace("+00:00", "Z")
