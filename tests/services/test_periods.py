"""Periods: presets, dates as days in the desk's zone (with and without DST), the 366-day cap,
reversed and garbage input, and what people see of an inclusive `to`."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest

from helpdesk.services import periods
from helpdesk.services.errors import InvalidInput
from helpdesk.services.periods import (
    COVERAGE_API,
    COVERAGE_PAGE,
    EXPORT,
    LISTENING_API,
    LISTENING_PAGE,
    PROOF,
    Period,
    parse,
)

TOKYO, BERLIN = "Asia/Tokyo", "Europe/Berlin"
NOW = datetime(2026, 3, 5, 3, 30, tzinfo=UTC)  # 12:30 on 5 March in Tokyo


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def refused(form, name, raw_from, raw_to, tz=TOKYO) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        parse(form, name, raw_from, raw_to, tz, now=NOW)
    return caught.value


def test_presets_in_tokyo():
    """Today and 7 days are whole days in Tokyo; 24 h, 7 d and 28 d on listening roll to now."""
    today = parse(COVERAGE_PAGE, "today", None, None, TOKYO, now=NOW)
    assert (today.start, today.end, today.name) == (
        utc(2026, 3, 4, 15),
        utc(2026, 3, 5, 15),
        "today",
    )
    week = parse(COVERAGE_PAGE, "7d", None, None, TOKYO, now=NOW)
    assert (week.start, week.end, week.days) == (utc(2026, 2, 26, 15), utc(2026, 3, 5, 15), 7)
    assert parse(COVERAGE_PAGE, None, "", " ", TOKYO, now=NOW) == today  # the page's default
    for name, hours in (("24h", 24), ("7d", 7 * 24), ("28d", 28 * 24)):
        rolling = parse(LISTENING_PAGE, name, None, None, TOKYO, now=NOW)
        assert (rolling.start, rolling.end) == (NOW - timedelta(hours=hours), NOW)
    assert parse(LISTENING_PAGE, None, None, None, TOKYO, now=NOW).name == "24h"


def test_today_on_berlins_dst_days_is_23_and_25_hours():
    """Days are the desk's days: 29 March 2026 is 23 hours in Berlin, 25 October 25 hours."""
    spring = parse(COVERAGE_PAGE, "today", None, None, BERLIN, now=utc(2026, 3, 29, 12))
    assert (spring.start, spring.end) == (utc(2026, 3, 28, 23), utc(2026, 3, 29, 22))
    autumn = parse(COVERAGE_PAGE, "today", None, None, BERLIN, now=utc(2026, 10, 25, 12))
    assert autumn.end - autumn.start == timedelta(hours=25)
    week = parse(COVERAGE_PAGE, "7d", None, None, BERLIN, now=utc(2026, 3, 31, 12))
    assert week.start == utc(2026, 3, 24, 23)  # midnight CET, six days before a CEST day
    assert week.end == utc(2026, 3, 31, 22) and week.days == 7
    custom = parse(COVERAGE_PAGE, None, "2026-03-29", "2026-03-29", BERLIN, now=NOW)
    assert custom.end - custom.start == timedelta(hours=23) and custom.days == 1


def test_dates_are_days_in_the_desks_zone_and_datetimes_are_utc_unless_they_say():
    """A date is midnight in the zone; a datetime without an offset is UTC; Z and +09:00 count."""
    api = parse(COVERAGE_API, None, "2026-03-02", "2026-03-02T09:00:00+09:00", TOKYO, now=NOW)
    assert (api.start, api.end) == (utc(2026, 3, 1, 15), utc(2026, 3, 2))
    naive = parse(COVERAGE_API, None, "2026-03-02T09:00:00", "2026-03-02T10:00:00Z", TOKYO, now=NOW)
    assert (naive.start, naive.end) == (utc(2026, 3, 2, 9), utc(2026, 3, 2, 10))
    micro = parse(COVERAGE_API, None, "2026-03-02T09:00:00.123456+00:00", None, TOKYO, now=NOW)
    assert micro.start == utc(2026, 3, 2, 9, 0, 0, 123456) and micro.end == NOW
    berlin = parse(PROOF, None, "2026-07-01", "2026-08-01", BERLIN, now=NOW)
    assert (berlin.start, berlin.end) == (utc(2026, 6, 30, 22), utc(2026, 7, 31, 22))


