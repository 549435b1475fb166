"""Roll-ups against the exact computation on seeded data (SQLite and PostgreSQL): the counts are
equal and the percentiles within 1%, for aligned and unaligned periods in several time zones,
overall and by channel (posts and DMs, mentions moved to DM); rebuilds are repeatable, and a
refresh picks up what changed after the watermark."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import (
    BrandAccount,
    Mention,
    MentionKind,
    MentionStatus,
    Priority,
    Reply,
    ReplyStatus,
    RollupBucketTotal,
    RollupCount,
    RollupDayCount,
    RollupDayEmployeeBin,
    RollupDayMark,
    RollupDayResponseBin,
    RollupEmployeeBin,
    RollupResponseBin,
    RollupState,
    XUser,
)
from helpdesk.services import rollup_cache, rollup_days, rollup_figures, rollups
from helpdesk.services.coverage import coverage, coverage_exact
from workers import jobs

FIRST = datetime(2025, 10, 20, tzinfo=UTC)  # New York leaves summer time on 2025-11-02
DAYS = 30
NOW = FIRST + timedelta(days=DAYS + 2)
LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)  # when the seeded rows last "changed"
EXACT_KEYS = (
    "total",
    "answered",
    "answered_elsewhere",
    "dismissed",
    "open",
    "response_rate",
    "responded",
    "within_sla",
    "within_sla_rate",
    "oldest_open",
    "per_hour",
    "sla_seconds",
    "moved_to_dm",
)
CHANNEL_PERCENTILES = ("median_first_response_seconds", "p90_first_response_seconds")


def seed(make_employee, mentions: int = 700, seed: int = 3) -> list[int]:
    """Mentions at varied times and priorities, answered by several employees (a few only after
    a failed reply), answered elsewhere, dismissed or open; one in five a DM; some public ones
    moved to DM, the customer's DM linked to most of them, answered or not; every row changed
    long ago."""
    rng = random.Random(seed)
    staff = [make_employee(f"07{n:02d}", name=f"Agent {n}").id for n in range(6)]
    db.session.add(BrandAccount(x_user_id=1, username="acme", name="Acme"))
    db.session.add(XUser(x_user_id=42, username="customer", name="Customer"))
    db.session.flush()
    brand = db.session.scalar(sa.select(BrandAccount.id))
    ids = []
    for n in range(mentions):
        created = FIRST + timedelta(seconds=rng.uniform(0, DAYS * 86_400))
        if n % 50 == 0:
            created = created.replace(minute=0, second=0, microsecond=0)  # on a boundary
        roll = rng.random()
        status = (
            MentionStatus.ANSWERED
            if roll < 0.65
            else MentionStatus.ANSWERED_ELSEWHERE
            if roll < 0.75
            else MentionStatus.DISMISSED
            if roll < 0.9
            else MentionStatus.OPEN
        )
        waited = timedelta(seconds=rng.lognormvariate(7, 1.2))
        dm = n % 5 == 2
        mention = Mention(
            tweet_id=10_000 + n,
            kind=MentionKind.DM if dm else MentionKind.POST,
            dm_conversation_id="1-42" if dm else None,
            moved_to_dm_at=created + timedelta(minutes=1) if not dm and n % 9 == 0 else None,
            brand_account_id=brand,
            author_x_id=42,
            conversation_id=10_000 + n,
            text=f"mention {n}",
            created_at=created,
            ingested_at=created,
            status=status,
            priority=Priority.HIGH if rng.random() < 0.25 else Priority.NORMAL,
            closed_at=created + waited if status != MentionStatus.ANSWERED else None,
            changed_at=LONG_AGO,
        )
        db.session.add(mention)
        db.session.flush()
        ids.append(mention.id)
        if status is MentionStatus.ANSWERED:
            author = rng.choice(staff)
            if rng.random() < 0.05:  # X refused a first reply; a colleague answered later
                db.session.add(reply(mention.id, author, None, ReplyStatus.FAILED))
                waited *= 3
                author = rng.choice(staff)
            db.session.add(reply(mention.id, author, created + waited, ReplyStatus.POSTED))
        if mention.moved_to_dm_at is not None and n % 4 != 0:
            # The customer's DM, linked to the moved mention: answered, or not yet.
            ids.append(linked_dm(mention, n, author=rng.choice(staff), answered=n % 2 == 1))
    db.session.commit()
    return ids


def linked_dm(moved: Mention, n: int, *, author: int, answered: bool) -> int:
    """The customer's DM continuing a mention moved to DM, in a later bucket."""
    created = moved.created_at + timedelta(minutes=40)
    dm = Mention(
        tweet_id=900_000 + n,
        kind=MentionKind.DM,
        dm_conversation_id="1-42",
        dm_of_mention_id=moved.id,
        brand_account_id=moved.brand_account_id,
        author_x_id=42,
        text=f"dm {n}",
        created_at=created,
        ingested_at=created,
        status=MentionStatus.ANSWERED if answered else MentionStatus.OPEN,
        changed_at=LONG_AGO,
    )
    db.session.add(dm)
    db.session.flush()
    if answered:
        db.session.add(reply(dm.id, author, created + timedelta(minutes=5), ReplyStatus.POSTED))
    return dm.id


