"""Replies whose text X escapes or t.co-wraps are recognised as ours after an ambiguous post."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Mention, MentionStatus, Reply, ReplyStatus
from helpdesk.services import outbox, replies
from helpdesk.services.guidelines import GuidelinePolicy, check_reply
from helpdesk.services.ingest import ingest_mentions
from tests.support.app import run_jobs

TEXTS = {
    "done_when": "Q&A <重要> https://example.com/a?b=1&c=2",
    "three_characters": "Open <Settings> & then >Reset< again",
    "typed_entities": "We typed &amp; and &lt;b&gt; literally",
    "several_links": "See https://acme.co.jp/a and https://help.acme.co.jp/b?x=1&y=2 <- both",
    "link_and_japanese": "詳しくはこちら→https://acme.co.jp/faq?q=返品&x=1 をご覧ください",
    "bare_domain": "Try acme.co.jp/help & tell us",
}


def _mention(x, username: str) -> Mention:
    x.mention("@acme_help 助けてください & <急ぎ>", username=username)
    ingest_mentions()
    return db.session.scalar(sa.select(Mention).order_by(Mention.id.desc()))


@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
def test_an_ambiguous_post_of_an_escaped_or_linked_reply_is_reconciled_once(
    app, x, make_employee, text
):
    """X posts the reply, the answer is lost; reconciliation finds it on the brand's timeline
    (escaped, links in t.co) and marks it posted: one post on X, none again."""
    agent = make_employee("0427")
    mention = _mention(x, "escaped_cust")
    x.fault(status=0, count=1, path="/2/tweets", method="POST", after_commit=True)
    reply = replies.create_reply(mention.id, agent, text, confirm_warnings=True)
    run_jobs(app)
    assert db.session.get(Reply, reply.id).status is ReplyStatus.POSTING
    for _ in range(3):  # more sweeps would post again if it were not recognised
        time.sleep(1.1)  # the test grace period is one second
        outbox.sweep_outbox()
        run_jobs(app)
    posts = x.get("/_sandbox/tweets", author="brand").json()["data"]
    assert [p["text"] for p in posts] == [f"{text} ^0427"]
    stored = db.session.get(Reply, reply.id)
    assert stored.status is ReplyStatus.POSTED, stored.last_error
    assert stored.x_tweet_id == int(posts[0]["id"])
    assert db.session.get(Mention, mention.id).status is MentionStatus.ANSWERED


def test_a_trainee_reply_with_a_link_approved_then_posted_ambiguously_is_posted_once(
    app, x, make_employee
):
    """The approval path too: a trainee's linked reply, approved, lost answer, found once."""
    trainee, supervisor = make_employee("0201", "trainee"), make_employee("0002", "supervisor")
    mention = _mention(x, "trainee_cust")
    text = TEXTS["done_when"]
    reply = replies.create_reply(mention.id, trainee, text, confirm_warnings=True)
    x.fault(status=503, count=1, path="/2/tweets", method="POST", after_commit=True)
    replies.approve(reply.id, supervisor)
    run_jobs(app)
    time.sleep(1.1)
    outbox.sweep_outbox()
    run_jobs(app)
    posts = x.get("/_sandbox/tweets", author="brand").json()["data"]
    assert [p["text"] for p in posts] == [f"{text} ^0201"]
    assert db.session.get(Reply, reply.id).status is ReplyStatus.POSTED


def test_same_text_maps_what_x_did_back_and_still_tells_replies_apart():
    """Scheme added to a bare domain, NFC and spacing are the same text; another link is not."""
    assert outbox.same_text("Try http://acme.co.jp/help & tell us", "Try acme.co.jp/help & tell us")
    assert outbox.same_text("cafe\u0301  ok https://a.co.jp/x", "café ok https://a.co.jp/x ")
    assert not outbox.same_text("see https://a.co.jp/x", "see https://a.co.jp/y")
    assert not outbox.same_text("Q&amp;A", "Q&A")  # the boundary undoes escaping, not this


def test_the_allowed_domain_rule_reads_the_typed_url_on_our_side(app):
    """Our reply is checked as typed: an allowed domain behind & and < passes, another is found,
    and a t.co link pasted from X counts as t.co, not as what it might point at."""
    policy = GuidelinePolicy()
    ok = check_reply("Q&A <FAQ> https://support.acme.example/a?b=1&c=2", policy=policy)
    assert not [v for v in ok if v.rule == "link_domain"]
    other = check_reply("Q&A <FAQ> https://example.com/a?b=1&c=2", policy=policy)
    assert [v.rule for v in other if v.rule == "link_domain"] == ["link_domain"]
    pasted = check_reply("see https://t.co/AbCdEfGhIj", policy=policy)
    assert any("t.co" in v.message for v in pasted if v.rule == "link_domain")
