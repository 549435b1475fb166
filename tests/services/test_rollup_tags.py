"""The per-tag roll-up (rollup_tag_counts) against the exact computation on the roll-ups' seeded
desk: coverage's and listening's by-tag figures equal, rebuilds repeatable, a tag set after the
watermark counted at once and taken in by the refresh (SQLite and PostgreSQL)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Employee, Mention, RollupTagCount, Tag, mention_tags
from helpdesk.services import listening, rollup_figures, rollups, tagging
from helpdesk.services.coverage import coverage, coverage_exact
from tests.services.test_rollups import FIRST, NOW, PERIODS, seed
from workers import jobs

TAGS = ("配送", "返品", "初期不良")


def tag_rows() -> list[tuple]:
    """Every row of rollup_tag_counts, in key order."""
    table = RollupTagCount.__table__
    keys = [c for c in table.columns if c.primary_key]
    return [tuple(row) for row in db.session.execute(sa.select(table).order_by(*keys))]


@pytest.fixture
def tagged(app, make_employee):
    """The roll-ups' seeded desk with 0-2 tags on each mention, roll-ups built."""
    ids = seed(make_employee)
    tags = [Tag(name=name) for name in TAGS]
    db.session.add_all(tags)
    db.session.flush()
    rng = random.Random(17)
    rows = []
    for mention_id in ids:
        for tag in rng.sample(tags, rng.choice((0, 1, 1, 2))):
            rows.append({"mention_id": mention_id, "tag_id": tag.id})
    db.session.execute(sa.insert(mention_tags), rows)
    db.session.commit()
    rollups.rebuild()
    return ids


def by_tag_mentions(figures: list[dict]) -> dict[str, int]:
    return {row["tag"]: row["total"] for row in figures}


@pytest.mark.parametrize(("zone", "start", "end"), PERIODS)
def test_by_tag_figures_equal_the_exact_computation(tagged, zone, start, end):
    """Coverage's by_tag from the roll-ups equals the exact one; listening's volumes agree."""
    exact = coverage_exact(start, end, zone, now=NOW)["by_tag"]
    got = coverage(start, end, zone, now=NOW)["by_tag"]
    assert got == exact
    volumes = {row["tag"]: row["mentions"] for row in listening.by_tag(start, end)}
    assert volumes == by_tag_mentions(exact)


def test_a_mention_with_two_tags_counts_under_each(tagged):
    """The per-tag totals add up to the tag rows, more than the tagged mentions."""
    start, end = PERIODS[0][1:]
    figures = coverage(start, end, "Asia/Tokyo", now=NOW)
    in_period = (
        sa.select(mention_tags.c.mention_id)
        .join(Mention, Mention.id == mention_tags.c.mention_id)
        .where(Mention.created_at >= start, Mention.created_at < end)
        .subquery()
    )
    links = db.session.scalar(sa.select(sa.func.count()).select_from(in_period))
    tagged_mentions = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(in_period.c.mention_id)))
    )
    assert sum(row["total"] for row in figures["by_tag"]) == links > tagged_mentions
    assert [row["tag"] for row in figures["by_tag"]] == sorted(
        TAGS, key=lambda t: -by_tag_mentions(figures["by_tag"])[t]
    )


def test_whole_buckets_are_read_from_the_tag_rollup(tagged):
    """A roll-up row changed by hand shows: whole buckets are not recounted."""
    start, end = PERIODS[0][1:]
    sla = rollups.current_sla()
    before = by_tag_mentions(rollup_figures.by_tag(start, end, sla))
    tag_id = db.session.scalar(sa.select(Tag.id).where(Tag.name == "返品"))
    bucket = rollups.bucket_of(FIRST + timedelta(days=5, minutes=1))
    db.session.add(
        RollupTagCount(
            bucket=bucket,
            tag_id=tag_id,
            status="archived",
            mentions=1000,
            responded=0,
            sla_met=0,
            sla_missed=0,
        )
    )
    db.session.flush()
    counts = rollup_figures.tag_counts(start, end, sla)
    assert counts[(tag_id, "archived")] == [1000, 0, 0, 0]
    assert before["返品"] > 0


def test_a_rebuild_gives_the_same_tag_rows_every_time(tagged):
    """Rebuilding everything, or a range, leaves the rows the first build made."""
    first = tag_rows()
    assert first
    rollups.rebuild()
    assert tag_rows() == first
    rollups.rebuild(FIRST + timedelta(days=3, minutes=7), FIRST + timedelta(days=9, seconds=1))
    assert tag_rows() == first


def test_a_tag_set_after_the_watermark_counts_at_once_and_the_refresh_takes_it_in(
    tagged, make_employee
):
    """Setting tags moves the mention's changed_at: counted live at once, then the job's
    refresh writes what a rebuild writes."""
    start, end = PERIODS[0][1:]
    agent = db.session.scalar(sa.select(Employee).limit(1))
    mention_id = db.session.scalar(
        sa.select(Mention.id)
        .where(Mention.created_at >= start, Mention.created_at < end)
        .order_by(Mention.id)
        .limit(1)
    )
    tagging.set_mention_tags(mention_id, list(TAGS), agent)
    exact = coverage_exact(start, end, "Asia/Tokyo", now=NOW)["by_tag"]
    assert coverage(start, end, "Asia/Tokyo", now=NOW)["by_tag"] == exact
    assert jobs.refresh_rollups()["refreshed"] >= 1
    refreshed = tag_rows()
    rollups.rebuild()
    assert tag_rows() == refreshed
    assert coverage(start, end, "Asia/Tokyo", now=NOW)["by_tag"] == exact
