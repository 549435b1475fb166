"""The API's JSON shapes: mentions, replies, escalations, coverage (ids of X objects as strings)."""

from __future__ import annotations

from datetime import datetime

from helpdesk.models import (
    ApiToken,
    CannedReply,
    Employee,
    Escalation,
    Mention,
    Note,
    Reply,
    XPrice,
)
from helpdesk.models.types import iso_utc, utcnow
from helpdesk.services.escalation import due_at
from helpdesk.services.tagging import Suggestion, tags_by_mention


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, or None."""
    return iso_utc(value)


def mention_json(
    mention: Mention, now: datetime | None = None, tags: list[str] | None = None
) -> dict[str, object]:
    """A mention as the contract describes it; `tags` (sorted names) read here unless a list
    passes them in (tags_by_mention: one query for the whole list)."""
    if tags is None:
        tags = tags_by_mention([mention.id])[mention.id]
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
        "kind": mention.kind.value,
        "dm_conversation_id": mention.dm_conversation_id,
        "moved_to_dm_at": iso(mention.moved_to_dm_at),
        "dm_of_mention_id": mention.dm_of_mention_id,
        "tags": tags,
    }


def mentions_json(mentions: list[Mention], now: datetime | None = None) -> list[dict[str, object]]:
    """Mentions as JSON, their tags read in one query for the whole list."""
    now = now or utcnow()
    tags = tags_by_mention([m.id for m in mentions])
    return [mention_json(m, now, tags[m.id]) for m in mentions]


def suggestion_json(suggestion: Suggestion) -> dict[str, object]:
    """A suggested tag: its name, where the suggestion comes from, and colleagues' count."""
    return {"name": suggestion.name, "sources": suggestion.sources, "count": suggestion.count}


def reply_json(reply: Reply, now: datetime | None = None) -> dict[str, object]:
    """A reply as the contract describes it; `held_until`/`held_reason` say why and until
    when a queued reply waits (X's 429, our spent posting budget, or a back-off)."""
    now = now or utcnow()
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
        "held_until": iso(reply.held_until(now)),
        "held_reason": reply.held_for(now),
        "channel": reply.channel.value,
        "x_dm_event_id": str(reply.x_dm_event_id) if reply.x_dm_event_id else None,
    }


def note_json(note: Note) -> dict[str, object]:
    """An internal note as the API shows it (staff only: never posted)."""
    return {
        "id": note.id,
        "mention_id": note.mention_id,
        "about": "customer" if note.customer_x_id is not None else "mention",
        "author": note.author.number,
        "text": note.text,
        "created_at": iso(note.created_at),
    }


def escalation_json(
    escalation: Escalation, now: datetime | None = None, tags: list[str] | None = None
) -> dict[str, object]:
    """An escalation with its mention (whose status shows whether it has been answered since);
    `tags`: the mention's, when a list read them for all its escalations at once."""
    now = now or utcnow()
    due = due_at(escalation.mention)
    return {
        "id": escalation.id,
        "mention_id": escalation.mention_id,
        "kind": escalation.kind.value,
        "reason": escalation.reason,
        "status": escalation.status.value,
        "raised_by": escalation.raised_by.number if escalation.raised_by else None,
        "assigned_to": escalation.assigned_to.number if escalation.assigned_to else None,
        "resolved_by": escalation.resolved_by.number if escalation.resolved_by else None,
        "resolution": escalation.resolution,
        "created_at": iso(escalation.created_at),
        "resolved_at": iso(escalation.resolved_at),
        "due_at": iso(due),
        "overdue_seconds": max(int((now - due).total_seconds()), 0),
        "mention": mention_json(escalation.mention, now, tags),
    }


def coverage_json(figures: dict[str, object]) -> dict[str, object]:
    """The coverage figures with every time as ISO 8601 UTC."""

    def plain(value: object) -> object:
        if isinstance(value, datetime):
            return iso(value)
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        if isinstance(value, list):
            return [plain(item) for item in value]
        return value

    return plain(figures)


def canned_json(canned: CannedReply) -> dict[str, object]:
    """A canned reply as the composer needs it."""
    return {
        "id": canned.id,
        "title": canned.title,
        "body": canned.body,
        "language": canned.language.value,
    }


def token_json(token: ApiToken) -> dict[str, object]:
    """An API token as its owner and admins see it: never the token, only its first characters."""
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "owner": token.employee.number,
        "created_at": iso(token.created_at),
        "last_used_at": iso(token.last_used_at),
        "revoked_at": iso(token.revoked_at),
        "revoked_by": token.revoked_by,
        "current": token.current,
    }


def employee_json(employee: Employee) -> dict[str, object]:
    """An employee for the administration API (never the password hash)."""
    return {
        "number": employee.number,
        "name": employee.name,
        "role": employee.role.value,
        "active": employee.active,
        "language": employee.language,
        "created_at": iso(employee.created_at),
    }


def price_json(row: XPrice) -> dict[str, object]:
    """One kind of call's price as the desk keeps it (dollars per unit)."""
    return {
        "kind": row.kind,
        "usd": float(row.usd),
        "source": row.source,
        "updated_at": iso(row.updated_at),
    }