def reply(mention_id: int, author_id: int, posted_at, status: ReplyStatus) -> Reply:
    return Reply(
        mention_id=mention_id,
        author_id=author_id,
        text="Thanks!",
        status=status,
        created_at=LONG_AGO,
        updated_at=LONG_AGO,
        posted_at=posted_at,
        changed_at=LONG_AGO,
    )


def assert_same_figures(got: dict, exact: dict) -> None:
    """Counts, rates, hours and the oldest open mention equal; percentiles within 1%."""
    for key in EXACT_KEYS:
        assert got[key] == exact[key], key
    for key in ("median_first_response_seconds", "p90_first_response_seconds"):
        assert got[key] == pytest.approx(exact[key], rel=0.01, abs=0.001), key
    assert [c["channel"] for c in got["by_channel"]] == ["post", "dm"]
    for mine, theirs in zip(got["by_channel"], exact["by_channel"], strict=True):
        for key in theirs:
            if key in CHANNEL_PERCENTILES and theirs[key] is not None:
                assert mine[key] == pytest.approx(theirs[key], rel=0.01, abs=0.001), key
            else:
                assert mine[key] == theirs[key], (mine["channel"], key)
    assert [(p["number"], p["name"], p["replies_posted"]) for p in got["per_employee"]] == [
        (p["number"], p["name"], p["replies_posted"]) for p in exact["per_employee"]
    ]
    for mine, theirs in zip(got["per_employee"], exact["per_employee"], strict=True):
        assert mine["median_response_seconds"] == pytest.approx(
            theirs["median_response_seconds"], rel=0.01, abs=0.001
        )


DAY_LEVEL = (RollupDayCount, RollupDayResponseBin, RollupDayEmployeeBin, RollupBucketTotal)


def rollup_rows() -> dict[str, list[tuple]]:
    """Every row of the roll-up tables (buckets and the day level), in key order."""
    found = {}
    for model in (RollupCount, RollupResponseBin, RollupEmployeeBin, *DAY_LEVEL):
        table = model.__table__
        keys = [c for c in table.columns if c.primary_key]
        rows = db.session.execute(sa.select(table).order_by(*keys)).all()
        found[table.name] = [tuple(row) for row in rows]
    return found


@pytest.fixture
def seeded(app, make_employee):
    """The seeded desk with its roll-ups built now (nothing changed since)."""
    ids = seed(make_employee)
    rollups.rebuild()
    return ids


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


PERIODS = [
    # (zone, start, end): whole local days, and edges that cut buckets and seconds
    ("Asia/Tokyo", utc(2025, 10, 20, 15), utc(2025, 11, 19, 15)),
    ("Asia/Kathmandu", utc(2025, 10, 24, 18, 15), utc(2025, 11, 3, 18, 15)),  # +5:45
    ("America/New_York", utc(2025, 10, 25, 4), utc(2025, 11, 8, 5)),  # across the DST change
    ("UTC", utc(2025, 10, 21, 7, 3, 27, 500_000), utc(2025, 11, 17, 22, 59, 59)),
    ("Asia/Tokyo", utc(2025, 10, 30, 10, 7), utc(2025, 10, 30, 10, 11)),  # inside one bucket
    ("Asia/Tokyo", utc(2025, 1, 1), utc(2026, 1, 1)),  # a year
]


