"""Ingest mentions: page through X since the cursor, upsert, then advance the cursor."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app
from redis.exceptions import LockNotOwnedError
from redis.lock import Lock
from sqlalchemy.dialects import postgresql, sqlite

from helpdesk.extensions import db
from helpdesk.models import BrandAccount, IngestOutcome, IngestRun, Mention, XUser
from helpdesk.models.types import utcnow
from helpdesk.services import authors
from helpdesk.services.brand import get_brand_account, x_client
from helpdesk.services.languages import detect_language
from helpdesk.services.priority import DEFAULT_PRIORITY_RULES, PriorityRules, priority_for
from helpdesk.services.rule_cache import current_priority_rules
from helpdesk.x.errors import XError, XMalformed, XRateLimited
from helpdesk.x.models import TweetPage, XTweet

logger = logging.getLogger(__name__)

# Short, and renewed after every page: a worker killed mid-run (kill -9) must not keep
# every other pass away for long.
LOCK_SECONDS = 30
PAUSE_KEY = "helpdesk:ingest:paused-until:{account_id}"
LOCK_KEY = "helpdesk:ingest:lock:{account_id}"


@dataclass
class IngestSummary:
    """What one ingest call did, small enough to be a job result."""

    run_id: int | None = None
    outcome: str = IngestOutcome.OK.value
    pages: int = 0
    fetched: int = 0
    inserted: int = 0
    gap_detected: bool = False
    gap_repaired: bool = False
    retry_at: str | None = None
    skipped: str | None = None
    authors_filled: int = 0

    def as_dict(self) -> dict[str, object]:
        """A JSON-friendly dict."""
        return asdict(self)


def mention_rows(
    page: TweetPage, account_id: int, brand_x_id: int
) -> tuple[list[dict], list[dict]]:
    """Mention rows and author rows for a page, leaving out the brand's own posts and retweets."""
    mentions: list[dict] = []
    authors: dict[int, dict] = {}
    now = utcnow()
    priority_rules = current_priority_rules()  # once per page: the cache check is a Redis call
    for tweet in page.tweets:
        if tweet.author_id is None:
            # We asked for author_id; storing the mention needs it. Loud, and the cursor stays.
            raise XMalformed(f"tweet {tweet.id} came without the author_id we asked for")
        if tweet.is_retweet or tweet.author_id == brand_x_id:
            continue
        user = page.users.get(tweet.author_id)
        mentions.append(
            _mention_row(
                tweet, account_id, now, user.followers_count if user else None, priority_rules
            )
        )
        authors[tweet.author_id] = {
            "x_user_id": tweet.author_id,
            "username": user.username if user else None,
            "name": user.name if user else None,
            "profile_image_url": user.profile_image_url if user else None,
            "followers_count": user.followers_count if user else None,
            "updated_at": now,
        }
    return mentions, list(authors.values())


def _mention_row(
    tweet: XTweet,
    account_id: int,
    now: datetime,
    followers_count: int | None = None,
    priority_rules: PriorityRules = DEFAULT_PRIORITY_RULES,
) -> dict:
    return {
        "tweet_id": tweet.id,
        "brand_account_id": account_id,
        "author_x_id": tweet.author_id,
        "conversation_id": tweet.conversation_id or tweet.id,
        "in_reply_to_tweet_id": tweet.referenced("replied_to"),
        "is_quote": tweet.referenced("quoted") is not None,
        "text": tweet.text,
        "links": [asdict(link) for link in tweet.links] or None,
        "lang": tweet.lang,
        "language": detect_language(tweet.text),
        "created_at": tweet.created_at or now,
        "ingested_at": now,
        "status": "open",
        "priority": priority_for(tweet.text, followers_count, priority_rules).value,
    }


@functools.cache
def _upsert_statements(dialect: str) -> tuple[sa.Insert, sa.Insert, sa.Insert]:
    """The three upserts, built once per dialect so their compiled form is cached."""
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    users, mentions = XUser.__table__, Mention.__table__
    known = insert(users)
    profile = ("username", "name", "profile_image_url", "followers_count")
    known = known.on_conflict_do_update(
        index_elements=[users.c.x_user_id],
        set_={col: known.excluded[col] for col in (*profile, "updated_at")},
        # Rewrite a customer's row only when their profile changed: most authors repeat.
        where=sa.or_(*(users.c[col].is_distinct_from(known.excluded[col]) for col in profile)),
    )
    # X could not hydrate these users (suspended, deleted): keep what we knew of them.
    unknown = insert(users).on_conflict_do_nothing(index_elements=[users.c.x_user_id])
    new_mentions = (
        insert(mentions)
        .on_conflict_do_nothing(index_elements=[mentions.c.tweet_id])
        .returning(mentions.c.id)
    )
    return known, unknown, new_mentions


