"""SQL statements per request: a small fixed number per page, the same for 5 rows as for 50."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask

from helpdesk.extensions import db
from helpdesk.models import Employee
from helpdesk.services import escalation, inbox, replies, rollups, tagging
from tests.support.routing import make_tags

# Statements one request runs, per page, in a process that served it before; a change here
# should be a deliberate one. Badges, the desk's tags, the active canned replies and the routing
# mode come from the process's memory (services/process_cache.py), not a statement a page.
BOUNDS = {
    "inbox": 4,  # the signed-in employee, the rows, what they show (holders, tags: a query each)
    "inbox_open": 4,  # the agents' view: open ones
    # + the notes on the mention and its customer (one query), its tags and the colleagues'
    # counts that suggest tags
    "mention": 8,
    "dashboard": 8,
    "escalations": 9,
    # roll-ups: state, sums, histograms, what changed, live edges (rollup_figures); the by-channel
    # and moved-to-DM panels read the same sums (channel is a key, the moves are columns): +0;
    # by tag: the tag roll-up's sums, its changed buckets taken away, live rows, tag names: +4
    "coverage": 16,
    "audit": 2,
    # the token and its employee (its last use is written once a minute: not this request),
    # + the listed mentions' tags (one query for the page)
    "api_mentions": 5,
}
LIVE_POLL_304 = 1  # the inbox's quiet poll: the signed-in employee, then Redis only


@contextmanager
def counted(app: Flask) -> Iterator[list[str]]:
    """Every statement the app's engine runs inside the block, transaction control aside."""
    seen: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith("BEGIN"):  # SQLite: BEGIN [DEFERRED|IMMEDIATE]
            seen.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)


def statements(app: Flask, request: Callable[[], object]) -> int:
    """How many statements one request runs in a running process (its answer must be a 200):
    asked once before, as every page has been, so the desk-wide lists each process keeps
    (services/process_cache.py: badges, tags, canned replies, routing mode) are in memory."""
    assert request().status_code == 200
    db.session.remove()  # nothing cached from the set-up
    with counted(app) as seen:
        response = request()
    assert response.status_code == 200, response.status_code
    return len(seen)


def _desk(count: int, mentions, make_employee) -> list[int]:
    """`count` mentions by different customers, some claimed, replied to and escalated."""
    ids: list[int] = []
    for n in range(count):
        ids = mentions(
            f"@acme help with my order {n}", username=f"customer{n}", name=f"Customer {n}"
        )
    agents = [db.session.get(Employee, make_employee(f"{2000 + n}").id) for n in range(3)]
    for n, agent in enumerate(agents):
        inbox.claim(ids[-1 - n], agent)  # the newest: on every first page
    replies.create_reply(ids[-1], agents[0], "Thanks, we are on it.")
    escalation.escalate(ids[-2], agents[1], "angry customer")
    make_tags("order", "配送", "返品")
    for n, mention_id in enumerate(ids):  # every other one tagged: rows with and without tags
        if n % 2 == 0:
            tagging.set_mention_tags(mention_id, ["order", "配送"][: 1 + n % 4 // 2], agents[0])
    return ids


@pytest.fixture
def desk(app, client, login, mentions, make_employee):
    """A supervisor signed in on a desk of `rows` mentions: desk(rows) -> mention ids."""
    make_employee("0900", role="supervisor")

    def build(rows: int) -> list[int]:
        ids = _desk(rows, mentions, make_employee)
        assert login("0900").status_code == 302
        return ids

    return build


def _pages(client, api, mention_id: int) -> dict[str, Callable[[], object]]:
    return {
        "inbox": lambda: client.get("/inbox?status=all"),
        "inbox_open": lambda: client.get("/inbox?sort=newest"),  # the claimed ones listed
        "mention": lambda: client.get(f"/mentions/{mention_id}"),
        "dashboard": lambda: client.get("/supervise/"),
        "escalations": lambda: client.get("/supervise/?status=all"),
        "coverage": lambda: client.get("/supervise/coverage?period=7d"),
        "audit": lambda: client.get("/supervise/audit"),
        "api_mentions": lambda: api.get("/mentions", status="all"),
    }


@pytest.mark.parametrize("rows", [5, 50])
def test_each_page_runs_its_fixed_number_of_statements(app, client, desk, api_as, rows):
    """Every page in the load mix runs exactly its bound, whether 5 or 50 mentions are listed."""
    ids = desk(rows)
    rollups.refresh()  # coverage reads the roll-ups (the desk's rows, just changed, live)
    api = api_as("0901", role="agent")
    counts = {name: statements(app, call) for name, call in _pages(client, api, ids[-1]).items()}
    assert counts == BOUNDS


def test_a_quiet_live_inbox_poll_runs_only_the_login_statement(app, client, desk):
    """/inbox/live answered 304 (nothing changed) runs only the login's statement."""
    desk(5)
    etag = client.get("/inbox/live").headers["ETag"]
    db.session.remove()
    with counted(app) as seen:
        response = client.get("/inbox/live", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert len(seen) == LIVE_POLL_304


def test_the_coverage_panels_by_channel_cost_no_statement(app, client, desk):
    """With DMs and mentions moved to DM (some continued by a DM) on the desk, in the roll-ups
    and changed since, the coverage page still runs its bound: its by-channel and moved-to-DM
    panels come from the same sums."""
    from datetime import timedelta

    from helpdesk.models import Mention, MentionKind, MentionStatus
    from helpdesk.models.types import utcnow

    ids = desk(5)
    moved_at = utcnow()
    db.session.execute(
        sa.update(Mention).where(Mention.id.in_(ids[:3])).values(moved_to_dm_at=moved_at)
    )
    for n, post_id in enumerate(ids[:2]):
        post = db.session.get(Mention, post_id)
        db.session.add(
            Mention(
                tweet_id=990_000 + n,
                kind=MentionKind.DM,
                dm_conversation_id=f"1-{post.author_x_id}",
                dm_of_mention_id=post_id,
                brand_account_id=post.brand_account_id,
                author_x_id=post.author_x_id,
                text="my order number is 123",
                created_at=moved_at - timedelta(hours=n),
                status=MentionStatus.ANSWERED if n else MentionStatus.OPEN,
            )
        )
    db.session.commit()
    rollups.refresh()
    page = lambda: client.get("/supervise/coverage?period=7d")  # noqa: E731
    assert statements(app, page) == BOUNDS["coverage"]
    html = client.get("/supervise/coverage?period=7d").text
    assert 'data-channel="dm"' in html and 'data-figure="moved">3<' in html
