"""Ingestion through real tweepy against the X sandbox, into the real database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import BrandAccount, IngestRun, Mention, XUser
from helpdesk.services.ingest import ingest_mentions
from tests.support.app import narrow_window


def count_mentions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Mention))


def customer_mentions(x) -> int:
    """How many of the sandbox's mentions are questions (retweets are not)."""
    tweets = [x.state.tweets[i] for i in x.state.mention_ids]
    return sum(1 for t in tweets if not any(kind == "retweeted" for kind, _ in t.referenced))


def test_first_run_stores_every_mention_once_with_its_author(app, x):
    """A first pass stores each mention and its author, and finds the brand account itself."""
    x.mention("@acme_help 注文した商品がまだ届きません", username="hanako_t", name="田中 花子")
    x.mention("@acme_help where is my order?", username="bob_smith", name="Bob")
    summary = ingest_mentions()
    assert summary.outcome == "ok" and summary.inserted == 2
    brand = db.session.scalar(sa.select(BrandAccount))
    assert brand.username == "acme_help"
    hanako = db.session.scalar(sa.select(XUser).where(XUser.username == "hanako_t"))
    assert hanako.name == "田中 花子"
    assert count_mentions() == 2


def test_second_run_reads_only_newer_mentions_and_moves_the_cursor(app, x):
    """The cursor advances to the newest id after commit, and the next pass starts there."""
    x.mention("first question")
    ingest_mentions()
    newest = x.mention("second question")
    summary = ingest_mentions()
    assert (summary.fetched, summary.inserted) == (1, 1)
    assert db.session.scalar(sa.select(BrandAccount.ingest_cursor)) == int(newest)
    assert ingest_mentions().fetched == 0


def test_paging_follows_next_token_to_the_end(app, x):
    """More than one page (100 a page) is walked to the last next_token."""
    x.post("/_sandbox/mentions/bulk", {"count": 250, "seed": 7})
    summary = ingest_mentions()
    assert summary.pages == 3 and summary.fetched == 250
    assert summary.inserted == customer_mentions(x) == count_mentions()


def test_a_repeated_pass_stores_nothing_twice(app, x):
    """Ingesting the same tweets again (cursor reset) leaves exactly one row per tweet."""
    x.post("/_sandbox/mentions/bulk", {"count": 30, "seed": 1})
    ingest_mentions()
    db.session.execute(sa.update(BrandAccount).values(ingest_cursor=None))
    db.session.commit()
    summary = ingest_mentions()
    assert summary.fetched == 30 and summary.inserted == 0
    assert count_mentions() == customer_mentions(x)


def test_retweets_are_skipped_and_quotes_kept(app, x):
    """A retweet is not a question; a quote mention is."""
    original = x.mention("@acme_help 修理の受付はどこですか")
    x.mention("RT", username="echo_user", retweet_of=original)
    x.mention("@acme_help this!", username="quoter", quote_of=original)
    ingest_mentions()
    texts = db.session.scalars(sa.select(Mention.text)).all()
    assert len(texts) == 2
    quote = db.session.scalar(sa.select(Mention).where(Mention.is_quote.is_(True)))
    assert quote is not None and quote.author.username == "quoter"


def test_replies_are_threaded_by_conversation(app, x):
    """A customer's follow-up keeps the conversation id of the first mention."""
    first = x.mention("@acme_help my TV broke")
    x.mention("@acme_help still waiting", in_reply_to_tweet_id=first)
    ingest_mentions()
    conversations = set(db.session.scalars(sa.select(Mention.conversation_id)))
    assert conversations == {int(first)}


def test_partial_errors_keep_the_tweet_without_its_author(app, x):
    """A 200 with errors[] for an unhydrated author stores the mention with an unnamed author."""
    x.mention("@acme_help hello", username="ghost", author_unavailable=True)
    summary = ingest_mentions()
    assert summary.inserted == 1
    mention = db.session.scalar(sa.select(Mention))
    assert mention.author.username is None


