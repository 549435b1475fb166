"""The reply outbox end to end: compose, queue, a real RQ worker posts through the sandbox."""

from __future__ import annotations

import time

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Mention, MentionStatus, Reply, ReplyStatus
from helpdesk.services import outbox, replies
from helpdesk.services.ingest import ingest_mentions
from tests.support.app import run_jobs


def ingested_mention(x, text="@acme_help 返品したいです", username="hanako_t") -> Mention:
    x.mention(text, username=username)
    ingest_mentions()
    return db.session.scalar(sa.select(Mention).order_by(Mention.id.desc()))


def brand_posts(x) -> list[dict]:
    return x.get("/_sandbox/tweets", author="brand").json()["data"]


def test_a_queued_reply_is_posted_once_with_the_signature(app, x, make_employee):
    """A worker posts the reply as an answer to the mention, signed, and stores the X id."""
    agent = make_employee("0427")
    mention = ingested_mention(x)
    reply = replies.create_reply(
        mention.id, agent, "ご連絡ありがとうございます。DMでご案内します。"
    )
    assert reply.status is ReplyStatus.QUEUED
    run_jobs(app)
    posts = brand_posts(x)
    assert len(posts) == 1
    assert posts[0]["text"].endswith(" ^0427")
    assert posts[0]["in_reply_to_tweet_id"] == str(mention.tweet_id)
    stored = db.session.get(Reply, reply.id)
    assert stored.status is ReplyStatus.POSTED and stored.x_tweet_id == int(posts[0]["id"])
    assert db.session.get(Mention, mention.id).status is MentionStatus.ANSWERED


def test_a_second_reply_to_the_same_mention_is_refused(app, x, make_employee):
    """One live reply per mention: the second submit is a 409, and X sees one post."""
    from helpdesk.services.errors import Conflict

    agent = make_employee("0427")
    mention = ingested_mention(x)
    replies.create_reply(mention.id, agent, "Thanks, we are on it.")
    try:
        replies.create_reply(mention.id, agent, "Thanks, we are on it.")
        raise AssertionError("expected a conflict")
    except Conflict as exc:
        assert exc.code in ("not_open", "already_answered")
    run_jobs(app)
    assert len(brand_posts(x)) == 1


def test_a_rate_limited_post_goes_back_to_queued_without_burning_an_attempt(app, x, make_employee):
    """A 429 on create_tweet returns the reply to queued for after the reset, attempts unchanged."""
    agent = make_employee("0427")
    mention = ingested_mention(x)
    x.fault(status=429, count=1, path="/2/tweets", method="POST")
    reply = replies.create_reply(mention.id, agent, "We will check your order.")
    run_jobs(app)
    stored = db.session.get(Reply, reply.id)
    assert stored.status is ReplyStatus.QUEUED and stored.attempts == 0
    assert stored.not_before is not None
    assert brand_posts(x) == []
    from helpdesk.queue import OUTBOUND, get_queue

    scheduled = get_queue(OUTBOUND).scheduled_job_registry.get_job_ids()
    assert scheduled == [f"post_reply-{reply.id}-at-{int(stored.not_before.timestamp())}"]


def test_a_dropped_connection_after_posting_is_reconciled_not_reposted(app, x, make_employee):
    """X posts, then the connection drops: the outcome is unknown, reconciliation finds the post."""
    agent = make_employee("0427")
    mention = ingested_mention(x)
    x.fault(status=0, count=1, path="/2/tweets", method="POST", after_commit=True)
    reply = replies.create_reply(mention.id, agent, "Your refund is on its way.")
    run_jobs(app)
    stored = db.session.get(Reply, reply.id)
    assert stored.status is ReplyStatus.POSTING and stored.outcome_unknown
    time.sleep(1.1)  # the test grace period is one second
    counts = outbox.sweep_outbox()
    assert counts["reconciled_posted"] == 1
    run_jobs(app)
    posts = brand_posts(x)
    assert len(posts) == 1
    assert db.session.get(Reply, reply.id).x_tweet_id == int(posts[0]["id"])