def test_to_is_exclusive_inside_and_inclusive_where_people_see_it():
    """The pages and mentions.csv include the `to` day; the proof and the API stop at `to`."""
    for form in (COVERAGE_PAGE, LISTENING_PAGE, EXPORT):
        one_day = parse(form, None, "2026-03-02", "2026-03-02", TOKYO, now=NOW)
        assert (one_day.start, one_day.end) == (utc(2026, 3, 1, 15), utc(2026, 3, 2, 15))
        assert one_day.inclusive_to and one_day.shown_to() == "2026-03-02"
        assert one_day.last_day == date(2026, 3, 2) and one_day.days == 1
        assert one_day.last_moment == utc(2026, 3, 2, 15) - timedelta(microseconds=1)
    proof = parse(PROOF, None, "2026-03-01", "2026-03-02", TOKYO, now=NOW)
    assert (proof.start, proof.end) == (utc(2026, 2, 28, 15), utc(2026, 3, 1, 15))
    assert not proof.inclusive_to and proof.shown_to() == "2026-03-02" and proof.days == 1
    assert proof.shown_from() == "2026-03-01"
    api = parse(COVERAGE_API, None, "2026-03-02T09:30:00Z", "2026-03-03", TOKYO, now=NOW)
    assert api.shown_from() == "2026-03-02T09:30:00Z" and api.shown_to() == "2026-03-03"


def test_from_and_to_without_a_name_are_a_custom_range():
    """A name is not needed: from/to alone are the custom range on every form (defect 8)."""
    for form in (COVERAGE_PAGE, LISTENING_PAGE, COVERAGE_API, LISTENING_API):
        period = parse(form, None, "2026-03-01", "2026-03-04", TOKYO, now=NOW)
        assert period.name == "custom" and period.start == utc(2026, 2, 28, 15)
        assert parse(form, "custom", "2026-03-01", "2026-03-04", TOKYO, now=NOW) == period
    assert periods.requested(COVERAGE_PAGE, None, "soon", "") == "custom"
    assert periods.requested(COVERAGE_PAGE, "", "", "") == "today"
    assert periods.requested(LISTENING_PAGE, "28d", "", "") == "28d"


def test_a_missing_bound_is_filled_from_the_default():
    """The API's `to` is now and its `from` a day before `to`; a page's `to` is tonight."""
    assert parse(COVERAGE_API, None, None, None, TOKYO, now=NOW) == Period(
        NOW - timedelta(hours=24), NOW, TOKYO, "24h"
    )
    only_to = parse(LISTENING_API, None, None, "2026-03-02T00:00:00Z", TOKYO, now=NOW)
    assert (only_to.start, only_to.end) == (utc(2026, 3, 1), utc(2026, 3, 2))
    only_from = parse(COVERAGE_API, None, "2026-03-04", None, TOKYO, now=NOW)
    assert (only_from.start, only_from.end) == (utc(2026, 3, 3, 15), NOW)
    page = parse(COVERAGE_PAGE, "custom", "2026-03-01", "", TOKYO, now=NOW)
    assert (page.start, page.end) == (utc(2026, 2, 28, 15), utc(2026, 3, 5, 15))
    last_day = parse(COVERAGE_PAGE, None, "", "2026-03-02", TOKYO, now=NOW)
    assert (last_day.start, last_day.end) == (utc(2026, 3, 1, 15), utc(2026, 3, 2, 15))
    for form in (PROOF, EXPORT):  # both dates are required
        assert refused(form, None, "2026-03-01", None).extra["parameter"] == "to"
        assert refused(form, None, None, "2026-03-01").extra["parameter"] == "from"
        assert refused(form, None, None, None).code == "invalid_period"


