"""The outbox worker side: post a queued reply once, reconcile unknown outcomes, sweep."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import redis
import sqlalchemy as sa
from flask import current_app

from helpdesk import queue
from helpdesk.extensions import db
from helpdesk.models import (
    HeldReason,
    Mention,
    MentionKind,
    MentionStatus,
    Reply,
    ReplyChannel,
    ReplyStatus,
)
from helpdesk.models.types import utcnow
from helpdesk.services import audit, budget
from helpdesk.services.brand import get_brand_account, x_client
from helpdesk.services.settlement import Settled, settle_escalations
from helpdesk.x.errors import (
    XAmbiguous,
    XDuplicateContent,
    XError,
    XRateLimited,
    XRejected,
    XUnavailable,
)
from helpdesk.x.text import comparable

if TYPE_CHECKING:
    from helpdesk.config import Settings

logger = logging.getLogger(__name__)

# The longest back-off between attempts: once X answers again, a reply waits no longer.
RETRY_CAP = timedelta(seconds=30)
# Time for a worker to pick a due job and for X to answer (the client timeout is extra).
JOB_SLACK = timedelta(seconds=30)


def same_text(posted: str, ours: str) -> bool:
    """Whether a post on X carries our reply's text: `posted` as the X boundary gives it
    (escaping undone, t.co links expanded); X may normalise, trim and add a link's scheme."""
    return comparable(posted) == comparable(ours)


def retry_delay(attempts: int) -> timedelta:
    """Back-off before the next attempt: 10 s, then every RETRY_CAP (30 s)."""
    return min(timedelta(seconds=10 * 3 ** min(max(attempts - 1, 0), 4)), RETRY_CAP)


def settle_bound(settings: Settings) -> timedelta:
    """How long after X answers normally again (and any announced rate-limit reset has
    passed) every reply is `posted` or `failed`: the documented bound the tests hold us to.

    The worst path: a back-off (RETRY_CAP), a lost job found by the sweep (requeue age plus
    one sweep), a worker killed mid-post (grace period plus one sweep to reconcile), then
    the post itself (JOB_SLACK and the client timeout).
    """
    return (
        RETRY_CAP
        + timedelta(seconds=settings.outbox_requeue_seconds + settings.outbox_sweep_seconds)
        + timedelta(seconds=settings.posting_grace_seconds + settings.outbox_sweep_seconds)
        + JOB_SLACK
        + timedelta(seconds=settings.x_timeout_seconds)
    )