def test_a_worker_killed_before_the_call_is_posted_on_reconciliation(app, x, make_employee):
    """A reply left `posting` with nothing on X is posted again by the sweep, exactly once."""
    agent = make_employee("0427")
    mention = ingested_mention(x)
    reply = replies.create_reply(mention.id, agent, "Sorry for the wait!")
    app.extensions["redis"].flushdb()  # the job is lost with Redis
    db.session.execute(  # as if a worker took it and died before calling X
        sa.update(Reply).where(Reply.id == reply.id).values(status="posting", attempts=1)
    )
    db.session.commit()
    time.sleep(1.1)
    assert outbox.sweep_outbox()["reposted"] == 1
    run_jobs(app)
    assert len(brand_posts(x)) == 1
    assert db.session.get(Reply, reply.id).status is ReplyStatus.POSTED


def test_a_reply_x_refuses_fails_visibly_and_reopens_the_mention(app, x, make_employee):
    """A permanent 403 marks the reply failed with X's reason and the mention open again."""
    agent = make_employee("0427")
    mention = ingested_mention(x)
    x.fault(status=403, count=1, path="/2/tweets", method="POST")
    reply = replies.create_reply(mention.id, agent, "Thank you!")
    run_jobs(app)
    stored = db.session.get(Reply, reply.id)
    assert stored.status is ReplyStatus.FAILED and "403" in stored.last_error
    assert db.session.get(Mention, mention.id).status is MentionStatus.OPEN


def test_a_trainee_reply_waits_for_approval(app, x, make_employee):
    """A trainee's reply is pending until a supervisor approves it; then it is posted."""
    trainee, supervisor = make_employee("0201", "trainee"), make_employee("0002", "supervisor")
    mention = ingested_mention(x)
    reply = replies.create_reply(mention.id, trainee, "確認いたします。")
    run_jobs(app)
    assert brand_posts(x) == []
    assert db.session.get(Reply, reply.id).status is ReplyStatus.PENDING_APPROVAL
    replies.approve(reply.id, supervisor)
    run_jobs(app)
    assert [p["text"] for p in brand_posts(x)] == ["確認いたします。 ^0201"]


def test_a_reply_posted_outside_the_helpdesk_marks_the_mention_answered_elsewhere(
    app, x, make_employee
):
    """A brand reply from the X app (not ours) closes the open mention as answered_elsewhere."""
    make_employee("0427")
    mention = ingested_mention(x)
    other = ingested_mention(x, "@acme_help another question", username="other_user")
    x.client().create_tweet(
        text="Answered from the phone app", in_reply_to_tweet_id=mention.tweet_id
    )
    assert outbox.sweep_outbox()["answered_elsewhere"] == 1
    assert db.session.get(Mention, mention.id).status is MentionStatus.ANSWERED_ELSEWHERE
    assert db.session.get(Mention, other.id).status is MentionStatus.OPEN


def test_our_own_posted_reply_is_not_taken_for_an_outside_answer(app, x, make_employee):
    """The sweep recognises the helpdesk's own posts and leaves their mentions answered."""
    agent = make_employee("0427")
    mention = ingested_mention(x)
    replies.create_reply(mention.id, agent, "Thanks for asking.")
    run_jobs(app)
    assert outbox.sweep_outbox()["answered_elsewhere"] == 0
    assert db.session.get(Mention, mention.id).status is MentionStatus.ANSWERED


def test_the_budget_holds_replies_when_the_window_is_spent(app, x, make_employee):
    """With no posts left in X's window, a reply stays queued until the reset; none is sent."""
    agent = make_employee("0427")
    x.configure(post_limit=1)
    first = ingested_mention(x, "@acme_help one", username="u_one")
    second = ingested_mention(x, "@acme_help two", username="u_two")
    replies.create_reply(first.id, agent, "First answer")
    run_jobs(app)
    held = replies.create_reply(second.id, agent, "Second answer")
    run_jobs(app)
    assert len(brand_posts(x)) == 1
    stored = db.session.get(Reply, held.id)
    assert stored.status is ReplyStatus.QUEUED and stored.attempts == 0
    assert stored.not_before is not None
    from helpdesk.services import budget

    assert budget.current().remaining == 0
