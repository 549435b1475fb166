"""Escalations settle themselves when their mention gets its final answer or is closed.

An escalation asks supervisors to see that a mention is dealt with. It is settled, in the
same transaction as the change that deals with it, when the reply is posted on X, when the
brand answered outside the app, or when a supervisor closes the mention without a reply.
A reply that is only queued (or waiting for approval) settles nothing: it can still fail,
and the mention then comes back open with its escalation still in the queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Employee, Escalation, EscalationStatus, Mention
from helpdesk.models.types import utcnow
from helpdesk.services import audit


class Settled(StrEnum):
    """How an escalation was settled without a supervisor's note."""

    ANSWERED = "answered"
    ANSWERED_ELSEWHERE = "answered_elsewhere"
    DISMISSED = "dismissed"


RESOLUTIONS = {
    Settled.ANSWERED: "Answered: reply {detail} posted.",
    Settled.ANSWERED_ELSEWHERE: "Answered outside the helpdesk by the brand account.",
    Settled.DISMISSED: "Closed without a reply: {detail}",
}


def settle_escalations(
    mention_ids: Iterable[int],
    how: Settled,
    *,
    by: Employee | int | None = None,
    detail: str = "",
) -> list[int]:
    """Resolve the open escalations of these mentions; returns their ids (the caller commits).

    `by` is who dealt with the mention (the reply's author, the supervisor who closed it),
    or None when the brand account answered outside the app.
    """
    ids = list(mention_ids)
    if not ids:
        return []
    now = utcnow()
    by_id = by.id if isinstance(by, Employee) else by
    resolution = RESOLUTIONS[how].format(detail=detail)[:500]
    settled = db.session.execute(
        sa.update(Escalation)
        .where(Escalation.mention_id.in_(ids), Escalation.status == EscalationStatus.OPEN)
        .values(
            status=EscalationStatus.RESOLVED,
            resolved_by_id=by_id,
            resolved_at=now,
            resolution=resolution,
        )
        .returning(Escalation.id, Escalation.mention_id)
        .execution_options(synchronize_session=False)
    ).all()
    if settled:
        db.session.execute(
            sa.update(Mention)
            .where(Mention.id.in_([row.mention_id for row in settled]))
            .values(escalated_at=None)
            .execution_options(synchronize_session=False)
        )
    actor = by if isinstance(by, Employee) else None
    for row in settled:
        audit.record(
            "escalation.resolved",
            "escalation",
            row.id,
            actor=actor,
            mention_id=row.mention_id,
            settled=how.value,
            note=resolution,
        )
    return [row.id for row in settled]
