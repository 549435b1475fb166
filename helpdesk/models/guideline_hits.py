"""Guideline hits: one row per rule that fired on a submitted reply, for the supervisors' counts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, str_enum, utcnow


class GuidelineOutcome(StrEnum):
    """What the submit that a rule fired on came to."""

    BLOCKED = "blocked"  # refused: at least one finding was a block
    WARNED = "warned"  # refused until the warnings are confirmed
    CONFIRMED = "confirmed"  # accepted with its warnings confirmed


class GuidelineHit(db.Model):
    """A rule that fired on a submitted reply; the live preview records none."""

    __tablename__ = "guideline_hits"
    __table_args__ = (sa.Index("ix_guideline_hits_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(sa.String(32))
    severity: Mapped[str] = mapped_column(sa.String(8))
    outcome: Mapped[GuidelineOutcome] = mapped_column(str_enum(GuidelineOutcome, 16))
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    mention_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mentions.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
