"""Ingest direct messages: poll the brand's DM events within X's limits, one item per DM.

GET /2/dm_events has no since_id: pages come newest first and the walk stops at the first
page that reaches the newest event already stored (the DM cursor). Every customer message is
stored once (its DM event id is the item's `tweet_id`, unique like a post's), as an inbox
item of kind `dm`; the cursor moves only after every page is committed.

What X may send and what it means here (never a failed run):
- `ParticipantsJoin` / `ParticipantsLeave`, or an event_type X adds later: not a message,
  skipped (logged once per run).
- A DM from the brand itself: our own answer (or one sent on X directly), not a question. One
  this desk did not send answers the customer's open DM items before it: `answered_elsewhere`.
- A message without text (an attachment only): kept, with empty text, to be answered.
- A sender X leaves out of `includes` (suspended, deleted): kept, the author stored unnamed
  and filled in later by the authors pass, as for mentions.
- A message without a sender_id: nobody to answer; skipped and logged.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app
from redis.exceptions import LockNotOwnedError
from sqlalchemy.orm import aliased

from helpdesk.extensions import db
from helpdesk.models import BrandAccount, Employee, Mention, MentionKind, MentionStatus, Reply
from helpdesk.models.types import utcnow
from helpdesk.services import audit
from helpdesk.services.brand import get_brand_account, x_client
from helpdesk.services.errors import Conflict, InvalidInput
from helpdesk.services.ingest import upsert_mentions
from helpdesk.services.languages import detect_language
from helpdesk.services.mentions import get_mention
from helpdesk.services.priority import priority_for
from helpdesk.services.replies import create_reply
from helpdesk.services.rule_cache import current_priority_rules
from helpdesk.services.settlement import Settled, settle_escalations
from helpdesk.x.errors import XRateLimited, XRejected
from helpdesk.x.models import DmPage, XDmEvent

logger = logging.getLogger(__name__)

LOCK_SECONDS = 60
PAUSE_KEY = "helpdesk:dm-ingest:paused-until:{account_id}"
LOCK_KEY = "helpdesk:dm-ingest:lock:{account_id}"
# A walk cut short (15 pages, or a 429) goes on from here next time: {"token", "newest"}.
RESUME_KEY = "helpdesk:dm-ingest:resume:{account_id}"
# A walk never reads more pages than X's 15-minute DM read allowance.
MAX_PAGES = 15


@dataclass
class DmIngestSummary:
    """What one DM poll did, small enough to be a job result."""

    outcome: str = "ok"
    pages: int = 0
    fetched: int = 0
    inserted: int = 0
    skipped: int = 0
    linked: int = 0
    answered_elsewhere: int = 0
    retry_at: str | None = None
    skipped_run: str | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def dm_rows(
    page: DmPage, account_id: int, brand_x_id: int, cursor: int | None
) -> tuple[list[dict], list[dict], int]:
    """Item rows and author rows for the customer messages of a page newer than `cursor`;
    also how many events were skipped as not a customer's message."""
    rows: list[dict] = []
    authors: dict[int, dict] = {}
    skipped = 0
    now = utcnow()
    rules = current_priority_rules()
    for event in page.events:
        if cursor is not None and event.id <= cursor:
            continue
        if not _customer_message(event, brand_x_id):
            skipped += 1
            continue
        assert event.sender_id is not None  # noqa: S101 - _customer_message checked it
        user = page.users.get(event.sender_id)
        text = event.text or ""
        rows.append(
            {
                "tweet_id": event.id,
                "brand_account_id": account_id,
                "author_x_id": event.sender_id,
                "conversation_id": None,
                "kind": MentionKind.DM.value,
                "dm_conversation_id": event.dm_conversation_id,
                "in_reply_to_tweet_id": None,
                "is_quote": False,
                "text": text,
                "links": None,
                "lang": None,
                "language": detect_language(text),
                "created_at": event.created_at or now,
                "ingested_at": now,
                "status": MentionStatus.OPEN.value,
                "priority": priority_for(text, user.followers_count if user else None, rules).value,
            }
        )
        authors[event.sender_id] = {
            "x_user_id": event.sender_id,
            "username": user.username if user else None,
            "name": user.name if user else None,
            "profile_image_url": user.profile_image_url if user else None,
            "followers_count": user.followers_count if user else None,
            "updated_at": now,
        }
    return rows, list(authors.values()), skipped


def _customer_message(event: XDmEvent, brand_x_id: int) -> bool:
    if event.event_type != "MessageCreate":
        logger.info("DM event %s of type %r skipped", event.id, event.event_type[:40])
        return False
    if event.sender_id is None:
        logger.warning("DM event %s has no sender_id: skipped", event.id)
        return False
    return event.sender_id != brand_x_id


