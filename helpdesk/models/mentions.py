"""Mentions of the brand account: stored once per tweet id, never deleted, always accounted for."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models.accounts import XUser
from helpdesk.models.employees import Employee
from helpdesk.models.types import UTCDateTime, str_enum, trigram_index, utcnow


class MentionStatus(StrEnum):
    """Where a mention stands; every stored mention is in exactly one of these."""

    OPEN = "open"
    ANSWERED = "answered"
    ANSWERED_ELSEWHERE = "answered_elsewhere"
    DISMISSED = "dismissed"


class MentionKind(StrEnum):
    """Where the customer wrote: a public post mentioning the brand, or a DM to it."""

    POST = "post"
    DM = "dm"


class Priority(StrEnum):
    """How fast a mention must get its first response."""

    NORMAL = "normal"
    HIGH = "high"


class Mention(db.Model):
    """A customer's tweet that mentions the brand."""

    __tablename__ = "mentions"
    __table_args__ = (
        # Lists are keyset-paged on the customer's time, then tweet id (services/inbox.py).
        sa.Index("ix_mentions_status_created_tweet", "status", "created_at", "tweet_id"),
        sa.Index("ix_mentions_author_tweet", "author_x_id", "tweet_id"),
        # The "all" list, and coverage and export periods.
        sa.Index("ix_mentions_created_tweet", "created_at", "tweet_id"),
        # What changed since the roll-ups' watermark (services/rollups.py).
        sa.Index("ix_mentions_changed_at", "changed_at"),
        # Search for a rare word on PostgreSQL (services/mention_search.py).
        trigram_index("ix_mentions_text_trgm", "text"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The X id of the item: the post's id, or for a DM its DM event id (one snowflake space).
    tweet_id: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    kind: Mapped[MentionKind] = mapped_column(
        str_enum(MentionKind, 8), default=MentionKind.POST, server_default="post"
    )
    # DMs: X's one-to-one conversation id ("<low user id>-<high user id>").
    dm_conversation_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    # A public mention moved to DM: when the invitation was accepted by the desk.
    moved_to_dm_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A DM that continues a public mention moved to DM: that mention.
    dm_of_mention_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mentions.id"), index=True)
    brand_account_id: Mapped[int] = mapped_column(sa.ForeignKey("brand_accounts.id"))
    author_x_id: Mapped[int] = mapped_column(sa.ForeignKey("x_users.x_user_id"))
    conversation_id: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)
    in_reply_to_tweet_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    is_quote: Mapped[bool] = mapped_column(default=False)
    text: Mapped[str] = mapped_column(sa.Text)  # as typed: X's escaping and t.co links undone
    # The links X listed, offsets in `text`: [{start, end, url (t.co), expanded_url, ...}].
    links: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON(none_as_null=True))
    lang: Mapped[str | None] = mapped_column(sa.Text)  # as X sends it, however long
    # Ours, for routing: "ja" when the text has kana or kanji, else "en" (services/languages.py).
    language: Mapped[str | None] = mapped_column(sa.String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[MentionStatus] = mapped_column(
        str_enum(MentionStatus, 24), default=MentionStatus.OPEN
    )
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, 16), default=Priority.NORMAL)
    claimed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    claim_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    close_reason: Mapped[str | None] = mapped_column(sa.String(500))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set on every INSERT and UPDATE through SQLAlchemy (None: before migration 0013).
    changed_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    author: Mapped[XUser] = relationship(lazy="joined")
    claimed_by: Mapped[Employee | None] = relationship(foreign_keys=[claimed_by_id])
    closed_by: Mapped[Employee | None] = relationship(foreign_keys=[closed_by_id])

    def claim_holder(self, now: datetime) -> Employee | None:
        """Who holds a live claim on this mention at `now`, if anyone."""
        if self.claimed_by_id and self.claim_expires_at and self.claim_expires_at > now:
            return self.claimed_by
        return None
