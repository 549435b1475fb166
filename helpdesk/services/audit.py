"""The audit log service: append events to the hash chain and verify it."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Employee
from helpdesk.models.audit import GENESIS_HASH, encode_details
from helpdesk.models.types import utcnow

_PG_AUDIT_LOCK = 7_400_001  # pg_advisory_xact_lock key: one chain writer at a time


def record(
    action: str,
    subject_type: str,
    subject_id: object,
    *,
    actor: Employee | None = None,
    **details: object,
) -> AuditEvent:
    """Append one event in the caller's transaction (the caller commits)."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_AUDIT_LOCK)))
    # SQLite transactions begin IMMEDIATE, so the chain's tail cannot move under us there.
    prev = session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        at=utcnow(),
        actor_number=actor.number if actor else None,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        details=encode_details(details),
        prev_hash=prev or GENESIS_HASH,
    )
    event.hash = event.compute_hash()
    session.add(event)
    session.flush()
    return event


def broken_links() -> Iterator[int]:
    """Ids of events whose hash or link to the previous event does not check out."""
    expected_prev = GENESIS_HASH
    query = sa.select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    for event in db.session.scalars(query):
        if event.prev_hash != expected_prev or event.compute_hash() != event.hash:
            yield event.id
        expected_prev = event.hash
