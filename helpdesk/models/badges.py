"""Badges responders earn, derived from the audit log by a job and stored once per period."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow

LIFETIME = "all"  # the period of a badge earned once for good (monthly ones name the month)


class BadgeKind(StrEnum):
    """The badges there are; the rule of each is in helpdesk/services/badges.py."""

    FIRST_REPLY = "first_reply"
    HUNDRED_ANSWERED = "hundred_answered"
    FASTEST_MEDIAN = "fastest_median"
    APPROVED_AS_WRITTEN = "approved_as_written"
    GUIDELINE_CLEAN_STREAK = "guideline_clean_streak"


class EmployeeBadge(db.Model):
    """One badge one employee earned for one period, with the audit evidence for it."""

    __tablename__ = "employee_badges"
    __table_args__ = (sa.UniqueConstraint("employee_id", "kind", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    period: Mapped[str] = mapped_column(sa.String(7), default=LIFETIME)
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    evidence: Mapped[str] = mapped_column(sa.Text, default="{}")
