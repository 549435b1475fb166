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
# json.dumps(..., same options) builds one of these per call; the output is the same.
_CHAINED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_DETAILS = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str)


def encode_details(details: dict[str, object]) -> str:
    """An event's details as stored (and hashed): sorted keys, non-ASCII kept, str() fallback."""
    return _DETAILS.encode(details)


def chain_hash(
    prev_hash: str,
    at: str,
    actor_number: str | None,
    action: str,
    subject_type: str,
    subject_id: str,
    details: str,
) -> str:
    """The chain's formula: SHA-256 over the previous hash and one event's canonical fields
    (`at` as `isoformat(timespec="microseconds")`); the app and the benchmark seed both use it."""
    payload = _CHAINED.encode(
        [prev_hash, at, actor_number, action, subject_type, subject_id, details]
    )
    return hashlib.sha256(payload.encode()).hexdigest()


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
        return chain_hash(
            self.prev_hash,
            self.at.isoformat(timespec="microseconds"),
            self.actor_number,
            self.action,
            self.subject_type,
            self.subject_id,
            self.details,
        )
