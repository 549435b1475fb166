"""DM ingestion through real tweepy against the X sandbox, into the real database."""

from __future__ import annotations

import json

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, BrandAccount, Mention, MentionKind, MentionStatus, XUser
from helpdesk.services import replies
from helpdesk.services.dms import MAX_PAGES, ingest_dms
from helpdesk.services.ingest import ingest_mentions
from tests.support.app import run_jobs


def dm_items() -> list[Mention]:
    return list(
        db.session.scalars(
            sa.select(Mention).where(Mention.kind == MentionKind.DM).order_by(Mention.tweet_id)
        )
    )


def test_customer_dms_become_dm_items_once_each(app, x):
    """Each customer DM is one open item of kind dm with its conversation; a rerun adds none."""
    first = x.dm("注文番号 ORD-123456 の件です", username="hanako_t", name="田中 花子")
    second = x.dm("where is my parcel?", username="bob_smith", name="Bob")
    summary = ingest_dms()
    assert (summary.outcome, summary.inserted) == ("ok", 2)
    items = dm_items()
    assert [i.tweet_id for i in items] == [int(first), int(second)]
    hanako = items[0]
    assert hanako.status == "open" and hanako.text == "注文番号 ORD-123456 の件です"
    assert hanako.author.username == "hanako_t" and hanako.language == "ja"
    assert hanako.dm_conversation_id.endswith(
        f"-{x.brand_id}"
    ) or hanako.dm_conversation_id.startswith(f"{x.brand_id}-")
    assert db.session.scalar(sa.select(BrandAccount.dm_cursor)) == int(second)
    again = ingest_dms()
    assert again.inserted == 0 and again.pages == 1
    assert len(dm_items()) == 2


def test_dms_and_mentions_live_side_by_side(app, x):
    """Mention ingestion ignores DMs and DM ingestion ignores mentions; kinds stay apart."""
    x.mention("public question")
    x.dm("private question")
    ingest_mentions()
    ingest_dms()
    kinds = dict(db.session.execute(sa.select(Mention.text, Mention.kind)).all())
    assert kinds == {"@acme_help public question": "post", "private question": "dm"}


def test_paging_stops_at_the_cursor(app, x):
    """A second poll reads only the newest page and stores only what is new."""
    for i in range(120):
        x.dm(f"message {i}", username=f"c{i % 7}")
    assert ingest_dms().inserted == 120
    x.dm("one more")
    summary = ingest_dms()
    assert (summary.pages, summary.inserted) == (1, 1)


def test_brand_dms_joins_leaves_and_empty_text(app, x):
    """The brand's own DMs and join/leave events are skipped; an attachment-only DM is kept."""
    x.dm("hello", username="mixed")
    user = x.state.users_by_name["mixed"].id
    x.state.send_brand_dm("our answer", participant_id=user)
    x.post("/_sandbox/dms", {"username": "mixed", "event_type": "ParticipantsLeave"})
    x.post("/_sandbox/dms", {"username": "mixed", "event_type": "ParticipantsJoin"})
    x.post("/_sandbox/dms", {"username": "mixed", "text": ""})
    summary = ingest_dms()
    assert (summary.inserted, summary.skipped) == (2, 3)
    assert [i.text for i in dm_items()] == ["hello", ""]


def test_unknown_event_types_and_missing_senders_never_fail_a_run(app, x):
    """An unknown event_type, a message without sender, garbage events: skipped, run ok."""
    x.dm("real one", username="real_one")
    real = x.state.users_by_name["real_one"].id
    body = {
        "data": [
            {"id": "1999999999999999999", "event_type": "MessageReaction", "text": "👍"},
            {"id": "1999999999999999998", "event_type": "MessageCreate", "text": "no sender"},
            {"id": "not-an-id", "event_type": "MessageCreate", "text": "x"},
            {"event_type": "MessageCreate"},
            "garbage",
            {
                "id": "1999999999999999997",
                "event_type": "MessageCreate",
                "text": "sender not in includes",
                "sender_id": "424242",
                "dm_conversation_id": f"424242-{x.brand_id}",
                "created_at": "2026-12-01T00:00:00.000Z",
            },
            {
                "id": "1999999999999999996",
                "event_type": "MessageCreate",
                "text": "known",
                "sender_id": str(real),
                "dm_conversation_id": f"{real}-{x.brand_id}",
            },
        ],
        "includes": {"users": [{"id": str(real), "name": "Real", "username": "real_one"}]},
        "meta": {"result_count": 7},
    }
    x.fault(body=json.dumps(body), path="/2/dm_events", count=1)
    summary = ingest_dms()
    assert summary.outcome == "ok"
    assert summary.inserted == 2 and summary.skipped == 2
    unnamed = db.session.get(XUser, 424242)
    assert unnamed is not None and unnamed.username is None
    assert {i.text for i in dm_items()} == {"sender not in includes", "known"}