@pytest.mark.parametrize(("zone", "start", "end"), PERIODS)
def test_rollup_figures_equal_the_exact_computation(seeded, zone, start, end):
    """figures() over the roll-ups gives the exact counts and percentiles within 1%, from the
    day level with buckets at the edges as from the buckets alone, which agree to the last
    figure (the same bins summed in another order)."""
    exact = coverage_exact(start, end, zone, now=NOW)
    with_days = rollup_figures.figures(start, end, zone, now=NOW)
    buckets_only = rollup_figures.figures(start, end, zone, now=NOW, days=False)
    assert_same_figures(with_days, exact)
    assert_same_figures(buckets_only, exact)
    assert with_days == buckets_only
    assert_same_figures(coverage(start, end, zone, now=NOW), exact)


def renew_mark(day: int) -> None:
    """Give a day a new mark, as a rebuild of its rows does."""
    db.session.execute(
        sa.update(RollupDayMark).where(RollupDayMark.day == day).values(mark=uuid.uuid4().hex)
    )


def test_figures_read_the_day_level_for_whole_utc_days(seeded):
    """A day row changed by hand shows in a period holding that whole UTC day (Tokyo's 30
    days), and not in the buckets-only sum nor in a period inside that day."""
    start, end = PERIODS[0][1:]
    before = rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW)
    day = rollups.bucket_of(FIRST + timedelta(days=5)) // rollup_days.DAY_BUCKETS
    row = db.session.scalars(sa.select(RollupDayCount).where(RollupDayCount.day == day)).first()
    row.mentions += 1000
    bins = db.session.scalars(
        sa.select(RollupDayEmployeeBin).where(RollupDayEmployeeBin.day == day)
    ).first()
    bins.count += 7
    renew_mark(day)  # as rebuild_days does: the cached sums of this day's period are dropped
    db.session.flush()
    after = rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW)
    assert after["total"] == before["total"] + 1000
    assert sum(p["replies_posted"] for p in after["per_employee"]) == 7 + sum(
        p["replies_posted"] for p in before["per_employee"]
    )
    assert rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW, days=False) == before
    inside = (rollups.bucket_start(day * 96 + 4), rollups.bucket_start(day * 96 + 90))
    assert_same_figures(
        rollup_figures.figures(*inside, "UTC", now=NOW), coverage_exact(*inside, "UTC", now=NOW)
    )


def test_settled_days_are_read_from_the_cache_until_their_marks_move(seeded, app):
    """Tokyo's 30 days: the whole UTC days but the last two are summed once and cached (a row
    changed behind rebuild_days' back, keeping the day's mark, is not seen); a rebuild of a
    day renews its mark and the figures are summed again, equal to the exact ones."""
    start, end = PERIODS[0][1:]
    first = rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW)
    store = app.extensions["redis"]
    assert len(list(store.scan_iter(rollup_cache.KEY_PREFIX + "*"))) == 1
    day = rollups.bucket_of(FIRST + timedelta(days=5)) // rollup_days.DAY_BUCKETS
    row = db.session.scalars(
        sa.select(RollupDayEmployeeBin).where(RollupDayEmployeeBin.day == day)
    ).first()
    row.count += 7
    db.session.flush()
    assert rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW) == first
    rollups.rebuild(FIRST + timedelta(days=5), FIRST + timedelta(days=6))
    again = rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW)
    assert again == first  # the rebuild put back what the rows say
    assert len(list(store.scan_iter(rollup_cache.KEY_PREFIX + "*"))) == 2
    assert_same_figures(again, coverage_exact(start, end, "Asia/Tokyo", now=NOW))


def test_a_late_reply_to_a_settled_day_shows_after_the_refresh(seeded):
    """A reply posted today to a mention of 25 days ago (inside the cached days) is counted at
    once (live) and after the refresh (its day rebuilt, its mark renewed), exactly."""
    start, end = PERIODS[0][1:]
    rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW)  # the settled days cached
    old = db.session.scalars(
        sa.select(Mention)
        .where(
            Mention.status == MentionStatus.OPEN,
            Mention.created_at >= start + timedelta(days=2),
            Mention.created_at < start + timedelta(days=10),
        )
        .order_by(Mention.id)
    ).first()
    answer(old, timedelta(hours=5))
    db.session.commit()
    exact = coverage_exact(start, end, "Asia/Tokyo", now=NOW)
    assert_same_figures(rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW), exact)
    jobs.refresh_rollups()
    state = rollups.state()
    state.watermark = datetime.now(UTC) + rollups.LAG + timedelta(seconds=5)
    db.session.commit()
    assert_same_figures(rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW), exact)


