"""Escalations: a mention raised to supervisors, automatically (SLA breach, rule) or by hand."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models.employees import Employee
from helpdesk.models.mentions import Mention
from helpdesk.models.types import UTCDateTime, str_enum, utcnow


class EscalationKind(StrEnum):
    """Why a mention was escalated."""

    SLA_BREACH = "sla_breach"
    RULE = "rule"
    MANUAL = "manual"


class EscalationStatus(StrEnum):
    """Open until a supervisor resolves it; resolved ones stay for the record."""

    OPEN = "open"
    RESOLVED = "resolved"


OPEN_ESCALATION_SQL = "status = 'open'"


class Escalation(db.Model):
    """One escalation of one mention; at most one is open per mention at a time."""

    __tablename__ = "escalations"
    __table_args__ = (
        # One open escalation per mention: two sweeps or a double click cannot make two.
        sa.Index(
            "uq_escalations_open_mention",
            "mention_id",
            unique=True,
            sqlite_where=sa.text(OPEN_ESCALATION_SQL),
            postgresql_where=sa.text(OPEN_ESCALATION_SQL),
        ),
        sa.Index("ix_escalations_status_created", "status", "created_at"),
        sa.Index("ix_escalations_status_resolved", "status", "resolved_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mention_id: Mapped[int] = mapped_column(sa.ForeignKey("mentions.id"), index=True)
    kind: Mapped[EscalationKind] = mapped_column(str_enum(EscalationKind, 16))
    reason: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[EscalationStatus] = mapped_column(
        str_enum(EscalationStatus, 16), default=EscalationStatus.OPEN
    )
    raised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    resolution: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    mention: Mapped[Mention] = relationship(lazy="joined")
    raised_by: Mapped[Employee | None] = relationship(foreign_keys=[raised_by_id])
    assigned_to: Mapped[Employee | None] = relationship(foreign_keys=[assigned_to_id])
    resolved_by: Mapped[Employee | None] = relationship(foreign_keys=[resolved_by_id])