def test_a_rate_limited_poll_pauses_until_the_reset(app, x):
    """A 429 stores nothing, keeps the cursor and skips polls until X's reset."""
    x.dm("hi")
    x.configure(dm_read_limit=1)
    assert ingest_dms().inserted == 1
    x.dm("again")
    limited = ingest_dms()
    assert limited.outcome == "rate_limited" and limited.retry_at
    assert ingest_dms().skipped_run == "rate_limited"
    assert len(dm_items()) == 1


def test_a_backlog_is_read_over_several_polls_then_the_cursor_moves(app, x):
    """A backlog longer than 15 pages is read 15 pages a poll, older each time; the cursor
    moves to the newest event once all of it is stored, and DMs that came meanwhile too."""
    x.configure(dm_read_limit=100)
    for i in range(MAX_PAGES * 100 + 5):
        x.state.add_customer_dm(f"bulk{i % 50}", None, f"m{i}")
    first = ingest_dms()
    assert (first.pages, first.inserted) == (MAX_PAGES, MAX_PAGES * 100)
    assert db.session.scalar(sa.select(BrandAccount.dm_cursor)) is None
    late = x.dm("arrived during the backlog")
    second = ingest_dms()
    assert (second.pages, second.inserted) == (1, 5)
    newest_of_backlog = x.state.dm_ids[-2]
    assert db.session.scalar(sa.select(BrandAccount.dm_cursor)) == newest_of_backlog
    third = ingest_dms()
    assert third.inserted == 1
    assert db.session.scalar(sa.select(BrandAccount.dm_cursor)) == int(late)
    assert len(dm_items()) == MAX_PAGES * 100 + 6


def test_a_rate_limit_mid_walk_resumes_where_it_stopped(app, x):
    """X's read limit hits on page 2: page 1 stays stored, the next poll reads page 2 on."""
    from helpdesk.services.dms import PAUSE_KEY

    for i in range(150):
        x.state.add_customer_dm(f"r{i % 9}", None, f"r{i}")
    x.configure(dm_read_limit=1)
    limited = ingest_dms()
    assert (limited.outcome, limited.inserted) == ("rate_limited", 100)
    assert db.session.scalar(sa.select(BrandAccount.dm_cursor)) is None
    x.configure(dm_read_limit=100)
    account = db.session.scalar(sa.select(BrandAccount.id))
    app.extensions["redis"].delete(PAUSE_KEY.format(account_id=account))  # X's reset passed
    resumed = ingest_dms()
    assert (resumed.pages, resumed.inserted) == (1, 50)
    assert db.session.scalar(sa.select(BrandAccount.dm_cursor)) == x.state.dm_ids[-1]
    assert len(dm_items()) == 150


def test_a_brand_dm_sent_elsewhere_answers_the_open_dms_before_it(app, x, make_employee):
    """A DM the brand sent from another client answers that customer's open DM items written
    before it (answered_elsewhere, audited with its event id); a later DM, another customer's
    DM and an item the desk answered itself are left as they were."""
    agent = make_employee("0427")
    first = x.dm("荷物が届きません", username="hanako_t")
    x.dm("where is my parcel?", username="bob_smith", name="Bob")
    ingest_dms()
    answered = db.session.scalar(sa.select(Mention).where(Mention.tweet_id == int(first)))
    replies.create_reply(answered.id, agent, "確認いたします。")
    run_jobs(app)  # the desk's own DM: not an answer from elsewhere
    second = x.dm("追伸: 注文番号は ORD-1 です", username="hanako_t")
    assert ingest_dms().answered_elsewhere == 0
    response = x.post("/_sandbox/dms/from-brand", {"username": "hanako_t", "text": "お調べします"})
    assert response.status_code == 201, response.text
    later = x.dm("ありがとう", username="hanako_t")
    summary = ingest_dms()
    assert (summary.outcome, summary.answered_elsewhere) == ("ok", 1)
    status = dict(db.session.execute(sa.select(Mention.tweet_id, Mention.status)).all())
    assert status[int(first)] == MentionStatus.ANSWERED
    assert status[int(second)] == MentionStatus.ANSWERED_ELSEWHERE
    assert status[int(later)] == MentionStatus.OPEN
    assert sorted(status.values()).count(MentionStatus.OPEN) == 2  # bob's and the later one
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "mention.answered_elsewhere")
    )
    assert event is not None and response.json()["id"] in event.details
    assert ingest_dms().answered_elsewhere == 0


def test_the_sandbox_refuses_a_brand_dm_to_nobody(app, x):
    """POST /_sandbox/dms/from-brand needs a known customer and some text: 400 otherwise."""
    assert (
        x.post("/_sandbox/dms/from-brand", {"username": "nobody", "text": "hi"}).status_code == 400
    )
    x.dm("hello", username="hanako_t")
    assert (
        x.post("/_sandbox/dms/from-brand", {"username": "hanako_t", "text": " "}).status_code == 400
    )
