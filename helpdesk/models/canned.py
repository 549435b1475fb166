"""Canned replies: supervisor-approved answers an employee inserts into the composer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models.employees import Employee
from helpdesk.models.types import UTCDateTime, str_enum, utcnow

MAX_TITLE = 80
MAX_BODY = 600


class CannedLanguage(StrEnum):
    """The language a canned reply is written in."""

    JA = "ja"
    EN = "en"


class CannedReply(db.Model):
    """A reusable reply body; deactivated, never deleted, so the audit trail keeps its subject."""

    __tablename__ = "canned_replies"
    __table_args__ = (sa.Index("ix_canned_replies_active_language", "active", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(MAX_TITLE))
    body: Mapped[str] = mapped_column(sa.String(MAX_BODY))
    language: Mapped[CannedLanguage] = mapped_column(str_enum(CannedLanguage, 8))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    created_by: Mapped[Employee | None] = relationship()
