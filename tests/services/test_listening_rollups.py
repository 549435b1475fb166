"""Listening's roll-ups against the exact computation (every text of the period tokenised) on
seeded data, SQLite and PostgreSQL: equal figures for aligned and unaligned periods in several
time zones; rebuilds are repeatable, and a refresh takes in what was stored after the watermark."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import (
    BrandAccount,
    ListeningDay,
    ListeningHour,
    ListeningState,
    Mention,
    Priority,
    XUser,
)
from helpdesk.queue import DEFAULT, get_queue
from helpdesk.services import listening_rollups
from helpdesk.services.listening import listening, listening_exact
from helpdesk.x.sandbox import corpus
from tests.support.app import run_jobs
from workers import jobs

FIRST = datetime(2025, 9, 20, tzinfo=UTC)  # 28 baseline days before the periods below
DAYS = 60
NOW = FIRST + timedelta(days=DAYS + 2)
LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)  # when the seeded rows last "changed"
SPIKE_HOUR = datetime(2025, 11, 5, 3, tzinfo=UTC)
EXTRAS = ("#返品", "＃Sale", "#fail", "最悪", "ふざけるな!!", "terrible", "acme_help", "🙂")


def texts(rng: random.Random, n: int) -> list[str]:
    """Customer texts as the sandbox writes them, with hashtags, tone words and oddities."""
    found = []
    for _ in range(n):
        lang = rng.choice(("ja", "en"))
        templates = corpus.JA_TEMPLATES if lang == "ja" else corpus.EN_TEMPLATES
        body = corpus._fill(rng, rng.choice(templates[rng.choice(list(templates))]), lang)
        extras = " ".join(rng.sample(EXTRAS, rng.randrange(0, 3)))
        found.append(f"@acme_help {body} {extras}".strip())
    found[7] = "@acme_help " + "a" * 80 + " 充電器が" + "ア" * 70 + "です"  # over-long "words"
    found[11] = "@acme_help <script>alert(1)</script> #<b>タグ</b>"
    return found


def seed(mentions: int = 900, seed: int = 5) -> None:
    """Mentions over 60 days, more in the daytime, a burst in one hour; changed long ago."""
    rng = random.Random(seed)
    db.session.add(BrandAccount(x_user_id=1, username="acme_help", name="Acme"))
    db.session.add(XUser(x_user_id=42, username="customer", name="Customer"))
    db.session.flush()
    brand = db.session.scalar(sa.select(BrandAccount.id))
    rows = []
    for n, text in enumerate(texts(rng, mentions)):
        created = FIRST + timedelta(seconds=rng.uniform(0, DAYS * 86_400))
        if n % 40 == 0:
            created = created.replace(minute=0, second=0, microsecond=0)  # on a boundary
        if n % 45 == 1:
            created = SPIKE_HOUR + timedelta(minutes=rng.uniform(0, 59))
        rows.append(
            {
                "tweet_id": 10_000 + n,
                "brand_account_id": brand,
                "author_x_id": 42,
                "conversation_id": 10_000 + n,
                "text": text,
                "created_at": created,
                "ingested_at": created,
                "priority": Priority.HIGH if rng.random() < 0.2 else Priority.NORMAL,
                "changed_at": LONG_AGO,
            }
        )
    db.session.execute(sa.insert(Mention), rows)
    db.session.commit()


@pytest.fixture
def seeded(app):
    """The seeded desk with listening's roll-ups built by the job's first run."""
    seed()
    assert jobs.refresh_listening()["whole"] is True
    return app


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


PERIODS = [
    # (zone, start, end): whole local days, and edges that cut hours and seconds
    ("Asia/Tokyo", utc(2025, 10, 20, 15), utc(2025, 11, 19, 15)),  # 30 days, local midnights
    ("Asia/Tokyo", utc(2025, 10, 20, 3, 7, 13), utc(2025, 11, 19, 3, 7, 13)),  # rolling 30 days
    ("Asia/Kathmandu", utc(2025, 10, 24, 18, 15), utc(2025, 11, 3, 18, 15)),  # +5:45
    ("America/New_York", utc(2025, 10, 25, 4), utc(2025, 11, 8, 5)),  # across the DST change
    ("UTC", utc(2025, 11, 4, 7, 3, 27, 500_000), utc(2025, 11, 5, 6, 59, 59)),  # a day, hourly
    ("Asia/Tokyo", utc(2025, 11, 5, 3, 7), utc(2025, 11, 5, 3, 51)),  # inside one hour
]


def assert_same(got: dict, exact: dict) -> None:
    """Every figure equal: volume, spikes, terms, hashtags, tones, priorities, sample."""
    assert got == exact
    assert got["sample"] == got["total"]  # every text counted, none sampled


@pytest.mark.parametrize(("zone", "start", "end"), PERIODS)
def test_rolled_up_listening_equals_the_exact_computation(seeded, zone, start, end):
    """listening() over the roll-ups gives exactly what tokenising every text gives."""
    exact = listening_exact(start, end, zone, now=NOW)
    assert exact["total"] > 0 and exact["top_terms"]
    assert_same(listening(start, end, zone, now=NOW), exact)


def test_the_seeded_month_has_terms_hashtags_and_a_spike(seeded):
    """The comparison is not vacuous: the month has ranked terms, hashtags, tones and a spike."""
    zone, start, end = PERIODS[0]
    found = listening(start, end, zone, now=NOW)
    assert len(found["top_terms"]) == 20 and found["top_hashtags"]
    assert {t["term"] for t in found["top_hashtags"]} >= {"#返品", "#sale", "#fail"}
    assert all(len(t["term"]) <= listening_rollups.MAX_TERM for t in found["top_terms"])
    assert SPIKE_HOUR in [s["start"] for s in found["spikes"]]
    assert {t["name"]: t["count"] for t in found["by_tone"]}["angry"] > 0
    assert "acme_help" not in {t["term"] for t in found["top_terms"]}  # the brand's own handle


def test_listening_reads_the_rollups_for_whole_days(seeded):
    """A day row changed by hand shows in the figures: whole days are not recounted."""
    zone, start, end = PERIODS[0]
    day = listening_rollups.hour_of(utc(2025, 11, 1)) // 24
    db.session.add(ListeningDay(day=day, kind="term", term="planted", count=999))
    db.session.flush()
    assert listening(start, end, zone, now=NOW)["top_terms"][0] == {
        "term": "planted",
        "count": 999,
    }


def rows() -> dict[str, list[tuple]]:
    """Every row of listening's hour and day tables, in key order."""
    found = {}
    for model in (ListeningHour, ListeningDay):
        table = model.__table__
        keys = [c for c in table.columns if c.primary_key]
        found[table.name] = [tuple(r) for r in db.session.execute(sa.select(table).order_by(*keys))]
    return found


