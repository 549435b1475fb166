"""The API's JSON shapes for mentions and replies (ids of X objects as strings)."""

from __future__ import annotations

from datetime import datetime

from helpdesk.models import Mention, Reply
from helpdesk.models.types import utcnow


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, or None."""
    return value.isoformat().replace("+00:00", "Z") if value else None


def mention_json(mention: Mention, now: datetime | None = None) -> dict[str, object]:
    """A mention as the contract describes it."""
    holder = mention.claim_holder(now or utcnow())
    author = mention.author
    return {
        "id": mention.id,
        "tweet_id": str(mention.tweet_id),
        "conversation_id": str(mention.conversation_id) if mention.conversation_id else None,
        "author": {
            "id": str(mention.author_x_id),
            "username": author.username if author else None,
            "name": author.name if author else None,
        },
        "text": mention.text,
        "created_at": iso(mention.created_at),
        "status": mention.status.value,
        "priority": mention.priority.value,
        "claimed_by": holder.number if holder else None,
        "claim_expires_at": iso(mention.claim_expires_at) if holder else None,
        "escalated": mention.escalated_at is not None,
        "dismissed_reason": mention.close_reason if mention.status.value == "dismissed" else None,
    }


def reply_json(reply: Reply) -> dict[str, object]:
    """A reply as the contract describes it."""
    return {
        "id": reply.id,
        "mention_id": reply.mention_id,
        "text": reply.text,
        "status": reply.status.value,
        "author": reply.author.number,
        "x_tweet_id": str(reply.x_tweet_id) if reply.x_tweet_id else None,
        "created_at": iso(reply.created_at),
        "posted_at": iso(reply.posted_at),
        "attempts": reply.attempts,
        "error": reply.last_error if reply.status.value in ("failed", "rejected") else None,
    }
