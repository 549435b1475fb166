"""Replies: the outbox rows that carry an employee's answer to X exactly once."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models.employees import Employee
from helpdesk.models.mentions import Mention
from helpdesk.models.types import UTCDateTime, str_enum, utcnow


class HeldReason(StrEnum):
    """Why a queued reply waits (stable codes the API gives as `held_reason`)."""

    X_RATE_LIMIT = "x_rate_limit"  # X answered 429: every post waits for its announced reset
    POSTING_BUDGET = "posting_budget"  # our record of X's window says no post is left in it


class ReplyChannel(StrEnum):
    """How a reply reaches the customer: a public reply post, or a DM."""

    POST = "post"
    DM = "dm"


class ReplyStatus(StrEnum):
    """The outbox states; `posting` with an error means the outcome is being reconciled."""

    PENDING_APPROVAL = "pending_approval"
    QUEUED = "queued"
    POSTING = "posting"
    POSTED = "posted"
    FAILED = "failed"
    REJECTED = "rejected"


LIVE_REPLY_STATUSES = (
    ReplyStatus.PENDING_APPROVAL,
    ReplyStatus.QUEUED,
    ReplyStatus.POSTING,
    ReplyStatus.POSTED,
)
_LIVE_SQL = "status IN ('pending_approval', 'queued', 'posting', 'posted')"


class Reply(db.Model):
    """One answer to one mention, posted from the brand account with the author's signature."""

    __tablename__ = "replies"
    __table_args__ = (
        # One live reply per mention: a double submit cannot make two posts.
        sa.Index(
            "uq_replies_live_mention",
            "mention_id",
            unique=True,
            sqlite_where=sa.text(_LIVE_SQL),
            postgresql_where=sa.text(_LIVE_SQL),
        ),
        sa.Index("ix_replies_status_updated", "status", "updated_at"),
        sa.Index("ix_replies_changed_at", "changed_at"),  # the roll-ups' watermark
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mention_id: Mapped[int] = mapped_column(sa.ForeignKey("mentions.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ReplyStatus] = mapped_column(str_enum(ReplyStatus, 24))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    outcome_unknown: Mapped[bool] = mapped_column(default=False)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why `not_before` holds the reply (a HeldReason value); None for an ordinary back-off.
    held_reason: Mapped[str | None] = mapped_column(sa.String(32))
    x_tweet_id: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True)
    channel: Mapped[ReplyChannel] = mapped_column(
        str_enum(ReplyChannel, 8), default=ReplyChannel.POST, server_default="post"
    )
    x_dm_event_id: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set on every INSERT and UPDATE through SQLAlchemy (None: before migration 0013).
    changed_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    mention: Mapped[Mention] = relationship()
    author: Mapped[Employee] = relationship(foreign_keys=[author_id], lazy="joined")

    def held_until(self, now: datetime | None = None) -> datetime | None:
        """Until when a queued reply waits to be posted; None when it is not held."""
        if self.status is not ReplyStatus.QUEUED or self.not_before is None:
            return None
        return self.not_before if self.not_before > (now or utcnow()) else None

    def held_for(self, now: datetime | None = None) -> str | None:
        """Why the reply is held now (a HeldReason code), or None."""
        return self.held_reason if self.held_until(now) is not None else None