def brand_messages(page: DmPage, brand_x_id: int, cursor: int | None) -> dict[int, str]:
    """The brand's own messages on a page newer than `cursor`: event id -> conversation id."""
    return {
        event.id: event.dm_conversation_id
        for event in page.events
        if event.event_type == "MessageCreate"
        and event.sender_id == brand_x_id
        and event.dm_conversation_id
        and (cursor is None or event.id > cursor)
    }


def mark_dms_answered_elsewhere(sent: dict[int, str]) -> int:
    """Open DM items answered by a brand DM this desk did not send (X's app, another tool)
    become `answered_elsewhere`, audited with that DM's event id; not committed here."""
    if not sent:
        return 0
    ours = set(
        db.session.scalars(
            sa.select(Reply.x_dm_event_id).where(Reply.x_dm_event_id.in_(list(sent)))
        )
    )
    latest: dict[str, int] = {}
    for event_id, conversation in sent.items():
        if event_id not in ours:
            latest[conversation] = max(event_id, latest.get(conversation, 0))
    changed: list[int] = []
    now = utcnow()
    for conversation, event_id in sorted(latest.items()):
        rows = (
            db.session.execute(
                sa.update(Mention)
                .where(
                    Mention.kind == MentionKind.DM,
                    Mention.dm_conversation_id == conversation,
                    Mention.status == MentionStatus.OPEN,
                    Mention.tweet_id < event_id,  # only what the customer wrote before it
                )
                .values(
                    status=MentionStatus.ANSWERED_ELSEWHERE,
                    closed_at=now,
                    claimed_by_id=None,
                    claim_expires_at=None,
                )
                .returning(Mention.id)
                .execution_options(synchronize_session=False)
            )
            .scalars()
            .all()
        )
        for mention_id in rows:
            audit.record(
                "mention.answered_elsewhere", "mention", mention_id, brand_dm_event_id=str(event_id)
            )
        changed.extend(rows)
    if changed:
        settle_escalations(changed, Settled.ANSWERED_ELSEWHERE)
    return len(changed)


def link_moved_mentions(dm_ids: list[int]) -> int:
    """Link each new DM to the customer's latest public mention moved to DM and not yet
    linked: the DM continues that case (coverage shows it moved; the DM's answer answers it)."""
    linked = 0
    other = aliased(Mention)
    not_linked = ~sa.exists().where(other.dm_of_mention_id == Mention.id)
    rows = db.session.execute(
        sa.select(Mention.id, Mention.author_x_id)
        .where(Mention.id.in_(dm_ids))
        .order_by(Mention.id)
    ).all()
    for dm_id, author in rows:
        moved = db.session.scalar(
            sa.select(Mention.id)
            .where(
                Mention.author_x_id == author,
                Mention.kind == MentionKind.POST,
                Mention.moved_to_dm_at.is_not(None),
                not_linked,
            )
            .order_by(Mention.moved_to_dm_at.desc())
            .limit(1)
        )
        if moved is None:
            continue
        db.session.execute(
            sa.update(Mention)
            .where(Mention.id == dm_id, Mention.dm_of_mention_id.is_(None))
            .values(dm_of_mention_id=moved)
            .execution_options(synchronize_session=False)
        )
        audit.record("mention.dm_linked", "mention", moved, dm_mention_id=dm_id)
        linked += 1
    return linked


def ingest_dms(account_id: int | None = None) -> DmIngestSummary:
    """One DM poll for the brand account; a concurrent or paused poll returns at once."""
    account = get_brand_account(account_id)
    redis = current_app.extensions["redis"]
    paused = redis.get(PAUSE_KEY.format(account_id=account.id))
    if paused and float(paused) > time.time():
        retry_at = datetime.fromtimestamp(float(paused), UTC).isoformat()
        return DmIngestSummary(outcome="skipped", skipped_run="rate_limited", retry_at=retry_at)
    lock = redis.lock(LOCK_KEY.format(account_id=account.id), timeout=LOCK_SECONDS)
    if not lock.acquire(blocking=False):
        return DmIngestSummary(outcome="skipped", skipped_run="another poll holds the lock")
    try:
        return _poll(account.id, account.x_user_id, account.dm_cursor)
    finally:
        try:
            lock.release()
        except LockNotOwnedError:
            logger.warning("DM ingest lock for account %s expired before release", account.id)


