"""--check: the app's services run on the seeded data, each timed."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from benchmarks.seed.data import SEED_PASSWORD
from helpdesk.extensions import db


def check(until: int) -> list[str]:
    """Open the app's services on the seeded data; each line says what was checked."""
    from helpdesk.models import Employee, Mention, Reply
    from helpdesk.services import audit, coverage, escalation, inbox
    from helpdesk.services.employees import authenticate

    lines = []

    def timed(what: str, call: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = call()
        lines.append(f"  {what} ({(time.perf_counter() - started) * 1000:,.1f} ms)")
        return result

    agent = db.session.scalar(sa.select(Employee).where(Employee.role == "agent").limit(1))
    for status in ("open", "answered", "dismissed", "escalated", "all"):
        page = timed(f"inbox.list_mentions({status!r})", lambda s=status: inbox.list_mentions(s))
        lines[-1] = f"{lines[-1]}: {len(page.items)} mentions, next page: {bool(page.next_cursor)}"
        if page.next_cursor:
            timed(
                f"  next page of {status!r}",
                lambda s=status, c=page.next_cursor: inbox.list_mentions(s, cursor=c),
            )
    page = timed("search '注文'", lambda: inbox.list_mentions("all", search="注文"))
    lines[-1] += f": {len(page.items)} mentions"
    timed("inbox.list_mentions('mine')", lambda: inbox.list_mentions("mine", employee=agent))
    # A mention with a thread: a customer's follow-up to one of our replies.
    threaded = db.session.scalar(
        sa.select(Mention)
        .where(Mention.in_reply_to_tweet_id.in_(sa.select(Reply.x_tweet_id)))
        .order_by(Mention.id.desc())
        .limit(1)
    )
    target = threaded or db.session.scalar(sa.select(Mention).order_by(Mention.id.desc()).limit(1))
    if target is not None:

        def mention_page() -> tuple[int, int]:
            mention = inbox.get_mention(target.id)
            thread = [*inbox.conversation(mention), mention]
            replies = inbox.replies_for([m.id for m in thread])
            escalation.open_escalation_for(mention.id)
            _ = mention.author.username, mention.claimed_by
            return len(thread), len(replies)

        found = timed(f"mention page data for mention {target.id}", mention_page)
        lines[-1] += f": {found[0]} in the thread, {found[1]} replies"
        if threaded is None:
            raise SystemExit("check: no customer follow-up to one of our replies was found")
    end = datetime.fromtimestamp(until / 1000, UTC)
    for days in (30, 365):
        figures = timed(
            f"coverage over {days} days",
            lambda d=days: coverage.coverage(end - timedelta(days=d), end, "Asia/Tokyo", now=end),
        )
        lines[-1] += (
            f": {figures['total']:,} mentions, response rate {figures['response_rate']:.1%},"
            f" within SLA {figures['within_sla_rate']:.1%},"
            f" median first response {figures['median_first_response_seconds']:,.0f} s"
        )
        if figures["total"] == 0:
            raise SystemExit(f"check: coverage over {days} days found no mentions")
    queue = timed("escalation queue", lambda: escalation.list_escalations("open"))
    lines[-1] += f": {len(queue)} open"
    broken = timed("audit.broken_links()", lambda: list(audit.broken_links()))
    count = db.session.scalar(sa.select(sa.func.count()).select_from(audit.AuditEvent))
    lines[-1] += f": {count:,} events, {len(broken)} broken"
    if broken:
        raise SystemExit(f"check: the audit chain is broken at {broken[:5]}")
    number = agent.number if agent else None
    who = timed(
        f"authenticate({number!r}, SEED_PASSWORD)", lambda: authenticate(number, SEED_PASSWORD)
    )
    if who is None:
        raise SystemExit("check: the seeded password does not sign in")
    db.session.rollback()
    return lines
