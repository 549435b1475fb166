"""The inbox: listing mentions, atomic claims with expiry, release and dismiss."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from helpdesk.extensions import db
from helpdesk.models import (
    Employee,
    Mention,
    MentionStatus,
    Priority,
    Reply,
    Role,
    mention_tags,
)
from helpdesk.models.types import utcnow
from helpdesk.services import audit, mention_search, routing, tagging
from helpdesk.services.errors import Conflict, Forbidden, InvalidInput
from helpdesk.services.mentions import claim_free, clean_reason, explain_refusal, get_mention
from helpdesk.services.settlement import Settled, settle_escalations

LIST_FILTERS = ("open", "answered", "escalated", "dismissed", "all", "mine")
KIND_FILTERS = ("all", "post", "dm")
MAX_PAGE = 200


@dataclass(frozen=True)
class MentionPage:
    """One keyset page of mentions."""

    items: list[Mention]
    next_cursor: str | None


def claim(mention_id: int, employee: Employee) -> Mention:
    """Take the claim in one conditional UPDATE; 409 naming the holder when someone has it."""
    routing.check_may_claim(mention_id, employee)
    now = utcnow()
    ttl = current_app.config["HELPDESK"].claim_ttl_seconds
    result = db.session.execute(
        sa.update(Mention)
        .where(
            Mention.id == mention_id,
            Mention.status == MentionStatus.OPEN,
            claim_free(now, employee.id),
        )
        .values(claimed_by_id=employee.id, claim_expires_at=now + timedelta(seconds=ttl))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise explain_refusal(mention_id, now)
    audit.record("mention.claimed", "mention", mention_id, actor=employee)
    db.session.commit()
    return get_mention(mention_id)


def release(mention_id: int, employee: Employee) -> Mention:
    """Drop my claim (a supervisor may drop anyone's)."""
    condition = [Mention.id == mention_id]
    if not employee.can(Role.SUPERVISOR):
        condition.append(Mention.claimed_by_id == employee.id)
    result = db.session.execute(
        sa.update(Mention)
        .where(*condition)
        .values(claimed_by_id=None, claim_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        mention = get_mention(mention_id)
        holder = mention.claim_holder(utcnow())
        if holder is not None:
            raise Forbidden(f"The claim belongs to employee {holder.number}.", code="not_yours")
        return mention  # nothing to release
    audit.record("mention.released", "mention", mention_id, actor=employee)
    db.session.commit()
    return get_mention(mention_id)


def dismiss(mention_id: int, employee: Employee, reason: object) -> Mention:
    """Close an open mention without a reply, recording who and why.

    An escalated mention waits for a supervisor's decision: agents cannot dismiss it, and a
    supervisor's dismissal settles its escalation in the same transaction.
    """
    if not employee.can(Role.AGENT):
        raise Forbidden("Trainees cannot dismiss mentions; ask a supervisor.")
    text = clean_reason(reason)
    now = utcnow()
    supervisor = employee.can(Role.SUPERVISOR)
    conditions = [
        Mention.id == mention_id,
        Mention.status == MentionStatus.OPEN,
        claim_free(now, employee.id),
        ~sa.exists().where(Reply.mention_id == Mention.id, Reply.status == "pending_approval"),
    ]
    if not supervisor:
        conditions.append(Mention.escalated_at.is_(None))
    result = db.session.execute(
        sa.update(Mention)
        .where(*conditions)
        .values(
            status=MentionStatus.DISMISSED,
            closed_by_id=employee.id,
            close_reason=text,
            closed_at=now,
            claimed_by_id=None,
            claim_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        refusal = explain_refusal(mention_id, now)
        mention = db.session.get(Mention, mention_id)
        if (
            not supervisor
            and mention is not None
            and mention.status is MentionStatus.OPEN
            and mention.escalated_at is not None
            and mention.claim_holder(now) in (None, employee)
        ):
            refusal = Conflict(
                "This mention is escalated: a supervisor decides whether to close it.",
                code="escalated",
            )
        raise refusal
    audit.record("mention.dismissed", "mention", mention_id, actor=employee, reason=text)
    settle_escalations([mention_id], Settled.DISMISSED, by=employee, detail=text)
    db.session.commit()
    return get_mention(mention_id)


# A page ends at a (created_at, tweet_id) pair; the cursor carries it as base64 of
# "<microseconds since the epoch>.<tweet id>", opaque to clients and checked on the way in.
# Sorted by priority, a page ends at (rank, created_at, tweet_id): "p<rank>.<micros>.<id>".
_CURSOR_RE = re.compile(r"(?:p([01])\.)?(\d{1,17})\.(\d{1,19})")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_TWEET_ID = 2**63 - 1
SORTS = ("oldest", "newest", "priority")


def _rank(priority: Priority | str) -> int:
    """A priority's place in the priority sort: high first."""
    return 0 if Priority(priority) is Priority.HIGH else 1


def _rank_column() -> sa.ColumnElement[int]:
    return sa.case((Mention.priority == Priority.HIGH, 0), else_=1)


def encode_cursor(mention: Mention, by_priority: bool = False) -> str:
    """The opaque cursor that resumes a list just after `mention`."""
    micros = (mention.created_at - _EPOCH) // timedelta(microseconds=1)
    prefix = f"p{_rank(mention.priority)}." if by_priority else ""
    raw = f"{prefix}{micros}.{mention.tweet_id}".encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def parse_cursor(
    cursor: str | None, by_priority: bool = False
) -> tuple[datetime, int] | tuple[int, datetime, int] | None:
    """The (created_at, tweet_id) a cursor resumes after, or (rank, created_at, tweet_id) for
    the priority sort; InvalidInput if it was not ours or was made for the other order."""
    if cursor in (None, ""):
        return None
    invalid = InvalidInput("cursor must be a value returned as next_cursor.", code="invalid_cursor")
    if len(cursor) > 64 or not cursor.isascii():
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (ValueError, binascii.Error):  # UnicodeDecodeError is a ValueError
        raise invalid from None
    match = _CURSOR_RE.fullmatch(raw)
    if match is None or int(match.group(3)) > _MAX_TWEET_ID:
        raise invalid
    if (match.group(1) is not None) != by_priority:
        raise invalid
    at = _EPOCH + timedelta(microseconds=int(match.group(2)))
    if by_priority:
        return int(match.group(1)), at, int(match.group(3))
    return at, int(match.group(3))


def _page_of(
    query: sa.Select[tuple[Mention]],
    after: tuple | None,
    newest_first: bool,
    by_priority: bool = False,
) -> sa.Select[tuple[Mention]]:
    """`query` in the customer's order from just past `after` (a row comparison, which
    SQLite and PostgreSQL both answer from the (status, created_at, tweet_id) index).

    By priority: high first, then the customer's order within each priority, the same
    keyset rule with the rank in front.
    """
    columns = [Mention.created_at, Mention.tweet_id]
    if by_priority:
        columns.insert(0, _rank_column())
    pair = sa.tuple_(*columns)
    if after is not None:
        if by_priority:
            # The rank always ascends (high first); only the time part may run newest first.
            rank, *rest = after
            within = sa.tuple_(*columns[1:])
            later = within < tuple(rest) if newest_first else within > tuple(rest)
            query = query.where(sa.or_(columns[0] > rank, sa.and_(columns[0] == rank, later)))
        else:
            query = query.where(pair < after if newest_first else pair > after)
    time_order = (
        [Mention.created_at.desc(), Mention.tweet_id.desc()]
        if newest_first
        else [Mention.created_at, Mention.tweet_id]
    )
    if by_priority:
        return query.order_by(_rank_column(), *time_order)
    return query.order_by(*time_order)


def _of_status(
    query: sa.Select[tuple[Mention]], status: str, employee: Employee | None
) -> sa.Select[tuple[Mention]]:
    """`query` narrowed to one of the list's filters."""
    now = utcnow()
    if status == "open":
        query = query.where(Mention.status == MentionStatus.OPEN)
    elif status == "answered":
        query = query.where(
            Mention.status.in_([MentionStatus.ANSWERED, MentionStatus.ANSWERED_ELSEWHERE])
        )
    elif status == "dismissed":
        query = query.where(Mention.status == MentionStatus.DISMISSED)
    elif status == "escalated":
        query = query.where(Mention.status == MentionStatus.OPEN, Mention.escalated_at.is_not(None))
    elif status == "mine":
        if employee is None:
            raise InvalidInput("status=mine needs a signed-in employee.")
        query = query.where(
            Mention.status == MentionStatus.OPEN,
            Mention.claimed_by_id == employee.id,
            Mention.claim_expires_at > now,
        )
    return query


def list_mentions(
    status: str = "open",
    *,
    limit: int = 50,
    cursor: str | None = None,
    employee: Employee | None = None,
    search: str | None = None,
    newest_first: bool | None = None,
    sort: str | None = None,
    kind: str | None = None,
    tag: str | None = None,
) -> MentionPage:
    """A keyset page of mentions by the customer's time (then tweet id); open ones oldest first,
    the rest newest first by default. `sort`: oldest, newest, or priority (high first, then
    the default order of the status); `kind`: all, post (public mentions) or dm; `tag`: only
    mentions carrying the desk's tag of that name (422 unknown_tag for another name)."""
    if status not in LIST_FILTERS:
        raise InvalidInput(
            f"status must be one of {', '.join(LIST_FILTERS)}.", code="invalid_status"
        )
    if sort not in (None, "", *SORTS):
        raise InvalidInput(f"sort must be one of {', '.join(SORTS)}.", code="invalid_sort")
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}.", code="invalid_limit")
    kind = kind or "all"
    if kind not in KIND_FILTERS:
        raise InvalidInput(
            f"kind must be one of {', '.join(KIND_FILTERS)}.",
            code="invalid_kind",
            subject="mentions",
        )
    tag_id = tagging.tag_named(tag).id if tag is not None else None
    by_priority = sort == "priority"
    if sort in ("oldest", "newest"):
        newest_first = sort == "newest"
    after = parse_cursor(cursor, by_priority)
    if newest_first is None:
        newest_first = status not in ("open", "mine", "escalated")
    query = _of_status(
        sa.select(Mention).options(selectinload(Mention.claimed_by)), status, employee
    )
    if kind != "all":
        query = query.where(Mention.kind == kind)
    if tag_id is not None:
        query = query.where(
            sa.exists().where(
                mention_tags.c.mention_id == Mention.id, mention_tags.c.tag_id == tag_id
            )
        )
    if search and search.strip():
        # Searched as ingest stores text (a NUL made U+FFFD): PostgreSQL refuses a NUL in a
        # query parameter (a 500 on the inbox and GET /api/v1/mentions?q=).
        term = search.strip()[:100].replace("\x00", "\ufffd")
        query = mention_search.matching(query, term)
    page = _page_of(query, after, newest_first, by_priority)
    rows = list(db.session.scalars(page.limit(limit + 1)))
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1], by_priority) if len(rows) > limit and items else None
    return MentionPage(items=items, next_cursor=next_cursor)


def conversation(mention: Mention, limit: int = 50) -> list[Mention]:
    """The customer's other mentions and DMs, in this conversation or by the same author, in
    one time line, oldest first."""
    query = (
        sa.select(Mention)
        .where(
            Mention.id != mention.id,
            sa.or_(
                Mention.conversation_id == mention.conversation_id,
                Mention.author_x_id == mention.author_x_id,
            ),
        )
        .order_by(Mention.created_at.desc(), Mention.tweet_id.desc())
        .limit(limit)
    )
    return list(reversed(db.session.scalars(query).all()))


def replies_for(mention_ids: list[int]) -> list[Reply]:
    """Replies to these mentions, oldest first."""
    if not mention_ids:
        return []
    query = sa.select(Reply).where(Reply.mention_id.in_(mention_ids)).order_by(Reply.id)
    return list(db.session.scalars(query))