def _poll(account_id: int, brand_x_id: int, cursor: int | None) -> DmIngestSummary:
    summary = DmIngestSummary()
    client = x_client()
    redis = current_app.extensions["redis"]
    resume_key = RESUME_KEY.format(account_id=account_id)
    resume = json.loads(redis.get(resume_key) or "{}")
    # A backlog longer than one poll's pages is read over several polls, older each time;
    # the cursor moves to the newest event of the first page only once the walk is complete.
    newest = max(int(resume.get("newest") or 0), cursor or 0) or None
    token: str | None = resume.get("token")
    reached = False
    from_brand: dict[int, str] = {}  # over the whole walk: the answer may come a page first
    db.session.rollback()  # no transaction held across the network calls
    try:
        while summary.pages < MAX_PAGES:
            page = client.dm_events_page(pagination_token=token)
            summary.pages += 1
            summary.fetched += len(page.events)
            rows, authors, skipped = dm_rows(page, account_id, brand_x_id, cursor)
            summary.skipped += skipped
            new_ids: list[int] = []
            if rows:
                before = set(
                    db.session.scalars(
                        sa.select(Mention.tweet_id).where(
                            Mention.tweet_id.in_([r["tweet_id"] for r in rows])
                        )
                    )
                )
                summary.inserted += upsert_mentions(rows, authors)
                new_ids = list(
                    db.session.scalars(
                        sa.select(Mention.id).where(
                            Mention.tweet_id.in_(
                                [r["tweet_id"] for r in rows if r["tweet_id"] not in before]
                            )
                        )
                    )
                )
                summary.linked += link_moved_mentions(new_ids)
                db.session.commit()
            sent_here = brand_messages(page, brand_x_id, cursor)
            from_brand |= sent_here
            # Only a new brand message, or new items an earlier page's one may answer, can
            # change anything: other pages would repeat the same look-ups for nothing.
            if from_brand and (sent_here or new_ids):
                summary.answered_elsewhere += mark_dms_answered_elsewhere(from_brand)
                db.session.commit()
            if page.partial_errors:
                logger.info("DM page had partial errors: %s", "; ".join(page.partial_errors))
            ids = [e.id for e in page.events]
            if ids:
                newest = max([*ids, newest or 0])
            reached = cursor is not None and any(i <= cursor for i in ids)
            token = page.next_token
            if reached or not token:
                break
    except XRejected:
        redis.delete(resume_key)  # a refused resume token must not stall every later poll
        raise
    except XRateLimited as exc:
        db.session.rollback()
        if token is not None:
            redis.set(resume_key, json.dumps({"token": token, "newest": newest}), ex=86_400)
        retry = exc.reset_at or utcnow()
        current_app.extensions["redis"].set(
            PAUSE_KEY.format(account_id=account_id),
            retry.timestamp(),
            exat=int(retry.timestamp()) + 1,
        )
        summary.outcome, summary.retry_at = "rate_limited", retry.isoformat()
        return summary
    # Only a complete walk moves the cursor (a walk cut short would skip older DMs).
    complete = token is None or reached
    if complete:
        redis.delete(resume_key)
    else:
        redis.set(resume_key, json.dumps({"token": token, "newest": newest}), ex=86_400)
    values: dict[str, object] = {"last_dm_ingest_at": utcnow()}
    if complete and newest is not None:
        values["dm_cursor"] = newest
    db.session.execute(
        sa.update(BrandAccount)
        .where(BrandAccount.id == account_id)
        .where(sa.or_(BrandAccount.dm_cursor.is_(None), BrandAccount.dm_cursor <= (newest or 0)))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return summary


# -- move to DM ---------------------------------------------------------------------------

INVITATIONS = {
    "ja": "詳しくお調べしますので、お手数ですがDMでご連絡いただけますか。",
    "en": "We'd like to look into this with you privately. Could you send us a DM?",
}


def dm_link(brand_x_id: int) -> str:
    """X's link that opens a DM to the brand."""
    return f"https://x.com/messages/compose?recipient_id={brand_x_id}"


def invitation(language: str | None, brand_x_id: int) -> str:
    """The canned public reply inviting the customer to DM, in the mention's language."""
    return f"{INVITATIONS.get(language or 'en', INVITATIONS['en'])} {dm_link(brand_x_id)}"


def move_to_dm(
    mention_id: int, employee: Employee, text: object = None, *, confirm_warnings: bool = False
) -> Reply:
    """Answer a public mention with an invitation to DM (queued like any reply, with X's DM
    link for the brand) and mark it moved: the customer's next DM is linked to it."""
    mention = get_mention(mention_id)
    if mention.kind != MentionKind.POST:
        raise Conflict("This is already a DM.", code="already_dm")
    brand = get_brand_account()
    if text is None:
        text = invitation(mention.language, brand.x_user_id)
    elif not isinstance(text, str):
        raise InvalidInput("text must be a string.", code="invalid_text")
    elif dm_link(brand.x_user_id) not in text:
        text = f"{text.rstrip()} {dm_link(brand.x_user_id)}"
    return create_reply(
        mention_id, employee, text, confirm_warnings=confirm_warnings, move_to_dm=True
    )