def test_a_damaged_cache_entry_is_summed_again(seeded, app, caplog):
    """Bytes that are not a cached sum under a settled days' key: the figures are summed from
    the tables again (and a warning says so), never read from the damaged entry."""
    start, end = PERIODS[0][1:]
    first = rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW)
    store = app.extensions["redis"]
    for key in store.scan_iter(rollup_cache.KEY_PREFIX + "*"):
        store.set(key, b"\x05\x00\x00\x00{}")
    assert rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW) == first
    assert "damaged roll-up cache entry" in caplog.text


def test_day_runs_cover_the_days_buckets_touch():
    """Bucket runs map to the UTC days holding them, neighbours joined."""
    assert rollup_days.day_runs([]) == []
    assert rollup_days.day_runs([(96, 97)]) == [(1, 2)]
    assert rollup_days.day_runs([(95, 97), (150, 200), (400, 401)]) == [(0, 3), (4, 5)]
    assert rollup_days.day_runs([(192, 288)]) == [(2, 3)]


def test_figures_read_the_rollups_for_whole_buckets(seeded):
    """A roll-up row changed by hand shows in the figures: whole buckets are not recounted
    (read from the buckets alone; the day level has its own test below)."""
    start, end = PERIODS[0][1:]
    before = rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW, days=False)["total"]
    bucket = rollups.bucket_of(FIRST + timedelta(days=5))
    db.session.add(
        RollupCount(
            bucket=bucket,
            status="dismissed",
            priority="high",
            mentions=1000,
            responded=0,
            sla_met=0,
            sla_missed=0,
        )
    )
    db.session.flush()
    after = rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW, days=False)
    assert after["total"] == before + 1000


def test_a_rebuild_gives_the_same_rows_every_time(seeded):
    """Rebuilding everything, or any range, leaves exactly the rows the first build made."""
    first = rollup_rows()
    assert first["rollup_counts"] and first["rollup_employee_bins"]
    rollups.rebuild()
    assert rollup_rows() == first
    rollups.rebuild(FIRST + timedelta(days=3, minutes=7), FIRST + timedelta(days=9, seconds=1))
    assert rollup_rows() == first
    db.session.execute(sa.delete(RollupResponseBin))
    db.session.commit()
    rollups.rebuild(FIRST - timedelta(days=1), FIRST + timedelta(days=DAYS + 1))
    assert rollup_rows() == first


def load_migration(name: str):
    """A migration module from migrations/versions, by file name."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[2] / "migrations" / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"migration_{name}", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


def test_the_migrations_build_what_a_rebuild_builds(seeded):
    """Migration 0013's build over existing data (it knows no channels: every DM a post), then
    0022's rebuild by channel, write the rows a rebuild writes (run on emptied roll-up tables:
    later migrations cannot all be downgraded on SQLite)."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    rebuilt = rollup_rows()
    db.session.remove()
    with db.engine.begin() as conn:
        for model in (RollupCount, RollupResponseBin, RollupEmployeeBin, RollupState):
            conn.execute(sa.delete(model))
        with Operations.context(MigrationContext.configure(conn)):
            load_migration("0013_rollups")._build()
    assert rollups.state().watermark is not None
    assert {row[3] for row in rollup_rows()["rollup_counts"]} == {"post"}
    db.session.remove()
    with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        load_migration("0022_channels")._build()
    assert rollup_rows() == rebuilt


