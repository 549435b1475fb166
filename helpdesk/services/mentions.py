"""What state a mention is in and why an action on it is refused: shared by inbox, replies
and escalation, so none of them borrows from another."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Mention, MentionStatus
from helpdesk.services.errors import Conflict, InvalidInput, NotFound
from helpdesk.services.guidelines import invisible_characters

MAX_REASON = 500


def get_mention(mention_id: int) -> Mention:
    """One mention, or NotFound."""
    mention = db.session.get(Mention, mention_id)
    if mention is None:
        raise NotFound(f"No mention {mention_id}.")
    return mention


def claim_free(now: datetime, employee_id: int) -> sa.ColumnElement[bool]:
    """Unclaimed, claim expired, or already mine."""
    return sa.or_(
        Mention.claimed_by_id.is_(None),
        Mention.claim_expires_at <= now,
        Mention.claimed_by_id == employee_id,
    )


def explain_refusal(mention_id: int, now: datetime) -> Conflict | NotFound:
    """Why a conditional update touched nothing: gone, closed, or someone else's claim."""
    db.session.rollback()
    mention = db.session.get(Mention, mention_id)
    if mention is None:
        return NotFound(f"No mention {mention_id}.")
    if mention.status is not MentionStatus.OPEN:
        return Conflict(f"This mention is already {mention.status.value}.", code="not_open")
    holder = mention.claim_holder(now)
    number = holder.number if holder else None
    return Conflict(
        f"Employee {number} is working on this mention.", code="already_claimed", claimed_by=number
    )


def clean_reason(reason: object, *, what: str = "reason", missing: str = "Give a reason.") -> str:
    """A required free-text reason (or note): 1 to 500 characters after trimming."""
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise InvalidInput(missing, code=f"{what}_required")
    if len(text) > MAX_REASON:
        raise InvalidInput(
            f"A {what} can be at most {MAX_REASON} characters.", code=f"{what}_too_long"
        )
    if invisible_characters(text, allowed="\r\n\t"):  # NUL: PostgreSQL refuses it (a 500)
        raise InvalidInput(
            f"A {what} cannot contain control or invisible characters.", code=f"{what}_invalid"
        )
    return text
