"""What supervisors watch besides escalations: failed and waiting replies, the budget, ingestion."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from helpdesk.extensions import db
from helpdesk.models import IngestRun, Mention, Reply, ReplyStatus
from helpdesk.models.ingest import OPEN_GAP_SQL
from helpdesk.services import budget

DESK_LIST = 50  # rows of each list the desk shows; its count says "50+" when there are more


@dataclass(frozen=True)
class DeskState:
    """The supervisors' overview: replies needing a hand, the posting budget, ingest health."""

    failed_replies: list[Reply]
    pending_replies: list[Reply]
    budget: budget.Budget
    ingest_gaps: list[IngestRun]
    ingest_runs: list[IngestRun]
    more_failed: bool = False  # more failed replies than the list shows
    more_pending: bool = False  # more waiting trainee replies than the list shows


def _replies(status: ReplyStatus, newest_first: bool, limit: int) -> tuple[list[Reply], bool]:
    """The first `limit` replies in this status, and whether there are more."""
    order = Reply.updated_at.desc() if newest_first else Reply.created_at
    query = (
        sa.select(Reply)
        .where(Reply.status == status)
        # The desk quotes the mention's text, nothing else of it (nor its author).
        .options(selectinload(Reply.mention).load_only(Mention.text).lazyload(Mention.author))
        .order_by(order, Reply.id)
        .limit(limit + 1)
    )
    found = list(db.session.scalars(query))
    return found[:limit], len(found) > limit


def desk_state(limit: int | None = None) -> DeskState:
    """Failed replies (newest first), trainee replies waiting (oldest first), budget, ingest;
    `limit` rows of each list (DESK_LIST unless given)."""
    limit = limit or DESK_LIST
    gaps = (
        sa.select(IngestRun)
        .where(sa.text(OPEN_GAP_SQL))  # the partial index's own words: SQLite renders is_(True)
        # as "IS 1", which its planner does not match to the index (a scan of every run)
        .order_by(IngestRun.id.desc())
        .limit(limit)
    )
    runs = sa.select(IngestRun).order_by(IngestRun.id.desc()).limit(10)
    failed, more_failed = _replies(ReplyStatus.FAILED, True, limit)
    pending, more_pending = _replies(ReplyStatus.PENDING_APPROVAL, False, limit)
    return DeskState(
        failed_replies=failed,
        pending_replies=pending,
        budget=budget.current(),
        ingest_gaps=list(db.session.scalars(gaps)),
        ingest_runs=list(db.session.scalars(runs)),
        more_failed=more_failed,
        more_pending=more_pending,
    )
