"""python -m benchmarks.seed on the test backend: 2,000 mentions, then the services on it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from helpdesk import create_app
from helpdesk.extensions import db
from helpdesk.models import (
    AuditEvent,
    ListeningDay,
    Mention,
    MentionStatus,
    Reply,
    RollupCount,
)
from helpdesk.services import audit, coverage, inbox
from helpdesk.x.sandbox.state import EPOCH_MS
from tests.support.backends import scratch_database

# One xdist worker runs this module, so its module-scoped seeded database is built once, not once
# per worker (CI runs with -n 2).
pytestmark = pytest.mark.xdist_group("seed_benchmark")
ROOT = Path(__file__).resolve().parent.parent
MENTIONS = 2000
UNTIL = datetime(2026, 11, 30, 12, tzinfo=UTC)


def _run_seed(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "benchmarks.seed", "--mentions", str(MENTIONS)]
    argv += ["--database-url", url]
    argv += ["--until", UNTIL.isoformat(), "--ingest-every", "3600", *extra]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=180, env=env, cwd=ROOT, check=False
    )


@pytest.fixture(scope="module")
def scratch_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of its own: a scratch one beside TEST_DATABASE_URL's, else a SQLite file."""
    with scratch_database(tmp_path_factory.mktemp("seed"), "seed") as url:
        yield url


@pytest.fixture(scope="module")
def seeded(scratch_url: str) -> str:
    """The script's output after seeding the scratch database (and its own --check)."""
    result = _run_seed(scratch_url, "--check")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return result.stdout


