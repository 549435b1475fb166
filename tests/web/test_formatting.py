"""The pages' fast words and dates say exactly what Flask-Babel says, in every language and zone."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask, render_template_string
from flask_babel import format_datetime, format_timedelta, gettext

from helpdesk.web.templating import age, label, local_time, mention_url

ZONES = ("UTC", "Asia/Tokyo", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe")
NOW = datetime(2026, 3, 8, 6, 30, 15, 123456, tzinfo=UTC)  # New York's DST starts at 07:00 UTC


def _moments() -> list[datetime]:
    """Instants over years, around DST changes, at unit boundaries, with and without micros."""
    rng = random.Random(16)
    moments = [NOW + timedelta(seconds=rng.uniform(-3 * 365 * 86400, 86400)) for _ in range(300)]
    moments += [NOW + timedelta(minutes=m) for m in range(-120, 121, 7)]
    for seconds in (0, 1, 29, 30, 31, 53.9, 54, 59.5, 3000, 3213, 3240, 3241, 84000, 86400):
        moments += [NOW - timedelta(seconds=seconds), NOW + timedelta(seconds=seconds)]
    for days in (0.9, 6, 6.3, 7, 27, 28, 30, 300, 328, 329, 365, 700):
        moments.append(NOW - timedelta(days=days))
    moments.append(NOW.replace(tzinfo=None) - timedelta(hours=5))  # naive: taken as UTC
    return moments


@pytest.fixture(params=[(lang, zone) for lang in ("en", "ja") for zone in ZONES])
def reader(request, app: Flask, monkeypatch):
    """A request read in one language and zone (as a signed-in employee's settings make it)."""
    lang, zone = request.param
    babel = app.extensions["babel"]
    monkeypatch.setattr(babel, "timezone_selector", lambda: zone)
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        yield lang


def test_dates_and_times_match_flask_babel_exactly(reader):
    """local_time (short, and a custom HH:mm) equals Flask-Babel's format_datetime, twice over
    (the second time from the caches)."""
    for _ in range(2):
        for moment in _moments():
            assert local_time(moment) == format_datetime(moment, "short"), moment
            assert local_time(moment, "HH:mm") == format_datetime(moment, "HH:mm"), moment
            assert local_time(moment, "medium") == format_datetime(moment, "medium"), moment
            assert local_time(moment, "long") == format_datetime(moment, "long"), moment


def test_ages_match_flask_babel_exactly(reader):
    """age equals format_timedelta to the minute with Babel's direction and 0.9 threshold."""
    for _ in range(2):
        for moment in _moments():
            expected = format_timedelta(
                moment - NOW.replace(tzinfo=moment.tzinfo),
                granularity="minute",
                add_direction=True,
                threshold=0.9,
            )
            assert age(moment, NOW.replace(tzinfo=moment.tzinfo)) == expected, moment


def test_words_labels_and_paths_match(reader):
    """Templates' _() with and without variables, labels and mention paths: as before."""
    html = render_template_string(
        "{{ _('Inbox') }}|{{ _('Employee %(number)s is working on this.', number='0427') }}"
    )
    working = gettext("Employee %(number)s is working on this.", number="0427")
    assert html == f"{gettext('Inbox')}|{working}"
    assert label("mention", "open") == label("mention", "open") == gettext("open")
    assert label("priority", "unknown") == "unknown"
    assert mention_url(42) == "/mentions/42" and mention_url(7) == "/mentions/7"
