"""Internal notes: staff-only text on a mention or on a customer, and the notifications its
`@0427` mentions send to colleagues. Never posted: nothing here reaches the outbox."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models.employees import Employee
from helpdesk.models.types import UTCDateTime, utcnow

MAX_NOTE = 2000


class Note(db.Model):
    """One note by an employee: about a mention, or (customer_x_id set) about its customer."""

    __tablename__ = "notes"
    __table_args__ = (sa.Index("ix_notes_customer_created", "customer_x_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mention_id: Mapped[int] = mapped_column(sa.ForeignKey("mentions.id"), index=True)
    # Set for a note about the customer: shown on every mention of theirs.
    customer_x_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[Employee] = relationship(lazy="joined")


class Notification(db.Model):
    """A colleague named in a note (`@0427`): shown on their notifications page until read."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.UniqueConstraint("employee_id", "note_id"),
        sa.Index("ix_notifications_employee_created", "employee_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    note_id: Mapped[int] = mapped_column(sa.ForeignKey("notes.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    note: Mapped[Note] = relationship(lazy="joined")
