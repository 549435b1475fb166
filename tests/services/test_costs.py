"""What X costs: the transport counts every call, the roll-up keeps it, the prices price it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, XUsageDay
from helpdesk.services import costs, ingest
from helpdesk.services.errors import InvalidInput, NotFound
from helpdesk.x import transport
from helpdesk.x.errors import XAmbiguous
from tests.support.costs import seed_migration, seed_prices


def counters(app, day: date | None = None) -> dict[str, int]:
    raw = app.extensions["redis"].hgetall(costs.usage_key(day or datetime.now(UTC).date()))
    return {k.decode(): int(v) for k, v in raw.items()}


@pytest.fixture
def priced(app):
    seed_prices()
    return app


def test_the_seed_is_xs_published_price_list_with_its_sources():
    """Migration 0017 seeds every kind X prices, each number with where it comes from."""
    migration = seed_migration()
    seeded = {kind: str(usd) for kind, usd, _source in migration.SEED}
    assert seeded == {
        "owned_read": "0.001",
        "post_read": "0.005",
        "user_read": "0.010",
        "dm_read": "0.010",
        "post": "0.015",
        "post_with_link": "0.200",
        "reply": "0.010",
        "dm": "0.015",
    }
    assert set(seeded) == set(costs.PRICED_KINDS)
    assert all("docs.x.com" in source or "FACTS.md" in source for *_, source in migration.SEED)
    assert migration.POST_READ_CAP == "3000000"


def test_every_call_of_the_real_client_is_counted_by_kind(priced, x):
    """Ingesting and replying through tweepy against the sandbox counts each call and what X
    bills: owned reads per mention returned, user reads per author, one reply, one linked post."""
    x.mention("@acme_help 注文した商品が届きません", username="hanako_t")
    x.mention("@acme_help where is my order?", username="john_d")
    summary = ingest.ingest_mentions()
    assert summary.inserted == 2
    seen = counters(priced)
    assert seen["calls:user_read"] == 1  # users/me, to find the brand account
    assert seen["units:user_read"] >= 1 + 2  # the brand, then the two authors expanded
    assert seen["calls:owned_read"] >= 1
    assert seen["units:owned_read"] == 2
    client = priced.extensions["x_client"]
    mention_id = int(x.mention("@acme_help hello"))
    client.create_reply("Thank you ^0427", mention_id)
    client.create_reply("See https://acme.co.jp/faq ^0427", mention_id)
    seen = counters(priced)
    assert (seen["calls:reply"], seen["units:reply"]) == (1, 1)
    assert (seen["calls:post_with_link"], seen["units:post_with_link"]) == (1, 1)


def test_a_failed_call_is_counted_but_never_billed(priced, x):
    """A 503 on a post counts as a call made, with no unit billed."""
    client = priced.extensions["x_client"]
    mention_id = int(x.mention("@acme_help hello"))
    x.fault(status=503, path="/2/tweets", method="POST")
    with pytest.raises(XAmbiguous):
        client.create_reply("Thank you ^0427", mention_id)
    seen = counters(priced)
    assert seen["calls:reply"] == 1
    assert "units:reply" not in seen


def test_dm_routes_are_classified_so_they_count_once_dms_are_sent():
    """The DM read and send routes of X's API have their own kinds; unknown routes are other."""
    assert transport.classify("GET", "/2/dm_events") == transport.DM_READ
    assert transport.classify("GET", "/2/dm_conversations/with/42/dm_events") == transport.DM_READ
    assert transport.classify("GET", "/2/dm_conversations/1-42/dm_events") == transport.DM_READ
    assert transport.classify("POST", "/2/dm_conversations/with/42/messages") == transport.DM
    assert transport.classify("POST", "/2/dm_conversations/1-42/messages") == transport.DM
    assert transport.classify("POST", "/2/tweets", b'{"text": "hi"}') == transport.POST
    assert transport.classify("DELETE", "/2/tweets/1") == transport.OTHER
    usage = transport.usage_of(
        transport.DM_READ, 200, b'{"data": [{"id": "1"}, {"id": "2"}], "includes": {"users": [{}]}}'
    )
    assert usage.units == {transport.DM_READ: 2, transport.USER_READ: 1}
    assert transport.usage_of(transport.DM, 201, b"{}").units == {transport.DM: 1}
    assert transport.usage_of(transport.DM, 403, b"{}").units == {}