def test_a_rebuild_gives_the_same_rows_every_time(seeded):
    """Rebuilding everything, or any range, leaves exactly the rows the first build made, and
    every day row is the sum of its hours."""
    first = rows()
    assert first["listening_hours"] and first["listening_days"]
    days: dict[tuple, int] = {}
    for hour, kind, term, count in first["listening_hours"]:
        days[(hour // 24, kind, term)] = days.get((hour // 24, kind, term), 0) + count
    assert sorted((*key, count) for key, count in days.items()) == first["listening_days"]
    listening_rollups.rebuild()
    assert rows() == first
    listening_rollups.rebuild(FIRST + timedelta(days=3, minutes=7), FIRST + timedelta(days=9))
    assert rows() == first
    db.session.execute(sa.delete(ListeningDay))
    db.session.commit()
    listening_rollups.rebuild(FIRST - timedelta(days=1), FIRST + timedelta(days=DAYS + 1))
    assert rows() == first


def test_a_refresh_takes_in_new_mentions(seeded):
    """Mentions stored after the watermark (one of them weeks old: a gap repaired) show at once,
    counted live; a refresh through a real RQ worker takes them into the roll-ups, still exact,
    and leaves the rows a rebuild makes."""
    zone, start, end = PERIODS[1]
    db.session.execute(
        sa.insert(Mention),
        [
            {
                "tweet_id": 90_000 + n,
                "brand_account_id": db.session.scalar(sa.select(BrandAccount.id)),
                "author_x_id": 42,
                "text": f"@acme_help 新しい充電器が届かない #遅延 {n}",
                "created_at": when,
                "priority": Priority.NORMAL,
            }
            for n, when in enumerate(
                [utc(2025, 11, 1, 12, 30), utc(2025, 11, 1, 12, 31), utc(2025, 11, 10, 23)]
            )
        ],
    )
    db.session.commit()
    exact = listening_exact(start, end, zone, now=NOW)
    assert {"term": "#遅延", "count": 3} in exact["top_hashtags"]
    assert_same(listening(start, end, zone, now=NOW), exact)
    get_queue(DEFAULT).enqueue(
        "workers.jobs.refresh_listening", job_timeout=600, result_ttl=300, failure_ttl=3600
    )
    run_jobs(seeded)
    held = db.session.get(ListeningState, 1)
    assert held.refreshed_at > held.watermark - timedelta(seconds=1) > LONG_AGO
    # Later, nothing is within the lag any more: every whole hour is read from the tables.
    later = datetime.now(UTC) + listening_rollups.LAG + timedelta(seconds=5)
    held.watermark = later
    db.session.commit()
    assert listening_rollups.changed_hours(later - listening_rollups.LAG) == set()
    assert_same(listening(start, end, zone, now=NOW), exact)
    refreshed = rows()
    listening_rollups.rebuild()
    assert rows() == refreshed


def test_a_new_handle_is_never_read_from_old_rollups(seeded):
    """When the brand's handle changes, what counts as a term changes: the figures are computed
    from the texts (a sample) until the job's next run rebuilds everything."""
    zone, start, end = PERIODS[0]
    account = db.session.scalar(sa.select(BrandAccount))
    account.username = "acme"
    db.session.commit()
    assert listening_rollups.usable_state(*listening_rollups.current()) is None
    exact = listening_exact(start, end, zone, now=NOW)
    assert "acme_help" in {t["term"] for t in exact["top_terms"]}  # no longer our handle
    assert listening(start, end, zone, now=NOW) == exact  # under MAX_TEXTS: all of them
    assert jobs.refresh_listening()["whole"] is True
    assert_same(listening(start, end, zone, now=NOW), exact)


def test_before_the_first_build_listening_reads_the_texts(app):
    """With no watermark yet (the migration leaves building to the job) the figures come from
    the texts, as before the roll-ups."""
    seed(mentions=120)
    db.session.add(ListeningState(id=1, watermark=None))
    db.session.commit()
    zone, start, end = PERIODS[0]
    assert listening_rollups.period_counts(start, end, *listening_rollups.current()) is None
    assert listening(start, end, zone, now=NOW) == listening_exact(start, end, zone, now=NOW)


def test_the_rebuild_command(runner, seeded):
    """`helpdesk listening rebuild --from --to` recounts that range and says how many rows."""
    from helpdesk.cli import main

    before = rows()
    db.session.rollback()
    result = runner.invoke(
        main, ["listening", "rebuild", "--from", "2025-10-25", "--to", "2025-11-01T12:30:00Z"]
    )
    assert result.exit_code == 0, result.output
    assert "rebuilt 2025-10-25T00:00:00+00:00 .. 2025-11-01T13:00:00+00:00" in result.output
    db.session.expire_all()
    assert rows() == before
    db.session.rollback()
    refreshed = runner.invoke(main, ["listening", "refresh"])
    assert refreshed.exit_code == 0 and "refreshed 0 hours" in refreshed.output
    half = runner.invoke(main, ["listening", "rebuild", "--to", "2025-11-01"])
    assert half.exit_code == 2 and "both --from and --to" in half.output


@pytest.fixture
def runner(app, environ, monkeypatch):
    """A CLI runner whose commands build the app from the test environment."""
    from click.testing import CliRunner

    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    db.session.rollback()
    return CliRunner()