def test_an_author_left_out_of_the_includes_is_filled_in_later(app, x):
    """A suspended author's mention is kept unnamed; once X describes them, a pass fills them in."""
    from datetime import timedelta

    from helpdesk.models.types import utcnow
    from helpdesk.services import authors

    x.mention(
        "@acme_help 確認してもらえますか？", username="ghost", name="幽霊", author_unavailable=True
    )
    assert ingest_mentions().authors_filled == 0  # looked up at once: still suspended
    ghost = db.session.scalar(sa.select(XUser))
    assert ghost.username is None
    # Reinstated on X (a post of theirs that does not mention us: no new page carries them).
    response = x.post(
        "/_sandbox/tweets",
        {"username": "ghost", "name": "幽霊", "text": "back", "author_unavailable": False},
    )
    assert response.status_code == 201, response.text
    assert ingest_mentions().authors_filled == 0  # asked again only after RETRY_AFTER
    long_ago = utcnow() - authors.RETRY_AFTER - timedelta(seconds=1)
    db.session.execute(sa.update(XUser).values(updated_at=long_ago))
    db.session.commit()
    assert ingest_mentions().authors_filled == 1
    db.session.expire_all()
    ghost = db.session.scalar(sa.select(XUser))
    assert (ghost.username, ghost.name) == ("ghost", "幽霊")
    assert db.session.scalar(sa.select(Mention.text)) == "@acme_help 確認してもらえますか？"


def test_an_author_lookup_that_fails_leaves_the_pass_ok(app, x):
    """X refusing the author look-up does not fail the pass: the mentions are stored."""
    x.mention("@acme_help hello", username="ghost", author_unavailable=True)
    x.fault(path="/2/users", count=1, status=503)
    summary = ingest_mentions()
    assert summary.outcome == "ok" and summary.inserted == 1 and summary.authors_filled == 0


def test_rate_limit_records_the_reset_and_leaves_the_cursor(app, x):
    """A 429 ends the run as rate_limited with the reset time; the cursor does not move."""
    x.mention("one")
    ingest_mentions()
    before = db.session.scalar(sa.select(BrandAccount.ingest_cursor))
    x.mention("two")
    x.fault(status=429, count=1, path="/2/users/*/mentions")
    summary = ingest_mentions()
    assert summary.outcome == "rate_limited" and summary.retry_at
    assert db.session.scalar(sa.select(BrandAccount.ingest_cursor)) == before
    again = ingest_mentions()  # paused until the reset: returns at once, calls nothing
    assert again.outcome == "skipped" and again.skipped == "rate_limited"


def test_server_error_fails_the_run_and_keeps_the_cursor(app, x):
    """A 503 marks the run failed, raises for RQ's retry, and nothing is lost."""
    from helpdesk.x.errors import XUnavailable

    x.mention("one")
    ingest_mentions()
    x.mention("two")
    x.fault(status=503, count=1, path="/2/users/*/mentions")
    try:
        ingest_mentions()
        raise AssertionError("expected XUnavailable")
    except XUnavailable:
        pass
    run = db.session.scalar(sa.select(IngestRun).order_by(IngestRun.id.desc()))
    assert run.outcome.value == "failed" and "503" in run.error
    assert ingest_mentions().inserted == 1
    assert count_mentions() == 2


def test_a_second_pass_returns_at_once_while_the_lock_is_held(app, x):
    """One run per account at a time: a pass that finds the lock held does nothing."""
    x.mention("hello")
    ingest_mentions()  # stores the brand account
    brand = db.session.scalar(sa.select(BrandAccount))
    lock = app.extensions["redis"].lock(f"helpdesk:ingest:lock:{brand.id}", timeout=30)
    assert lock.acquire(blocking=False)
    try:
        summary = ingest_mentions()
    finally:
        lock.release()
    assert summary.outcome == "skipped"