def test_the_rollup_copies_the_counters_and_never_lowers_them(priced, x):
    """The scheduled roll-up writes each UTC day's counts to the database; run twice it adds
    nothing, and after Redis loses its counters the rows keep what they had."""
    x.mention("@acme_help one")
    ingest.ingest_mentions()
    first = costs.rollup_usage()
    assert first["days"] == 1 and first["rows"] >= 2
    assert costs.rollup_usage()["rows"] == 0
    rows = {r.kind: (r.calls, r.units) for r in db.session.scalars(sa.select(XUsageDay))}
    assert rows["owned_read"][1] == 1
    priced.extensions["redis"].flushdb()
    costs.rollup_usage()
    again = {r.kind: (r.calls, r.units) for r in db.session.scalars(sa.select(XUsageDay))}
    assert again == rows


def test_the_figures_price_the_counts_with_the_table(priced):
    """Spend is units times the table's price, per day and kind; today, the month, its
    projection and the post reads against the cap follow from the same counts."""
    now = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
    db.session.add_all(
        [
            XUsageDay(day=date(2026, 12, 9), kind="owned_read", calls=10, units=1000),
            XUsageDay(day=date(2026, 12, 9), kind="reply", calls=20, units=20),
            XUsageDay(day=date(2026, 12, 1), kind="post_with_link", calls=1, units=1),
            XUsageDay(day=date(2026, 11, 30), kind="post_read", calls=1, units=100),
        ]
    )
    db.session.commit()
    start = datetime(2026, 12, 8, tzinfo=UTC)
    figures = costs.costs(start, start + timedelta(days=2), "UTC", now=now)
    assert [d["day"] for d in figures["days"]] == ["2026-12-08", "2026-12-09"]
    assert figures["days"][1]["usd"] == pytest.approx(1.0 + 0.2)
    assert figures["total_usd"] == pytest.approx(1.2)
    by_kind = {k["kind"]: k for k in figures["by_kind"]}
    assert by_kind["owned_read"] == {
        "kind": "owned_read",
        "calls": 10,
        "units": 1000,
        "unit_usd": 0.001,
        "usd": 1.0,
    }
    assert figures["month_to_date_usd"] == pytest.approx(1.4)  # November's read is not in it
    assert figures["today_usd"] == 0
    # 1.4 dollars in 9.5 days of a 31-day month.
    assert figures["projected_month_usd"] == pytest.approx(1.4 * 31 / 9.5, rel=1e-6)
    assert figures["post_reads"] == {"month_to_date": 1000, "cap": 3_000_000, "share": 1000 / 3e6}
    assert figures["answered"] == 0 and figures["per_answered_mention_usd"] is None


def test_today_comes_live_from_the_counters_before_any_rollup(priced, x):
    """The figures read today's Redis counters, so a call shows before the roll-up runs."""
    x.mention("@acme_help one")
    ingest.ingest_mentions()
    now = datetime.now(UTC)
    figures = costs.costs(now - timedelta(days=1), now + timedelta(days=1), "UTC")
    assert figures["today_usd"] > 0
    assert figures["calls"] >= 2


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("-0.01", "negative_price"),
        ("abc", "invalid_price"),
        ("NaN", "invalid_price"),
        ("Infinity", "invalid_price"),
        ("1e3", "invalid_price"),
        ("0.0000001", "invalid_price"),
        ("1000.5", "invalid_price"),
        ("", "invalid_price"),
        (None, "invalid_price"),
        (True, "invalid_price"),
        (float("nan"), "invalid_price"),
        ([], "invalid_price"),
    ],
)
def test_a_price_is_a_non_negative_number(priced, make_employee, raw, code):
    """A negative, non-numeric, too fine or absurd price is refused with its own code."""
    boss = make_employee("0002", "supervisor")
    with pytest.raises(InvalidInput) as refused:
        costs.set_price("reply", raw, actor=boss)
    assert refused.value.code == code
    assert costs.prices()["reply"] == costs.parse_price("0.01")