def upsert_mentions(mentions: list[dict], authors: list[dict]) -> int:
    """Store authors then mentions as batched multi-row upserts; returns how many were new."""
    if not mentions:
        return 0
    known_users, unknown_users, new_mentions = _upsert_statements(
        db.session.get_bind().dialect.name
    )
    known = [a for a in authors if a["username"] is not None]
    unknown = [a for a in authors if a["username"] is None]
    if known:
        db.session.execute(known_users, known)
    if unknown:
        db.session.execute(unknown_users, unknown)
    return len(db.session.execute(new_mentions, mentions).all())


@dataclass
class _Pass:
    """One ingestion pass: its account, the lock it holds, and the authors X left out."""

    account: BrandAccount
    lock: Lock
    unknown: set[int] = field(default_factory=set)

    def renew_lock(self) -> None:
        """Push the lock's expiry another LOCK_SECONDS away (called after every page)."""
        try:
            self.lock.reacquire()
        except LockNotOwnedError:  # it expired: another pass may run; the upsert is idempotent
            logger.warning("ingest lock for account %s expired during a run", self.account.id)


def _store_page(page: TweetPage, ingest: _Pass) -> int:
    """Upsert one page in its own transaction; safe to repeat (the cursor has not moved).
    Authors X left out of the page's includes are remembered for the look-up."""
    account = ingest.account
    mentions, authors = mention_rows(page, account.id, account.x_user_id)
    inserted = upsert_mentions(mentions, authors)
    db.session.commit()
    ingest.unknown.update(a["x_user_id"] for a in authors if a["username"] is None)
    return inserted


def _walk(
    fetch: Callable[[str | None], TweetPage], ingest: _Pass, run: IngestRun
) -> tuple[int, int | None, int | None]:
    """Follow next_token to the end, storing each page; returns (fetched, newest, oldest).

    The next page is fetched while this one is stored (one reader thread with its own app
    context, never the session): a backlog costs the slower of X and the database, not the sum.
    """
    app = current_app._get_current_object()

    def read(token: str | None) -> TweetPage:
        with app.app_context():
            return fetch(token)

    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-read")
    try:
        return _walk_pages(read, reader, ingest, run)
    finally:
        reader.shutdown(wait=False, cancel_futures=True)


def _walk_pages(
    fetch: Callable[[str | None], TweetPage],
    reader: ThreadPoolExecutor,
    ingest: _Pass,
    run: IngestRun,
) -> tuple[int, int | None, int | None]:
    fetched, newest, oldest = 0, None, None
    next_page: Future[TweetPage] = reader.submit(fetch, None)
    while True:
        page = next_page.result()
        if page.next_token:
            next_page = reader.submit(fetch, page.next_token)
        run.pages += 1
        fetched += len(page.tweets)
        ids = [t.id for t in page.tweets]
        if ids:
            newest = max(ids + ([newest] if newest else []))
            oldest = min(ids + ([oldest] if oldest else []))
        run.inserted += _store_page(page, ingest)
        if page.partial_errors:
            logger.info("mentions page had partial errors: %s", "; ".join(page.partial_errors))
        ingest.renew_lock()
        if not page.next_token:
            return fetched, newest, oldest


def _repair_gap(ingest: _Pass, run: IngestRun, since_id: int, until_id: int) -> None:
    """Fill (since_id, until_id) from search/recent, which reaches past the 800 window."""
    client = x_client()
    query = f"@{ingest.account.username}"
    fetched, _, _ = _walk(
        lambda token: client.search_recent_page(
            query, since_id=since_id, until_id=until_id, next_token=token
        ),
        ingest,
        run,
    )
    run.gap_fetched += fetched
    run.gap_repaired = True


def _repair_old_gaps(ingest: _Pass, run: IngestRun) -> None:
    """Retry earlier gaps that could not be filled (search reaches 7 days back)."""
    pending = db.session.scalars(
        sa.select(IngestRun).where(
            IngestRun.brand_account_id == ingest.account.id,
            IngestRun.gap_detected.is_(True),
            IngestRun.gap_repaired.is_(False),
            IngestRun.id != run.id,
        )
    ).all()
    for old in pending:
        if old.cursor_before is None or old.oldest_id is None:
            continue
        _repair_gap(ingest, old, old.cursor_before, old.oldest_id)
        db.session.commit()


