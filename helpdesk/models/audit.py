"""The audit log: append-only events chained by SHA-256 so any edit or deletion shows."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow

GENESIS_HASH = "0" * 64


class AuditEvent(db.Model):
    """Who did what to which record, and the hash of this event chained to the previous one."""

    __tablename__ = "audit_events"
    __table_args__ = (  # the audit browse page: by day, by action, by employee, newest first
        sa.Index("ix_audit_events_at", "at"),
        sa.Index("ix_audit_events_action_id", "action", "id"),
        sa.Index("ix_audit_events_actor_id", "actor_number", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_number: Mapped[str | None] = mapped_column(sa.String(6))
    action: Mapped[str] = mapped_column(sa.String(64))
    subject_type: Mapped[str] = mapped_column(sa.String(32))
    subject_id: Mapped[str] = mapped_column(sa.String(64))
    details: Mapped[str] = mapped_column(sa.Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    def compute_hash(self) -> str:
        """SHA-256 over the previous hash and this event's canonical fields."""
        payload = json.dumps(
            [
                self.prev_hash,
                self.at.isoformat(timespec="microseconds"),
                self.actor_number,
                self.action,
                self.subject_type,
                self.subject_id,
                self.details,
            ],
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(payload.encode()).hexdigest()
