"""CSV exports for supervisors: a period's mentions and their replies, streamed, safe in Excel."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from helpdesk.extensions import db
from helpdesk.models import Employee, Mention, MentionKind, MentionStatus, Reply, Role, XUser
from helpdesk.models.types import iso_utc, utcnow
from helpdesk.services import rule_cache
from helpdesk.services.errors import Forbidden
from helpdesk.services.guidelines import GuidelinePolicy, mask_personal_data
from helpdesk.services.tagging import tags_by_mention

BOM = "\ufeff"  # Excel reads a CSV as UTF-8 (Japanese intact) only when it starts with one
CHUNK = 500  # rows per query: memory stays flat however long the period

# A cell starting with one of these is a formula to Excel, LibreOffice or Google Sheets
# (OWASP "CSV Injection"); Japanese Excel also reads the full-width forms.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

COLUMNS = (
    "mention_id",
    "tweet_id",
    "received_at",  # the tweet's time, ISO 8601 UTC
    "author_username",
    "author_name",
    "text",
    "status",
    "priority",
    "claimed_by",  # employee number holding a live claim now, as in the API
    "reply_text",  # the mention's latest reply (the live one, if any), signature included
    "reply_status",
    "reply_tweet_id",
    "answered_at",  # our reply's posting time; for answered_elsewhere, when we saw it
    "tags",  # the mention's tags, sorted by name, joined by "; "
)
TAG_SEPARATOR = "; "


def safe_cell(value: object) -> str:
    """The cell's text, with a ' in front when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def mentions_csv(
    start: datetime, end: datetime, employee: Employee, *, chunk_size: int | None = None
) -> Iterator[str]:
    """The mentions received in [start, end), oldest first, as CSV text: the BOM and header,
    then one piece per chunk of rows (keyset on the tweet id). Supervisors and admins only."""
    if not employee.can(Role.SUPERVISOR):
        raise Forbidden("Only supervisors export mentions.")
    return _pieces(start, end, chunk_size or CHUNK)


def _pieces(start: datetime, end: datetime, chunk_size: int) -> Iterator[str]:
    yield BOM + _csv([COLUMNS])
    policy = rule_cache.current_guideline_policy()
    after: int | None = None
    while True:
        rows = _mentions(start, end, after, chunk_size)
        latest = _latest_replies([row.id for row in rows])
        tags = tags_by_mention([row.id for row in rows])
        db.session.rollback()  # hold no transaction (nor SQLite's lock) while the client reads
        if rows:
            yield _csv(
                [*_cells(row, latest.get(row.id), policy), TAG_SEPARATOR.join(tags[row.id])]
                for row in rows
            )
        if len(rows) < chunk_size:
            return
        after = rows[-1].tweet_id


def _mentions(start: datetime, end: datetime, after: int | None, limit: int) -> list[sa.Row]:
    claimer = aliased(Employee)
    now = utcnow()
    query = (
        sa.select(
            Mention.id,
            Mention.tweet_id,
            Mention.created_at,
            Mention.text,
            Mention.kind,
            Mention.status,
            Mention.priority,
            Mention.closed_at,
            XUser.username,
            XUser.name,
            sa.case((Mention.claim_expires_at > now, claimer.number)).label("claimed_by"),
        )
        .join(XUser, XUser.x_user_id == Mention.author_x_id)
        .outerjoin(claimer, claimer.id == Mention.claimed_by_id)
        .where(Mention.created_at >= start, Mention.created_at < end)
        .order_by(Mention.tweet_id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(Mention.tweet_id > after)
    return list(db.session.execute(query))


def _latest_replies(mention_ids: list[int]) -> dict[int, sa.Row]:
    if not mention_ids:
        return {}
    query = (
        sa.select(Reply.mention_id, Reply.text, Reply.status, Reply.x_tweet_id, Reply.posted_at)
        .where(Reply.mention_id.in_(mention_ids))
        .order_by(Reply.id)
    )
    return {row.mention_id: row for row in db.session.execute(query)}  # the last one wins


def _cells(row: sa.Row, reply: sa.Row | None, policy: GuidelinePolicy) -> list[object]:
    answered = reply.posted_at if reply is not None and reply.posted_at else None

    # A DM may carry personal data (that is what it is for); an export must not.
    def private(text: str) -> str:
        return mask_personal_data(text, policy) if row.kind == MentionKind.DM else text

    if answered is None and row.status is MentionStatus.ANSWERED_ELSEWHERE:
        answered = row.closed_at
    return [
        row.id,
        row.tweet_id,
        iso_utc(row.created_at),
        row.username,
        row.name,
        private(row.text),
        row.status.value,
        row.priority.value,
        row.claimed_by,
        private(reply.text) if reply is not None else None,
        reply.status.value if reply is not None else None,
        reply.x_tweet_id if reply is not None else None,
        iso_utc(answered),
    ]


def _csv(rows: Iterable[Iterable[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # RFC 4180: quotes fields with commas, quotes or line breaks
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return buffer.getvalue()
