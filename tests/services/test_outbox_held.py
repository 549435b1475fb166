"""Why and until when a queued reply waits: `held_until` and `held_reason` after a real hold."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk import queue
from helpdesk.api.serializers import iso, reply_json
from helpdesk.extensions import db
from helpdesk.models import Reply, ReplyStatus
from helpdesk.models.types import utcnow
from helpdesk.services import budget, replies
from tests.services.test_outbox import brand_posts, ingested_mention
from tests.support.app import run_jobs


def test_a_reply_held_by_x_429_says_why_and_until_when(app, x, make_employee):
    """After X's 429 the reply JSON gives the reset as held_until and x_rate_limit as the reason."""
    agent = make_employee("0427")
    mention = ingested_mention(x)
    x.fault(status=429, count=1, path="/2/tweets", method="POST")
    reply = replies.create_reply(mention.id, agent, "We will check your order.")
    run_jobs(app)
    stored = db.session.get(Reply, reply.id)
    assert stored.status is ReplyStatus.QUEUED and stored.not_before > utcnow()
    body = reply_json(stored)
    assert body["held_reason"] == "x_rate_limit"
    assert body["held_until"] == iso(stored.not_before)


def test_a_reply_held_by_the_spent_budget_says_posting_budget(app, x, make_employee):
    """When our record of X's window has no post left, the reason is posting_budget."""
    agent = make_employee("0427")
    x.configure(post_limit=1)
    first = ingested_mention(x, "@acme_help one", username="u_one")
    second = ingested_mention(x, "@acme_help two", username="u_two")
    replies.create_reply(first.id, agent, "First answer")
    run_jobs(app)
    held = replies.create_reply(second.id, agent, "Second answer")
    run_jobs(app)
    body = reply_json(db.session.get(Reply, held.id))
    assert body["status"] == "queued"
    assert body["held_reason"] == "posting_budget"
    assert body["held_until"] == iso(db.session.get(Reply, held.id).not_before)


def test_the_hold_is_cleared_once_the_reply_moves_to_posting(app, x, make_employee):
    """Once the reset has passed and the reply is posted, neither field is set any more."""
    agent = make_employee("0427")
    mention = ingested_mention(x)
    x.fault(status=429, count=1, path="/2/tweets", method="POST")
    reply = replies.create_reply(mention.id, agent, "We will check your order.")
    run_jobs(app)
    assert db.session.get(Reply, reply.id).held_reason == "x_rate_limit"
    # X's reset has passed: the reply is due again and the budget knows nothing of the 429.
    db.session.execute(sa.update(Reply).where(Reply.id == reply.id).values(not_before=utcnow()))
    db.session.commit()
    app.extensions["redis"].delete(budget.KEY)
    queue.enqueue_post_reply(reply.id)
    run_jobs(app)
    stored = db.session.get(Reply, reply.id)
    assert stored.status is ReplyStatus.POSTED and len(brand_posts(x)) == 1
    assert stored.held_reason is None
    body = reply_json(stored)
    assert body["held_until"] is None and body["held_reason"] is None


def test_an_ordinary_queued_reply_is_not_held(app, x, make_employee):
    """A reply waiting only for a worker has held_until and held_reason null."""
    agent = make_employee("0427")
    mention = ingested_mention(x)
    body = reply_json(replies.create_reply(mention.id, agent, "On it."))
    assert body["status"] == "queued"
    assert body["held_until"] is None and body["held_reason"] is None