def ingest_mentions(account_id: int | None = None) -> IngestSummary:
    """One full ingestion pass for the brand account; a concurrent pass returns at once."""
    account = get_brand_account(account_id)
    redis = current_app.extensions["redis"]
    paused = redis.get(PAUSE_KEY.format(account_id=account.id))
    if paused and float(paused) > time.time():
        retry_at = datetime.fromtimestamp(float(paused), UTC).isoformat()
        return IngestSummary(outcome="skipped", skipped="rate_limited", retry_at=retry_at)
    lock = redis.lock(LOCK_KEY.format(account_id=account.id), timeout=LOCK_SECONDS)
    if not lock.acquire(blocking=False):
        return IngestSummary(outcome="skipped", skipped="another run holds the lock")
    try:
        return _run(_Pass(account, lock))
    finally:
        try:
            lock.release()
        except LockNotOwnedError:  # it expired mid-run; the run itself is recorded
            logger.warning("ingest lock for account %s expired before release", account.id)


def _run(ingest: _Pass) -> IngestSummary:
    account = ingest.account
    started = time.monotonic()
    run = IngestRun(brand_account_id=account.id, cursor_before=account.ingest_cursor)
    db.session.add(run)
    db.session.commit()
    client = x_client()
    window = current_app.config["HELPDESK"].mentions_window
    try:
        # Plain values: the reader thread must not touch ORM objects (or the session).
        user_id, cursor = account.x_user_id, account.ingest_cursor
        fetched, newest, oldest = _walk(
            lambda token: client.mentions_page(user_id, since_id=cursor, pagination_token=token),
            ingest,
            run,
        )
        run.fetched, run.newest_id, run.oldest_id = fetched, newest, oldest
        if account.ingest_cursor is not None and oldest is not None and fetched >= window:
            # X served a full window: older mentions since the cursor may have been cut off.
            run.gap_detected = True
            _repair_gap(ingest, run, account.ingest_cursor, oldest)
        _repair_old_gaps(ingest, run)
    except XRateLimited as exc:
        return _finish(run, account, started, IngestOutcome.RATE_LIMITED, exc, retry=exc.reset_at)
    except XError as exc:
        _finish(run, account, started, IngestOutcome.FAILED, exc)
        raise
    except Exception as exc:
        db.session.rollback()
        _finish(run, account, started, IngestOutcome.FAILED, exc)
        raise
    summary = _finish(run, account, started, IngestOutcome.OK, None)
    summary.authors_filled = _fill_in_authors(ingest.unknown)
    return summary


def _fill_in_authors(new_unknown: set[int]) -> int:
    """Ask X for the authors this pass could not describe, and older ones due again."""
    ids = sorted(new_unknown)[: authors.BATCH]
    ids += [i for i in authors.unknown_author_ids(authors.BATCH - len(ids)) if i not in ids]
    try:
        return authors.fill_in_authors(ids)
    except XError as exc:  # the mentions are stored; the authors wait for the next pass
        db.session.rollback()
        logger.warning("could not look up %d unknown authors: %s", len(ids), exc)
        return 0


def _finish(
    run: IngestRun,
    account: BrandAccount,
    started: float,
    outcome: IngestOutcome,
    error: Exception | None,
    retry: datetime | None = None,
) -> IngestSummary:
    """Record the run's end; only a complete pass advances the cursor, in the same commit."""
    run.outcome = outcome
    run.finished_at = utcnow()
    run.duration_ms = int((time.monotonic() - started) * 1000)
    if error is not None:
        run.error = f"{type(error).__name__}: {error}"[:2000]
    if outcome is IngestOutcome.OK:
        if run.newest_id and (account.ingest_cursor or 0) < run.newest_id:
            account.ingest_cursor = run.newest_id
        account.last_ingest_at = run.finished_at
    run.cursor_after = account.ingest_cursor
    if outcome is IngestOutcome.RATE_LIMITED:
        run.retry_at = retry or utcnow()
        current_app.extensions["redis"].set(
            PAUSE_KEY.format(account_id=account.id),
            run.retry_at.timestamp(),
            exat=int(run.retry_at.timestamp()) + 1,
        )
    db.session.commit()
    return IngestSummary(
        run_id=run.id,
        outcome=outcome.value,
        pages=run.pages,
        fetched=run.fetched,
        inserted=run.inserted,
        gap_detected=run.gap_detected,
        gap_repaired=run.gap_repaired,
        retry_at=run.retry_at.isoformat() if run.retry_at else None,
    )