def test_a_gap_beyond_the_window_is_filled_from_search(app, x):
    """When more mentions arrived than the window serves, search/recent fills the gap."""
    with narrow_window(app, x, 50):
        x.mention("before the outage")
        ingest_mentions()
        x.post("/_sandbox/mentions/bulk", {"count": 180, "seed": 3})
        summary = ingest_mentions()
    assert summary.gap_detected and summary.gap_repaired
    assert count_mentions() == customer_mentions(x) > 170


def test_a_rate_limited_ingest_job_schedules_the_next_pass_at_the_reset(app, x):
    """The ingest job never sleeps on a 429: it schedules the next pass for X's reset time."""
    from helpdesk.queue import INGEST, enqueue_ingest, get_queue
    from tests.support.app import run_jobs

    x.mention("hello")
    x.fault(status=429, count=1, path="/2/users/*/mentions")
    enqueue_ingest()
    run_jobs(app)
    run = db.session.scalar(sa.select(IngestRun).order_by(IngestRun.id.desc()))
    assert run.outcome.value == "rate_limited"
    registry = get_queue(INGEST).scheduled_job_registry
    (job_id,) = registry.get_job_ids()
    assert registry.get_scheduled_time(job_id).timestamp() == int(run.retry_at.timestamp())


def _page(*tweets: dict, **extra: object) -> str:
    import json

    ids = [t["id"] for t in tweets]
    meta = {"result_count": len(tweets), "newest_id": max(ids), "oldest_id": min(ids)}
    return json.dumps({"data": list(tweets), "meta": meta, **extra})


def test_a_page_without_includes_and_with_unknown_fields_is_ingested(app, x):
    """Missing includes and fields X added later do not stop ingestion; authors stay unnamed."""
    x.mention("first")  # so the brand account and a cursor exist
    ingest_mentions()
    cursor = db.session.scalar(sa.select(BrandAccount.ingest_cursor))
    tweet = {
        "id": str(cursor + 1000),
        "text": "@acme_help new shape",
        "author_id": "4242",
        "edit_history_tweet_ids": [str(cursor + 1000)],
        "note_tweet": {"text": "a field we do not know"},
    }
    x.fault(path="/2/users/*/mentions", count=1, body=_page(tweet, future_section={"x": 1}))
    summary = ingest_mentions()
    assert summary.outcome == "ok" and summary.inserted == 1
    stored = db.session.scalar(sa.select(Mention).where(Mention.tweet_id == cursor + 1000))
    assert stored.author_x_id == 4242 and stored.author.username is None


@pytest.mark.parametrize(
    "body",
    [
        '{"data": "not a list", "meta": {}}',
        '{"data": [{"id": "12x", "text": "bad id"}], "meta": {"result_count": 1}}',
        '{"data": [{"id": "123"}], "meta": {"result_count": 1}}',
        '{"data": [{"id": "123", "text": "no author"}], "meta": {"result_count": 1}}',
        "<html>502 Bad Gateway</html>",
        "{}",
    ],
    ids=[
        "data-not-a-list",
        "id-not-a-number",
        "tweet-without-text",
        "no-author",
        "not-json",
        "empty-object",
    ],
)
def test_a_malformed_page_fails_the_run_and_leaves_the_cursor(app, x, body):
    """A 200 whose body lacks the promised shape marks the run failed; nothing moves or is lost."""
    from helpdesk.x.errors import XMalformed

    x.mention("first")
    ingest_mentions()
    before = db.session.scalar(sa.select(BrandAccount.ingest_cursor))
    x.mention("second")
    x.fault(path="/2/users/*/mentions", count=1, body=body)
    with pytest.raises(XMalformed):
        ingest_mentions()
    run = db.session.scalar(sa.select(IngestRun).order_by(IngestRun.id.desc()))
    assert run.outcome.value == "failed" and run.error.startswith("XMalformed")
    assert db.session.scalar(sa.select(BrandAccount.ingest_cursor)) == before
    assert ingest_mentions().inserted == 1  # the next pass picks the mention up