def test_at_most_366_of_the_desks_days():
    """366 days pass and 367 do not, counted in the desk's days (DST does not shift the cap)."""
    assert parse(EXPORT, None, "2025-01-01", "2026-01-01", TOKYO, now=NOW).days == 366
    assert parse(PROOF, None, "2025-01-01", "2026-01-02", TOKYO, now=NOW).days == 366
    assert parse(EXPORT, None, "2028-01-01", "2028-12-31", TOKYO, now=NOW).days == 366  # leap
    for form, last in ((EXPORT, "2026-01-02"), (PROOF, "2026-01-03"), (COVERAGE_API, "2026-01-03")):
        error = refused(form, None, "2025-01-01", last)
        assert (error.code, error.extra["parameter"]) == ("period_too_long", "from")
    # 30 Oct 2027 is summer time in Berlin and 30 Oct 2028 winter time: 366 days and an hour
    # in UTC, but 366 of the desk's days, so allowed; a day more is not.
    year = parse(PROOF, None, "2027-10-30", "2028-10-30", BERLIN, now=NOW)
    assert year.end - year.start == timedelta(days=366, hours=1) and year.days == 366
    assert refused(PROOF, None, "2027-10-30", "2028-10-31", BERLIN).code == "period_too_long"
    exact = parse(COVERAGE_API, None, "2025-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "UTC")
    assert exact.end - exact.start == timedelta(days=366)
    assert refused(COVERAGE_API, None, "2025-01-01T00:00:00Z", "2026-01-02T00:00:01Z").code == (
        "period_too_long"
    )


def test_reversed_and_empty_periods_are_refused():
    """`from` after `to` is refused everywhere; an empty [from, from) too, but a page's one day
    (to included) is a day."""
    for form in (COVERAGE_PAGE, LISTENING_PAGE, COVERAGE_API, EXPORT, PROOF):
        error = refused(form, None, "2026-03-03", "2026-03-02")
        assert (error.code, error.extra["parameter"]) == ("reversed_period", "from")
    assert refused(PROOF, None, "2026-03-02", "2026-03-02").code == "reversed_period"
    same = "2026-03-02T10:00:00Z"
    assert refused(COVERAGE_API, None, same, same).code == "reversed_period"
    assert "to must be after from" in refused(PROOF, None, "2026-03-03", "2026-03-02").message
    assert parse(EXPORT, None, "2026-03-02", "2026-03-02", TOKYO, now=NOW).days == 1


GARBAGE = [
    "soon",
    "yesterday",
    "2026-02-30",
    "2026-13-01",
    "2026-3-1",
    "20260301",
    "２０２６-０３-０１",  # full-width digits
    "\ud800",  # a lone surrogate
    "2026-03-01\ud800",
    "2026-03-01\x00",
    "\x00",
    "99999-01-01",
    "0001-01-01",
    "9999-12-31",
    "9999-12-31T23:59:59Z",
    "9998-01-01",
    "9997-12-31T23:00:00-12:00",  # 9998 in UTC
    "0002-01-01T00:00:00+14:00",  # year 1 in UTC
    "+2026-03-01",
    "2026-03-01T25:00:00Z",
    "2026-03-01T10:00:00+99:00",
    "2026-03-01" + "0" * 100_000,
    "<script>alert(1)</script>",
    "2026-03-01\r\nSet-Cookie: x=1",
]


@pytest.mark.parametrize("garbage", GARBAGE)
def test_garbage_is_invalid_period_naming_the_parameter(garbage):
    """Anything but an ASCII ISO date (or datetime where allowed) in a sane year is refused."""
    for form in (COVERAGE_PAGE, LISTENING_API, EXPORT, PROOF):
        bad_from = refused(form, None, garbage, "2026-03-04")
        assert (bad_from.code, bad_from.extra["parameter"]) == ("invalid_period", "from")
        bad_to = refused(form, None, "2026-03-01", garbage)
        assert (bad_to.code, bad_to.extra["parameter"]) == ("invalid_period", "to")
        assert garbage not in bad_from.message  # the message never echoes the input


def test_datetimes_are_refused_where_only_dates_go():
    """The proof and mentions.csv take days: a datetime there is refused with a date example."""
    for form in (EXPORT, PROOF):
        error = refused(form, None, "2026-03-01T00:00:00Z", "2026-03-04")
        assert error.code == "invalid_period" and "like 2026-01-31" in error.message


def test_unknown_names_and_a_name_with_dates_are_refused():
    """An unknown period name, another page's name, or a name with from/to: invalid_period."""
    for form, name in ((COVERAGE_PAGE, "year"), (COVERAGE_PAGE, "28d"), (LISTENING_PAGE, "today")):
        error = refused(form, name, None, None)
        assert (error.code, error.extra["parameter"]) == ("invalid_period", "period")
    assert "24h, 7d, 28d, custom" in refused(LISTENING_API, "\ud800", None, None).message
    both = refused(COVERAGE_PAGE, "today", "2026-03-01", None)
    assert (both.code, both.extra["parameter"]) == ("invalid_period", "period")
    assert refused(PROOF, "today", "2026-03-01", "2026-03-02").code == "invalid_period"


def test_a_period_is_frozen_and_aware():
    """A Period cannot change and holds only aware datetimes, kept in UTC."""
    period = periods.parse_day("2026-03-02", TOKYO)
    assert (period.start, period.end) == (utc(2026, 3, 1, 15), utc(2026, 3, 2, 15))
    with pytest.raises(dataclasses.FrozenInstanceError):
        period.start = NOW
    with pytest.raises(ValueError, match="tz-aware"):
        Period(datetime(2026, 3, 1), datetime(2026, 3, 2), TOKYO)
    tokyo_time = datetime.fromisoformat("2026-03-02T09:00:00+09:00")
    assert Period(tokyo_time, NOW, TOKYO).start.tzinfo is UTC


def test_one_day_of_the_desk():
    """The audit log's day: midnight to midnight in the desk's zone; garbage is invalid_period."""
    spring = periods.parse_day(" 2026-03-29 ", BERLIN)
    assert (spring.start, spring.end) == (utc(2026, 3, 28, 23), utc(2026, 3, 29, 22))
    for garbage in (*GARBAGE, "", None, "2026-03-02T00:00:00Z"):
        with pytest.raises(InvalidInput) as caught:
            periods.parse_day(garbage, TOKYO)
        assert (caught.value.code, caught.value.extra["parameter"]) == ("invalid_period", "day")