def test_a_supervisor_changes_a_price_and_the_change_is_audited(priced, make_employee):
    """A new price is used at once and the audit log holds the price before and after."""
    boss = make_employee("0002", "supervisor")
    costs.set_price("post_with_link", "$0.25", actor=boss)
    assert str(costs.prices()["post_with_link"]) == "0.25"
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "x_price.changed")
    ).one()
    assert json.loads(event.details) == {"before": "0.2", "after": "0.25"}
    costs.set_price("reply", 0, actor=boss)
    assert costs.reply_cost("Thanks ^0002").usd == 0
    with pytest.raises(NotFound):
        costs.set_price("lunch", "1", actor=boss)
    assert costs.set_post_read_cap("2,000,000", actor=boss) == 2_000_000
    with pytest.raises(InvalidInput):
        costs.set_post_read_cap("-5", actor=boss)


def test_a_reply_with_a_link_costs_what_the_table_says(priced):
    """The composer's figure: a link makes the reply a post with a link, 20 plain replies."""
    plain = costs.reply_cost("Thank you ^0427")
    linked = costs.reply_cost("See https://acme.co.jp/faq ^0427")
    assert (plain.kind, str(plain.usd)) == ("reply", "0.01")
    assert (linked.kind, str(linked.usd), linked.times) == ("post_with_link", "0.2", 20)


def test_the_rollup_of_costs_is_on_the_schedule():
    """workers/cron.py enqueues the costs roll-up with the reports' roll-ups."""
    from workers import cron, jobs

    assert (jobs.rollup_x_usage, "default", cron.INTERVALS.rollups, 300) in cron.SCHEDULE


def test_a_real_worker_posts_a_reply_and_rolls_the_costs_up(priced, x, make_employee):
    """A reply posted by an RQ worker is counted as a reply; the roll-up job run by a worker
    stores the day; the answered mention makes the cost per answered mention the day's spend."""
    from helpdesk import queue
    from helpdesk.services import inbox, replies
    from tests.support.app import run_jobs

    agent = make_employee("0427")
    x.mention("@acme_help my order is late")
    ingest.ingest_mentions()
    mention_id = db.session.scalar(sa.text("SELECT id FROM mentions"))
    inbox.claim(mention_id, agent)
    replies.create_reply(mention_id, agent, "Sorry, we are on it.")
    run_jobs(priced)
    queue.get_queue(queue.DEFAULT).enqueue(
        "workers.jobs.rollup_x_usage", job_id="costs-rollup-test", job_timeout=300
    )
    run_jobs(priced)
    rows = {r.kind: r.units for r in db.session.scalars(sa.select(XUsageDay))}
    assert rows["reply"] == 1 and rows["owned_read"] == 1
    now = datetime.now(UTC)
    today = datetime.combine(now.date(), datetime.min.time(), UTC)
    figures = costs.costs(today, today + timedelta(days=1), "UTC", now=now)
    assert figures["answered"] == 1
    assert figures["per_answered_mention_usd"] == pytest.approx(figures["total_usd"])
    assert figures["total_usd"] >= 0.01 + 0.001


def test_no_note_when_a_link_costs_no_more_than_a_plain_reply(priced, make_employee):
    """Once supervisors price a link no dearer than a reply, the composer has nothing to say."""
    from helpdesk.web.findings import cost_note

    boss = make_employee("0002", "supervisor")
    costs.set_price("post_with_link", "0.01", actor=boss)
    assert cost_note(costs.reply_cost("See https://acme.co.jp ^0002").as_dict()) is None