def test_the_day_migration_builds_what_a_rebuild_builds(seeded):
    """Migration 0023's SQL over the bucket tables writes the day rows a rebuild writes."""
    import importlib.util
    from pathlib import Path

    rebuilt = rollup_rows()
    assert rebuilt["rollup_day_employee_bins"] and rebuilt["rollup_bucket_totals"]
    path = Path(__file__).parents[2] / "migrations" / "versions" / "0023_daily.py"
    spec = importlib.util.spec_from_file_location("migration_0023", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    db.session.remove()
    with db.engine.begin() as conn:
        for model in DAY_LEVEL:
            conn.execute(sa.delete(model))
        for statement in migration.BUILD:
            conn.execute(sa.text(statement))
    assert rollup_rows() == rebuilt


def answer(mention: Mention, after: timedelta) -> None:
    """Answer a mention now with a reply posted `after` its customer's time (uncommitted)."""
    mention.status = MentionStatus.ANSWERED
    author = db.session.scalar(sa.select(Reply.author_id).limit(1))
    db.session.add(
        Reply(
            mention_id=mention.id,
            author_id=author,
            text="Sorry!",
            status=ReplyStatus.POSTED,
            posted_at=mention.created_at + after,
        )
    )


def test_a_refresh_takes_in_new_replies(seeded):
    """Replies and closes after the watermark show at once (computed live), and after the job's
    refresh they come from the roll-ups, still exact."""
    start, end = PERIODS[0][1:]
    opened = db.session.scalars(
        sa.select(Mention).where(Mention.status == MentionStatus.OPEN).order_by(Mention.id)
    ).all()
    answered, dismissed = opened[0], opened[1]
    answer(answered, timedelta(minutes=3))
    db.session.execute(  # a Core UPDATE, as the services' conditional moves are
        sa.update(Mention)
        .where(Mention.id == dismissed.id)
        .values(status=MentionStatus.DISMISSED, closed_at=dismissed.created_at)
    )
    db.session.commit()
    assert db.session.scalar(sa.select(Mention.changed_at).where(Mention.id == dismissed.id)) > (
        LONG_AGO
    )
    exact = coverage_exact(start, end, "Asia/Tokyo", now=NOW)
    assert_same_figures(rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW), exact)
    summary = jobs.refresh_rollups()
    assert summary["refreshed"] >= 2
    # Later, nothing is within the lag any more: every bucket is read from the tables.
    later = datetime.now(UTC) + rollups.LAG + timedelta(seconds=5)
    state = rollups.state()
    state.watermark = later
    db.session.commit()
    assert rollups.changed_buckets(later - rollups.LAG) == set()
    assert_same_figures(rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW), exact)
    rows = rollup_rows()
    rollups.rebuild()
    assert rollup_rows() == rows  # the refresh left what a rebuild makes


def test_changed_sla_targets_are_never_read_from_old_rollups(seeded, make_employee):
    """With new SLA targets the figures are still exact at once; the next refresh rebuilds."""
    from helpdesk.services import rules

    start, end = PERIODS[0][1:]
    rules.set_sla_target("normal", 300, actor=make_employee("0001", role="admin"))
    exact = coverage_exact(start, end, "Asia/Tokyo", now=NOW)
    assert exact["sla_seconds"]["normal"] == 300
    assert_same_figures(rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW), exact)
    assert jobs.refresh_rollups()["whole"] is True
    assert rollups.state().sla_normal_seconds == 300
    assert_same_figures(rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW), exact)


def test_the_rebuild_command(runner, seeded):
    """`helpdesk rollups rebuild --from --to` rebuilds that range and says how many rows."""
    from helpdesk.cli import main

    before = rollup_rows()
    db.session.rollback()
    argv = ["rollups", "rebuild", "--from", "2025-10-25", "--to", "2025-11-01T12:00:00Z"]
    for _ in range(2):  # replayable: the second run finds and leaves the same rows
        db.session.rollback()  # SQLite: hold no lock while the command writes
        result = runner.invoke(main, argv)
        assert result.exit_code == 0, result.output
        assert "rebuilt 2025-10-25T00:00:00+00:00 .. 2025-11-01T12:00:00+00:00" in result.output
        db.session.expire_all()
        assert rollup_rows() == before
    db.session.execute(sa.delete(RollupCount).where(RollupCount.channel == "dm"))
    db.session.commit()
    result = runner.invoke(
        main, ["rollups", "rebuild", "--from", "2025-10-01", "--to", "2025-12-01"]
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert rollup_rows() == before  # the DMs' rows are back, by channel
    start, end = PERIODS[0][1:]
    exact = coverage_exact(start, end, "Asia/Tokyo", now=NOW)
    assert_same_figures(rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW), exact)
    bad = runner.invoke(main, ["rollups", "rebuild", "--from", "yesterday", "--to", "2025-11-01"])
    assert bad.exit_code == 2 and "ISO 8601" in bad.output
    half = runner.invoke(main, ["rollups", "rebuild", "--from", "2025-11-01"])
    assert half.exit_code == 2 and "both --from and --to" in half.output


