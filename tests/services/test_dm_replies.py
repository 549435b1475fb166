"""DM items answered as DMs, exactly once, and public mentions moved to DM."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Mention, MentionKind, MentionStatus, Reply, ReplyChannel, ReplyStatus
from helpdesk.services import outbox, replies
from helpdesk.services.dms import dm_link, ingest_dms, move_to_dm
from helpdesk.services.errors import Conflict, Unprocessable
from helpdesk.services.ingest import ingest_mentions
from tests.support.app import run_jobs


def dm_item(x, text="注文番号を送ります", username="hanako_t") -> Mention:
    x.dm(text, username=username)
    ingest_dms()
    return db.session.scalar(
        sa.select(Mention).where(Mention.kind == MentionKind.DM).order_by(Mention.id.desc())
    )


def brand_dms(x, username="hanako_t") -> list[dict]:
    return [e for e in x.conversation(username) if e["sender"] == "brand"]


def test_a_dm_reply_is_sent_once_unsigned_with_personal_data_allowed(app, x, make_employee):
    """The answer goes as a DM in that conversation: no signature, phone number allowed."""
    agent = make_employee("0427")
    item = dm_item(x)
    text = "お電話 03-1234-5678 までご連絡ください。注文番号 ORD-123456 を確認しました。"
    reply = replies.create_reply(item.id, agent, text)
    assert reply.channel is ReplyChannel.DM and reply.text == text
    run_jobs(app)
    sent = brand_dms(x)
    assert [e["text"] for e in sent] == [text]
    stored = db.session.get(Reply, reply.id)
    assert stored.status is ReplyStatus.POSTED and stored.x_dm_event_id == int(sent[0]["id"])
    assert stored.x_tweet_id is None and stored.author_id == agent.id
    assert db.session.get(Mention, item.id).status is MentionStatus.ANSWERED
    assert x.get("/_sandbox/tweets", author="brand").json()["data"] == []


def test_the_same_personal_data_in_public_is_still_refused(app, x, make_employee):
    """The guard knows the channel: a phone number in a public reply is blocked."""
    agent = make_employee("0427")
    x.mention("help")
    ingest_mentions()
    mention = db.session.scalar(sa.select(Mention))
    with pytest.raises(Unprocessable) as refused:
        replies.create_reply(mention.id, agent, "お電話 03-1234-5678 まで")
    assert refused.value.code == "guideline_violation"


def test_banned_terms_and_links_still_apply_in_a_dm(app, x, make_employee):
    """A DM with a banned term is blocked; a foreign link needs a confirm."""
    agent = make_employee("0427")
    item = dm_item(x)
    with pytest.raises(Unprocessable) as banned:
        replies.create_reply(item.id, agent, "これは社外秘の情報です")
    assert {v["rule"] for v in banned.value.extra["violations"]} == {"banned_term"}
    with pytest.raises(Unprocessable) as link:
        replies.create_reply(item.id, agent, "see https://evil.example/x")
    assert {v["rule"] for v in link.value.extra["violations"]} == {"link_domain"}


def test_an_over_long_dm_is_422_with_the_limit(app, x, make_employee):
    """10,000 characters pass the guard; one more is 422 dm_too_long naming the limit."""
    agent = make_employee("0427")
    item = dm_item(x)
    assert replies.preview("あ" * 10_000, agent, item).valid
    with pytest.raises(Unprocessable) as refused:
        replies.create_reply(item.id, agent, "a" * 10_001)
    assert refused.value.code == "dm_too_long" and refused.value.extra["limit"] == 10_000


def test_a_customer_who_closed_dms_makes_the_reply_failed_and_the_item_open(app, x, make_employee):
    """X's 403: the reply is failed with X's reason and the DM item is open again."""
    agent = make_employee("0427")
    item = dm_item(x)
    x.post("/_sandbox/users/hanako_t", {"accepts_dms": False})
    reply = replies.create_reply(item.id, agent, "ご確認します")
    run_jobs(app)
    stored = db.session.get(Reply, reply.id)
    assert stored.status is ReplyStatus.FAILED
    assert "403" in stored.last_error and "cannot send messages" in stored.last_error
    assert db.session.get(Mention, item.id).status is MentionStatus.OPEN
    assert brand_dms(x) == []


def test_an_ambiguous_send_is_reconciled_against_dm_events_not_resent(app, x, make_employee):
    """The DM lands, the answer is lost: reconciliation finds it in the conversation."""
    agent = make_employee("0427")
    item = dm_item(x)
    x.fault(status=0, path="/2/dm_conversations/*/messages", method="POST", after_commit=True)
    reply = replies.create_reply(item.id, agent, "確認いたしました")
    run_jobs(app)
    stored = db.session.get(Reply, reply.id)
    assert stored.status is ReplyStatus.POSTING and stored.outcome_unknown
    time.sleep(1.1)
    assert outbox.sweep_outbox()["reconciled_posted"] == 1
    run_jobs(app)
    sent = brand_dms(x)
    assert len(sent) == 1
    assert db.session.get(Reply, reply.id).x_dm_event_id == int(sent[0]["id"])


def test_a_send_that_never_landed_is_sent_again_once(app, x, make_employee):
    """A 503 before anything was stored: not found on X, so the sweep sends it once."""
    agent = make_employee("0427")
    item = dm_item(x)
    x.fault(status=503, path="/2/dm_conversations/*/messages", method="POST")
    reply = replies.create_reply(item.id, agent, "お待たせしました")
    run_jobs(app)
    time.sleep(1.1)
    assert outbox.sweep_outbox()["reposted"] == 1
    run_jobs(app)
    assert [e["text"] for e in brand_dms(x)] == ["お待たせしました"]
    assert db.session.get(Reply, reply.id).status is ReplyStatus.POSTED


def test_an_earlier_identical_dm_is_not_taken_for_this_one(app, x, make_employee):
    """Two answers with the same text: each reply owns its own DM event."""
    agent = make_employee("0427")
    first = dm_item(x, "one")
    replies.create_reply(first.id, agent, "ありがとうございます")
    run_jobs(app)
    second = dm_item(x, "two")
    x.fault(status=503, path="/2/dm_conversations/*/messages", method="POST")
    reply = replies.create_reply(second.id, agent, "ありがとうございます")
    run_jobs(app)
    time.sleep(1.1)
    assert outbox.sweep_outbox()["reposted"] == 1
    run_jobs(app)
    assert len(brand_dms(x)) == 2
    assert db.session.get(Reply, reply.id).status is ReplyStatus.POSTED


def test_move_to_dm_posts_the_invitation_and_links_the_next_dm(app, x, make_employee):
    """The public reply carries X's DM link; the customer's next DM is linked to the case."""
    agent = make_employee("0427")
    x.mention("注文がまだ届きません", username="taro")
    ingest_mentions()
    mention = db.session.scalar(sa.select(Mention))
    reply = move_to_dm(mention.id, agent)
    assert reply.channel is ReplyChannel.POST
    assert dm_link(int(x.brand_id)) in reply.text and "DM" in reply.text
    run_jobs(app)
    posts = x.get("/_sandbox/tweets", author="brand").json()["data"]
    assert len(posts) == 1 and "recipient_id=" in posts[0]["text"]
    moved = db.session.get(Mention, mention.id)
    assert moved.status is MentionStatus.ANSWERED and moved.moved_to_dm_at is not None
    x.dm("注文番号は ORD-123456 です", username="taro")
    x.dm("もう一通", username="taro")
    assert ingest_dms().linked == 1
    dms = db.session.scalars(
        sa.select(Mention).where(Mention.kind == MentionKind.DM).order_by(Mention.id)
    ).all()
    assert [d.dm_of_mention_id for d in dms] == [mention.id, None]


def test_move_to_dm_with_own_text_gets_the_link_and_refuses_dms(app, x, make_employee):
    """Given text gains the DM link; a DM item cannot be moved to DM."""
    agent = make_employee("0427")
    x.mention("where is my order", username="bob")
    ingest_mentions()
    mention = db.session.scalar(sa.select(Mention))
    reply = move_to_dm(mention.id, agent, "Please DM us your order number.")
    assert reply.text.startswith("Please DM us your order number. https://x.com/messages/")
    item = dm_item(x, "hello", username="bob")
    with pytest.raises(Conflict) as refused:
        move_to_dm(item.id, agent)
    assert refused.value.code == "already_dm"


def test_exports_mask_personal_data_of_dms_but_keep_public_text(app, x, make_employee):
    """The CSV export masks phone and order numbers in DMs and their answers, not in posts."""
    from datetime import timedelta

    from helpdesk.models.types import utcnow
    from helpdesk.services.export import mentions_csv

    agent = make_employee("0427")
    boss = make_employee("0002", role="supervisor")
    x.mention("ORD-111111 public", username="pub")
    ingest_mentions()
    item = dm_item(x, "注文番号 ORD-123456 電話 03-1234-5678")
    replies.create_reply(item.id, agent, "ORD-123456 を確認しました")
    now = utcnow()
    csv_text = "".join(mentions_csv(now - timedelta(days=1), now + timedelta(days=1), boss))
    assert "ORD-123456" not in csv_text and "03-1234-5678" not in csv_text
    assert "注文番号 ＊＊＊＊＊＊＊＊＊＊" in csv_text and "を確認しました" in csv_text
    assert "ORD-111111 public" in csv_text