@pytest.fixture(scope="module")
def seeded_app(
    seeded: str, scratch_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    """The real app on the seeded database."""
    environ = {
        "HELPDESK_INSTANCE": str(tmp_path_factory.mktemp("seed-instance")),
        "DATABASE_URL": scratch_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
    }
    app = create_app({"TESTING": True}, environ=environ)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _count(table: str) -> int:
    return db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608


def _printed_rows(output: str) -> dict[str, int]:
    return {
        name: int(rows.replace(",", ""))
        for name, rows in re.findall(r"^  ([a-z_]+) +([\d,]+) +[\d.]+$", output, re.M)
    }


def test_rows_per_table_are_printed_and_stored(seeded: str, seeded_app: Flask) -> None:
    """Every table the script reports holds exactly the rows it printed, in plausible numbers."""
    printed = _printed_rows(seeded)
    assert printed["mentions"] == MENTIONS
    assert printed["x_users"] == MENTIONS * 3 // 10
    assert printed["employees"] == 60
    assert printed["brand_accounts"] == 1
    for table, rows in printed.items():
        assert _count(table) == rows, table
    assert 0.6 * MENTIONS < printed["replies"] < MENTIONS
    assert printed["audit_events"] > 2 * MENTIONS
    assert printed["escalations"] > 0 and printed["guideline_hits"] > 0
    # Passes every hour over two years, whether they found mentions or not.
    assert printed["ingest_runs"] > 2 * 365 * 24 * 0.99
    assert "check: all good" in seeded
    assert re.search(r"peak RSS \d+ MiB", seeded)


def test_status_proportions_are_realistic(seeded_app: Flask) -> None:
    """Mostly answered, some answered elsewhere, dismissed with a reason, hardly any open."""
    counts = dict(
        db.session.execute(
            sa.select(Mention.status, sa.func.count()).group_by(Mention.status)
        ).all()
    )
    share = {status: counts.get(status, 0) / MENTIONS for status in MentionStatus}
    assert 0.65 < share[MentionStatus.ANSWERED] < 0.88
    assert 0.02 < share[MentionStatus.ANSWERED_ELSEWHERE] < 0.15
    assert 0.07 < share[MentionStatus.DISMISSED] < 0.25
    assert share[MentionStatus.OPEN] < 0.02
    oldest_open = db.session.scalar(
        sa.select(sa.func.min(Mention.created_at)).where(Mention.status == MentionStatus.OPEN)
    )
    assert oldest_open is None or oldest_open > UNTIL - timedelta(days=3)  # only a recent tail
    unexplained = db.session.scalar(
        sa.select(sa.func.count()).where(
            Mention.status == MentionStatus.DISMISSED,
            sa.or_(Mention.close_reason.is_(None), Mention.closed_by_id.is_(None)),
        )
    )
    assert unexplained == 0
    answered_without_post = db.session.scalar(
        sa.select(sa.func.count()).where(
            Mention.status == MentionStatus.ANSWERED,
            ~sa.exists().where(Reply.mention_id == Mention.id, Reply.status != "failed"),
        )
    )
    assert answered_without_post == 0
    threads = db.session.scalar(
        sa.select(sa.func.count()).where(Mention.conversation_id != Mention.tweet_id)
    )
    assert threads > 0.03 * MENTIONS


def test_ids_are_snowflakes_of_their_times(seeded_app: Flask) -> None:
    """Tweet ids carry created_at (and posted reply ids posted_at), and grow with the row id."""
    rows = db.session.execute(
        sa.select(Mention.tweet_id, Mention.created_at).order_by(Mention.id)
    ).all()
    assert [r.tweet_id for r in rows] == sorted(r.tweet_id for r in rows)
    for tweet_id, created_at in rows:
        assert (tweet_id >> 22) + EPOCH_MS == round(created_at.timestamp() * 1000)
    posted = db.session.execute(
        sa.select(Reply.x_tweet_id, Reply.posted_at).where(Reply.status == "posted")
    ).all()
    assert posted
    for x_tweet_id, posted_at in posted:
        assert (x_tweet_id >> 22) + EPOCH_MS == round(posted_at.timestamp() * 1000)


def test_audit_chain_verifies(seeded_app: Flask) -> None:
    """The generated hash chain passes the app's own verification."""
    assert list(audit.broken_links()) == []
    assert db.session.scalar(sa.select(sa.func.min(AuditEvent.id))) == 1


def test_services_work_on_the_seeded_data(seeded_app: Flask) -> None:
    """Inbox pages, a mention's thread and coverage for 30 days work on the generated rows."""
    page = inbox.list_mentions("answered")
    assert len(page.items) == 50 and page.next_cursor
    following = inbox.list_mentions("answered", cursor=page.next_cursor)
    assert following.items[0].id < page.items[-1].id
    for status in ("open", "dismissed", "escalated", "all"):
        inbox.list_mentions(status)
    followup = db.session.scalar(
        sa.select(Mention).where(Mention.in_reply_to_tweet_id.in_(sa.select(Reply.x_tweet_id)))
    )
    assert followup is not None
    thread = inbox.conversation(followup)
    assert any(m.conversation_id == followup.conversation_id for m in thread)
    assert inbox.replies_for([m.id for m in [*thread, followup]])
    start = UNTIL - timedelta(days=30)
    figures = coverage.coverage(start, UNTIL, "Asia/Tokyo", now=UNTIL)
    in_window = db.session.scalar(
        sa.select(sa.func.count()).where(Mention.created_at >= start, Mention.created_at < UNTIL)
    )
    assert figures["total"] == in_window > 0
    assert figures["response_rate"] > 0.9
    assert figures["per_employee"]


def test_refuses_a_database_that_holds_data(seeded_app: Flask, scratch_url: str) -> None:
    """Without --reset the script writes nothing into a database that has rows."""
    db.session.rollback()  # end our transaction (on SQLite it holds the write lock)
    result = _run_seed(scratch_url)
    assert result.returncode != 0
    assert "not empty" in result.stderr and "--reset" in result.stderr


def test_the_seed_builds_the_rollups(seeded: str, seeded_app: Flask) -> None:
    """After loading, the roll-ups hold every mention, and coverage read from them agrees with
    the per-mention computation (counts equal, percentiles within 1%)."""
    assert "roll-ups built" in seeded
    assert db.session.scalar(sa.select(sa.func.sum(RollupCount.mentions))) == MENTIONS
    for days in (30, 365):
        start = UNTIL - timedelta(days=days)
        exact = coverage.coverage_exact(start, UNTIL, "Asia/Tokyo", now=UNTIL)
        rolled = coverage.coverage(start, UNTIL, "Asia/Tokyo", now=UNTIL)
        for key in ("total", "answered", "dismissed", "open", "within_sla", "per_hour"):
            assert rolled[key] == exact[key], key
        for key in ("median_first_response_seconds", "p90_first_response_seconds"):
            assert rolled[key] == pytest.approx(exact[key], rel=0.01), key


def test_the_seed_builds_listenings_rollups(seeded: str, seeded_app: Flask) -> None:
    """After loading, listening's roll-ups count every mention, and the listening figures read
    from them equal those computed from every text."""
    from helpdesk.services import listening

    assert "listening roll-ups built" in seeded
    mentions = sa.select(sa.func.sum(ListeningDay.count)).where(ListeningDay.kind == "mentions")
    assert db.session.scalar(mentions) == MENTIONS
    start = UNTIL - timedelta(days=30)
    exact = listening.listening_exact(start, UNTIL, "Asia/Tokyo", now=UNTIL)
    assert exact["top_terms"] and exact["total"] > 0
    assert listening.listening(start, UNTIL, "Asia/Tokyo", now=UNTIL) == exact