def _move(reply: Reply, src: ReplyStatus, **values: object) -> bool:
    """Conditional state change from `src` at the attempt count we saw; False if we lost a race."""
    result = db.session.execute(
        sa.update(Reply)
        .where(Reply.id == reply.id, Reply.status == src, Reply.attempts == reply.attempts)
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _mark_posted(reply: Reply, x_id: int, how: str) -> None:
    """Posted: `x_id` is the reply post's id, or for a DM reply the DM event's id."""
    dm = reply.channel == ReplyChannel.DM
    where = {"x_dm_event_id": x_id} if dm else {"x_tweet_id": x_id}
    if _move(
        reply,
        ReplyStatus.POSTING,
        status=ReplyStatus.POSTED,
        posted_at=utcnow(),
        outcome_unknown=False,
        last_error=None,
        **where,
    ):
        if dm:
            audit.record("reply.posted", "reply", reply.id, x_dm_event_id=str(x_id), how=how)
        else:
            audit.record("reply.posted", "reply", reply.id, x_tweet_id=str(x_id), how=how)
        settle_escalations(
            [reply.mention_id],
            Settled.ANSWERED,
            by=reply.author_id,
            detail=f"#{reply.id} ({'DM' if dm else 'tweet'} {x_id})",
        )
    db.session.commit()


def _mark_failed(reply: Reply, error: str) -> None:
    """Give up: the reply shows as failed and its mention is open again to be answered."""
    if _move(
        reply,
        ReplyStatus.POSTING,
        status=ReplyStatus.FAILED,
        last_error=error[:2000],
        outcome_unknown=False,
    ):
        db.session.execute(
            sa.update(Mention)
            .where(Mention.id == reply.mention_id, Mention.status == MentionStatus.ANSWERED)
            .values(status=MentionStatus.OPEN)
            .execution_options(synchronize_session=False)
        )
        audit.record("reply.failed", "reply", reply.id, error=error[:500])
    db.session.commit()


def _requeue(
    reply: Reply,
    error: str,
    *,
    refund: bool,
    at: datetime | None = None,
    reason: HeldReason | None = None,
) -> None:
    """Back to queued for a later try; a rate limit refunds the attempt it did not use.
    `reason` says why it is held (None for an ordinary back-off)."""
    when = at or utcnow() + retry_delay(reply.attempts)
    moved = _move(
        reply,
        ReplyStatus.POSTING,
        status=ReplyStatus.QUEUED,
        last_error=error[:2000],
        not_before=when,
        held_reason=reason.value if reason else None,
        outcome_unknown=False,
        attempts=reply.attempts - 1 if refund else reply.attempts,
    )
    db.session.commit()
    if moved:
        queue.enqueue_post_reply(reply.id, at=when)


def _mark_unknown(reply: Reply, error: str) -> None:
    """The post may exist: leave it `posting` for reconciliation, never a blind retry."""
    _move(reply, ReplyStatus.POSTING, outcome_unknown=True, last_error=error[:2000])
    db.session.commit()


def post_reply(reply_id: int) -> dict[str, object]:
    """Post one queued reply to X; every outcome is recorded before this returns or raises."""
    reply = db.session.get(Reply, reply_id)
    if reply is None or reply.status is not ReplyStatus.QUEUED:
        return {"reply_id": reply_id, "skipped": reply.status.value if reply else "missing"}
    now = utcnow()
    if reply.not_before and reply.not_before > now:
        db.session.rollback()
        queue.enqueue_post_reply(reply_id, at=reply.not_before)
        return {"reply_id": reply_id, "held_until": reply.not_before.isoformat()}
    dm = reply.channel == ReplyChannel.DM
    # The posting budget is X's post window; DMs have their own limits (a 429 holds them).
    held_until = None if dm else budget.reserve()
    if held_until is not None:  # this window's posts are spent: stay queued until the reset
        reply.not_before = held_until
        reply.held_reason = HeldReason.POSTING_BUDGET.value
        db.session.commit()
        queue.enqueue_post_reply(reply_id, at=held_until)
        return {"reply_id": reply_id, "held_until": held_until.isoformat()}
    if not _move(
        reply,
        ReplyStatus.QUEUED,
        status=ReplyStatus.POSTING,
        attempts=reply.attempts + 1,
        not_before=None,
        held_reason=None,
    ):
        db.session.rollback()
        return {"reply_id": reply_id, "skipped": "taken by another worker"}
    db.session.commit()  # `posting` is on disk before X is called
    db.session.refresh(reply)
    tweet_id, text, customer = reply.mention.tweet_id, reply.text, reply.mention.author_x_id
    db.session.expunge(reply)  # a frozen snapshot: every later update is conditional on it
    db.session.rollback()  # no transaction (or SQLite lock) held across the network call
    try:
        x_id, rate_limit = _deliver(dm, text, tweet_id, customer)
    except XRateLimited as exc:
        _requeue(
            reply,
            f"rate limited: {exc}",
            refund=True,
            at=exc.reset_at,
            reason=HeldReason.X_RATE_LIMIT,
        )
        if not dm:  # X's DM limits are not the posting budget
            _remember_budget(budget.exhausted_until, exc.reset_at)
        return {"reply_id": reply_id, "status": "queued", "reason": "rate_limited"}
    except (XAmbiguous, XDuplicateContent) as exc:
        _mark_unknown(reply, f"outcome unknown: {exc}")
        return {"reply_id": reply_id, "status": "posting", "reason": "reconcile"}
    except XRejected as exc:
        what = "DM" if dm else "reply"
        _mark_failed(reply, f"X refused the {what} ({exc.status}): {exc}")
        return {"reply_id": reply_id, "status": "failed"}
    except XUnavailable as exc:
        # X was not reached (refused, or no answer to connect): no post can exist, so the
        # attempt is refunded and the reply waits at most RETRY_CAP for X to be back.
        _requeue(reply, str(exc), refund=True)
        raise
    except XError as exc:  # not configured, or unreadable: counts, and gives up in the end
        max_attempts = current_app.config["HELPDESK"].post_max_attempts
        if reply.attempts >= max_attempts:
            _mark_failed(reply, f"gave up after {reply.attempts} attempts: {exc}")
        else:
            _requeue(reply, str(exc), refund=False)
        raise
    # It exists on X: record that first; the budget is only a hint and Redis may be down.
    _mark_posted(reply, x_id, how="sent" if dm else "posted")
    _remember_budget(budget.record, rate_limit)
    key = "x_dm_event_id" if dm else "x_tweet_id"
    return {"reply_id": reply_id, "status": "posted", key: str(x_id)}


def _deliver(dm: bool, text: str, tweet_id: int, customer: int) -> tuple[int, Any]:
    """Send the reply: a DM to the customer, or a public reply to their post. Returns X's id
    of it and the rate limit to remember for the posting budget (None for a DM)."""
    if dm:
        return x_client().send_dm(customer, text).dm_event_id, None
    posted = x_client().create_reply(text, tweet_id)
    return posted.id, posted.rate_limit


def _remember_budget(update: Callable[[Any], None], value: Any) -> None:
    """Keep what X said of the budget; a Redis failure here must not unsettle the reply."""
    try:
        update(value)
    except redis.RedisError as exc:
        logger.warning("posting budget not updated (Redis): %s", exc)


def _brand_replies_since(since_id: int) -> tuple[dict[int, list[tuple[int, str]]], int | None]:
    """The brand's posts newer than `since_id` as {replied-to id: [(post id, text)]}, newest id."""
    account = get_brand_account()
    client = x_client()
    found: dict[int, list[tuple[int, str]]] = {}
    newest: int | None = None
    token: str | None = None
    while True:
        page = client.user_tweets_page(account.x_user_id, since_id=since_id, pagination_token=token)
        for tweet in page.tweets:
            newest = max(newest or 0, tweet.id)
            parent = tweet.referenced("replied_to")
            if parent is not None:
                found.setdefault(parent, []).append((tweet.id, tweet.text))
        token = page.next_token
        if not token:
            return found, newest


def reconcile_posting(older_than: timedelta | None = None) -> dict[str, int]:
    """Settle `posting` replies past the grace period by reading what the brand really posted."""
    settings = current_app.config["HELPDESK"]
    cutoff = utcnow() - (older_than or timedelta(seconds=settings.posting_grace_seconds))
    stuck = [
        (
            reply,
            reply.mention.author_x_id
            if reply.channel == ReplyChannel.DM
            else reply.mention.tweet_id,
        )
        for reply in db.session.scalars(
            sa.select(Reply)
            .where(Reply.status == ReplyStatus.POSTING, Reply.updated_at < cutoff)
            .order_by(Reply.id)
        )
    ]
    counts = {"reconciled_posted": 0, "reposted": 0, "failed": 0}
    for reply, _ in stuck:
        db.session.expunge(reply)  # snapshots: updates below are conditional on what we saw
    db.session.rollback()
    dms = [(reply, customer) for reply, customer in stuck if reply.channel == ReplyChannel.DM]
    stuck = [(reply, tweet_id) for reply, tweet_id in stuck if reply.channel != ReplyChannel.DM]
    for reply, customer in dms:
        _settle(reply, _find_sent_dm(reply, customer), settings, counts)
    if not stuck:
        return counts
    posts, _ = _brand_replies_since(min(tweet_id for _, tweet_id in stuck) - 1)
    for reply, tweet_id in stuck:
        match = next(
            (pid for pid, text in posts.get(tweet_id, []) if same_text(text, reply.text)), None
        )
        _settle(reply, match, settings, counts)
    return counts


def _find_sent_dm(reply: Reply, customer: int) -> int | None:
    """The brand's DM to `customer` carrying this reply's text, sent since the reply was
    created and not already another reply's: read from X's conversation events."""
    taken = set(
        db.session.scalars(
            sa.select(Reply.x_dm_event_id).where(
                Reply.x_dm_event_id.is_not(None), Reply.mention.has(author_x_id=customer)
            )
        )
    )
    brand = get_brand_account().x_user_id
    db.session.rollback()
    since = reply.created_at - timedelta(minutes=5)  # clocks differ a little
    client = x_client()
    token: str | None = None
    found: list[int] = []
    while True:
        page = client.dm_events_page(participant_id=customer, pagination_token=token)
        for event in page.events:
            if (
                event.event_type == "MessageCreate"
                and event.sender_id == brand
                and event.id not in taken
                and same_text(event.text or "", reply.text)
            ):
                found.append(event.id)
        older = [e for e in page.events if e.created_at is not None and e.created_at < since]
        token = page.next_token
        if older or not token:
            return min(found) if found else None


def _settle(reply: Reply, match: int | None, settings: Settings, counts: dict[str, int]) -> None:
    """One stuck reply: posted when found on X, else failed at the attempt cap, else again."""
    if match is not None:
        _mark_posted(reply, match, how="reconciled")
        counts["reconciled_posted"] += 1
    elif reply.attempts >= settings.post_max_attempts:
        _mark_failed(reply, f"not found on X after {reply.attempts} attempts: {reply.last_error}")
        counts["failed"] += 1
    elif reply.last_error and "duplicate" in reply.last_error.lower():
        _mark_failed(
            reply,
            "X refuses this text as a duplicate of an earlier post; "
            "edit the reply and send it again",
        )
        counts["failed"] += 1
    else:
        _requeue(reply, "not found on X: posting again", refund=False, at=utcnow())
        counts["reposted"] += 1


def sweep_outbox() -> dict[str, int]:
    """Re-enqueue queued replies whose job Redis may have lost, and reconcile stuck posts."""
    now = utcnow()
    requeue_after = timedelta(seconds=current_app.config["HELPDESK"].outbox_requeue_seconds)
    due = db.session.scalars(
        sa.select(Reply.id).where(
            Reply.status == ReplyStatus.QUEUED,
            Reply.updated_at < now - requeue_after,
            sa.or_(Reply.not_before.is_(None), Reply.not_before <= now),
        )
    ).all()
    db.session.rollback()
    for reply_id in due:
        queue.enqueue_post_reply(reply_id)
    counts = {"requeued": len(due)}
    try:
        counts |= reconcile_posting()
        counts["answered_elsewhere"] = mark_answered_elsewhere()
    except XError as exc:
        logger.warning("reconciliation postponed: %s", exc)
        counts["reconcile_postponed"] = 1
    return counts


TIMELINE_CURSOR_KEY = "helpdesk:x:brand-timeline-cursor"


def mark_answered_elsewhere() -> int:
    """Open mentions the brand replied to outside the helpdesk become `answered_elsewhere`."""
    oldest_open = db.session.scalar(
        sa.select(sa.func.min(Mention.tweet_id)).where(
            Mention.status == MentionStatus.OPEN, Mention.kind == MentionKind.POST
        )
    )
    db.session.rollback()
    if oldest_open is None:
        return 0
    redis = current_app.extensions["redis"]
    seen = int(redis.get(TIMELINE_CURSOR_KEY) or 0)
    posts, newest = _brand_replies_since(max(seen, oldest_open - 1))
    post_ids = [post_id for items in posts.values() for post_id, _ in items]
    # Only the posts just read are looked up: the set of all our replies grows for ever.
    ours = (
        set(db.session.scalars(sa.select(Reply.x_tweet_id).where(Reply.x_tweet_id.in_(post_ids))))
        if post_ids
        else set()
    )
    parents = [parent for parent, items in posts.items() if any(p not in ours for p, _ in items)]
    changed = 0
    if parents:
        rows = db.session.execute(
            sa.update(Mention)
            .where(Mention.tweet_id.in_(parents), Mention.status == MentionStatus.OPEN)
            .values(
                status=MentionStatus.ANSWERED_ELSEWHERE,
                closed_at=utcnow(),
                claimed_by_id=None,
                claim_expires_at=None,
            )
            .returning(Mention.id, Mention.tweet_id)
            .execution_options(synchronize_session=False)
        ).all()
        for mention_id, tweet_id in rows:
            # The brand's own post that answered it: the coverage proof names it.
            theirs = [post_id for post_id, _ in posts.get(tweet_id, []) if post_id not in ours]
            brand_tweet_id = str(min(theirs)) if theirs else None
            audit.record(
                "mention.answered_elsewhere", "mention", mention_id, brand_tweet_id=brand_tweet_id
            )
        settle_escalations([row.id for row in rows], Settled.ANSWERED_ELSEWHERE)
        changed = len(rows)
    db.session.commit()
    if newest:
        redis.set(TIMELINE_CURSOR_KEY, max(seen, newest))
    return changed
