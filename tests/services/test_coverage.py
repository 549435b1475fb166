"""Coverage figures on a constructed data set whose answers are known, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Mention, MentionStatus, Priority, Reply, ReplyStatus
from helpdesk.services.coverage import coverage, percentile
from tests.services.test_escalation import ingest

T0 = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)  # 09:30 in Tokyo
NOW = T0 + timedelta(hours=5)
START, END = T0 - timedelta(hours=1), T0 + timedelta(days=1)


def shape(mention_id: int, created_at: datetime, status: MentionStatus, **values: object) -> None:
    db.session.execute(
        sa.update(Mention)
        .where(Mention.id == mention_id)
        .values(created_at=created_at, status=status, **values)
    )


def posted_reply(mention_id: int, author_id: int, posted_at: datetime) -> None:
    db.session.add(
        Reply(
            mention_id=mention_id,
            author_id=author_id,
            text="Thanks!",
            status=ReplyStatus.POSTED,
            created_at=posted_at - timedelta(seconds=5),
            updated_at=posted_at,
            posted_at=posted_at,
        )
    )


@pytest.fixture
def desk(app, x, make_employee):
    """Four mentions in the period: two answered after 10 and 30 minutes, one dismissed, one open;
    plus one before the period that must not count."""
    first, second = make_employee("0427", name="Sato"), make_employee("0501", name="Suzuki")
    ids = ingest(x, "one", "two", "three", "four", "before the period")
    answered_fast, answered_slow, dismissed, still_open, outside = ids
    shape(answered_fast, T0, MentionStatus.ANSWERED)  # 09:30 JST
    posted_reply(answered_fast, first.id, T0 + timedelta(seconds=600))
    shape(answered_slow, T0 + timedelta(hours=1), MentionStatus.ANSWERED)  # 10:30 JST
    posted_reply(answered_slow, second.id, T0 + timedelta(hours=1, seconds=1800))
    shape(still_open, T0 + timedelta(hours=2), MentionStatus.OPEN)  # 11:30 JST
    shape(
        dismissed,
        T0 + timedelta(hours=3),  # 12:30 JST
        MentionStatus.DISMISSED,
        closed_at=T0 + timedelta(hours=3, minutes=1),
        close_reason="spam",
    )
    shape(outside, START - timedelta(seconds=1), MentionStatus.OPEN)
    db.session.commit()
    return dict(zip(("fast", "slow", "dismissed", "open", "outside"), ids, strict=True))


def test_counts_rates_and_response_times(desk):
    """Known data gives exact counts, response rate 2/3, median 1200 s and p90 1680 s."""
    figures = coverage(START, END, "Asia/Tokyo", now=NOW)
    assert (figures["total"], figures["answered"], figures["answered_elsewhere"]) == (4, 2, 0)
    assert (figures["dismissed"], figures["open"]) == (1, 1)
    assert figures["response_rate"] == pytest.approx(2 / 3)
    assert figures["within_sla"] == 2 and figures["within_sla_rate"] == pytest.approx(2 / 3)
    assert figures["responded"] == 2
    assert figures["median_first_response_seconds"] == 1200
    assert figures["p90_first_response_seconds"] == 1680  # 600 + 0.9 * (1800 - 600)
    assert figures["oldest_open"] == {
        "id": desk["open"],
        "created_at": T0 + timedelta(hours=2),
        "age_seconds": 3 * 3600,
    }
    assert figures["per_employee"] == [
        {"number": "0427", "name": "Sato", "replies_posted": 1, "median_response_seconds": 600},
        {"number": "0501", "name": "Suzuki", "replies_posted": 1, "median_response_seconds": 1800},
    ]


def test_answered_elsewhere_counts_from_when_we_saw_it(desk):
    """A mention answered outside the app responds at closed_at and counts toward the rate."""
    shape(
        desk["open"],
        T0 + timedelta(hours=2),
        MentionStatus.ANSWERED_ELSEWHERE,
        closed_at=T0 + timedelta(hours=4),
    )
    db.session.commit()
    figures = coverage(START, END, "Asia/Tokyo", now=NOW)
    assert figures["answered_elsewhere"] == 1 and figures["open"] == 0
    assert figures["response_rate"] == 1
    assert figures["within_sla"] == 2 and figures["within_sla_rate"] == pytest.approx(2 / 3)
    assert figures["median_first_response_seconds"] == 1800
    assert figures["p90_first_response_seconds"] == pytest.approx(1800 + 0.8 * 5400)
    assert figures["oldest_open"] is None


def test_high_priority_is_judged_against_its_own_sla(desk):
    """A 30-minute answer is within the normal SLA but not within the 15-minute high one."""
    db.session.execute(
        sa.update(Mention).where(Mention.id == desk["slow"]).values(priority=Priority.HIGH)
    )
    db.session.commit()
    figures = coverage(START, END, "Asia/Tokyo", now=NOW)
    assert figures["within_sla"] == 1


def test_per_hour_buckets_use_the_desks_time_zone(desk):
    """Hours are the desk's local hours: 09:30 JST lands in hour 9, and in hour 0 in UTC."""
    tokyo = {h["hour"]: h for h in coverage(START, END, "Asia/Tokyo", now=NOW)["per_hour"]}
    assert len(tokyo) == 24
    assert {h: (b["received"], b["answered"]) for h, b in tokyo.items() if b["received"]} == {
        9: (1, 1),
        10: (1, 1),
        11: (1, 0),
        12: (1, 0),
    }
    utc = coverage(START, END, "UTC", now=NOW)["per_hour"]
    assert [b["hour"] for b in utc if b["received"]] == [0, 1, 2, 3]


def test_an_empty_period_has_no_rates(app):
    """With nothing received the rates and times are None, not a division by zero."""
    figures = coverage(START, END, "Asia/Tokyo", now=NOW)
    assert figures["total"] == 0 and figures["response_rate"] is None
    assert figures["median_first_response_seconds"] is None and figures["oldest_open"] is None
    assert sum(b["received"] for b in figures["per_hour"]) == 0


def test_percentiles_interpolate_between_ranks():
    """Linear interpolation, as numpy does by default."""
    assert percentile([], 0.5) is None
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([10.0, 20.0, 30.0, 40.0, 50.0], 0.9) == pytest.approx(46.0)