@pytest.fixture
def runner(app, environ, monkeypatch):
    """A CLI runner whose commands build the app from the test environment."""
    from click.testing import CliRunner

    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    db.session.rollback()
    return CliRunner()


def test_the_seeded_desk_has_both_channels_and_moves(seeded):
    """The equality tests compare something: both channels and every moved count are non-zero
    in the roll-ups, and the DMs' figures are not the posts'."""
    start, end = PERIODS[0][1:]
    got = rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW)
    post, dm = got["by_channel"]
    assert post["total"] > 300 and dm["total"] > 100
    assert post["total"] + dm["total"] == got["total"]
    assert dm["sla_met"] > 0 and post["sla_missed"] > 0
    assert dm["median_first_response_seconds"] != post["median_first_response_seconds"]
    moved = got["moved_to_dm"]
    assert moved["moved"] > moved["dm_received"] > moved["dm_answered"] > 0
    channels = {row[3] for row in rollup_rows()["rollup_counts"]}
    assert channels == {"post", "dm"}


def test_a_refresh_takes_in_a_dm_linked_later(seeded):
    """A customer's DM linked to a moved mention, then answered, changes only the DM's row:
    the moved mention's bucket is computed live at once and refreshed by the job, exact."""
    start, end = PERIODS[0][1:]
    moved = db.session.scalars(
        sa.select(Mention)
        .where(
            Mention.moved_to_dm_at.is_not(None),
            ~sa.exists()
            .where(sa.literal_column("d.dm_of_mention_id") == Mention.id)
            .select_from(sa.table("mentions").alias("d")),
            Mention.created_at >= start,
            Mention.created_at < end - timedelta(days=1),
        )
        .order_by(Mention.id)
    ).first()
    assert moved is not None
    before = rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW)["moved_to_dm"]
    dm_id = linked_dm(moved, 1, author=db.session.scalar(sa.select(Reply.author_id)), answered=0)
    db.session.commit()
    linked_at = datetime.now(UTC)  # after the watermark, as the DM poll's link is
    db.session.execute(sa.update(Mention).where(Mention.id == dm_id).values(changed_at=linked_at))
    db.session.commit()
    exact = coverage_exact(start, end, "Asia/Tokyo", now=NOW)
    assert exact["moved_to_dm"]["dm_received"] == before["dm_received"] + 1
    assert_same_figures(rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW), exact)
    assert rollups.bucket_of(moved.created_at) in rollups.changed_buckets(linked_at)
    jobs.refresh_rollups()
    db.session.execute(  # the DM answered elsewhere: a Core UPDATE, as the DM poll's
        sa.update(Mention)
        .where(Mention.id == dm_id)
        .values(status=MentionStatus.ANSWERED_ELSEWHERE, closed_at=moved.created_at)
    )
    db.session.commit()
    exact = coverage_exact(start, end, "Asia/Tokyo", now=NOW)
    assert exact["moved_to_dm"]["dm_answered"] == before["dm_answered"] + 1
    assert_same_figures(rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW), exact)
    jobs.refresh_rollups()
    later = datetime.now(UTC) + rollups.LAG + timedelta(seconds=5)
    rollups.state().watermark = later
    db.session.commit()
    assert_same_figures(rollup_figures.figures(start, end, "Asia/Tokyo", now=NOW), exact)
    rows = rollup_rows()
    rollups.rebuild()
    assert rollup_rows() == rows


def test_migration_0022_builds_what_a_rebuild_builds(seeded):
    """Migration 0022's rebuild by channel writes the rows a rebuild writes, over rows left
    by the narrower keys (every DM counted as a post) and a stale watermark."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    rebuilt = rollup_rows()
    migration = load_migration("0022_channels")
    db.session.execute(sa.update(RollupCount).values(mentions=RollupCount.mentions + 7))
    db.session.execute(sa.delete(RollupResponseBin).where(RollupResponseBin.channel == "dm"))
    rollups.state().watermark = LONG_AGO
    db.session.commit()
    db.session.remove()
    with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        migration._build()
    assert rollup_rows() == rebuilt
    assert rollups.state().watermark > NOW
