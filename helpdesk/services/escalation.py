"""Escalations: raised by hand or by the SLA sweep, queued for supervisors, assigned, resolved."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from helpdesk.extensions import db
from helpdesk.models import (
    Employee,
    Escalation,
    EscalationKind,
    EscalationStatus,
    Mention,
    MentionStatus,
    Priority,
    Role,
)
from helpdesk.models.types import UTCDateTime, utcnow
from helpdesk.services import audit
from helpdesk.services.employees import find_employee
from helpdesk.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from helpdesk.services.inbox import MAX_REASON, clean_reason, explain_refusal

logger = logging.getLogger(__name__)

LIST_FILTERS = ("open", "resolved", "all")
MAX_NOTE = MAX_REASON
MAX_LIST = 500
SLA_BREACH_REASON = "No first response within the SLA."


def sla_seconds(priority: Priority) -> int:
    """The time to first response allowed for a priority (the desk's settings)."""
    settings = current_app.config["HELPDESK"]
    if priority is Priority.HIGH:
        return settings.sla_high_seconds
    return settings.sla_normal_seconds


def due_at(mention: Mention) -> datetime:
    """When the mention's first response is due."""
    return mention.created_at + timedelta(seconds=sla_seconds(mention.priority))


def get_escalation(escalation_id: int) -> Escalation:
    """One escalation, or NotFound."""
    escalation = db.session.get(Escalation, escalation_id)
    if escalation is None:
        raise NotFound(f"No escalation {escalation_id}.")
    return escalation


def open_escalation_for(mention_id: int) -> Escalation | None:
    """The mention's open escalation, if it has one."""
    return db.session.scalar(
        sa.select(Escalation).where(
            Escalation.mention_id == mention_id, Escalation.status == EscalationStatus.OPEN
        )
    )


def escalate(mention_id: int, employee: Employee, reason: object) -> Escalation:
    """Raise an open mention to supervisors by hand; 409 when it is escalated already."""
    text = clean_reason(reason)
    now = utcnow()
    # Marking the mention first also takes its row lock on PostgreSQL.
    marked = db.session.execute(
        sa.update(Mention)
        .where(Mention.id == mention_id, Mention.status == MentionStatus.OPEN)
        .values(escalated_at=now)
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:
        raise explain_refusal(mention_id, now)
    escalation = Escalation(
        mention_id=mention_id,
        kind=EscalationKind.MANUAL,
        reason=text,
        status=EscalationStatus.OPEN,
        raised_by_id=employee.id,
        created_at=now,
    )
    db.session.add(escalation)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        existing = open_escalation_for(mention_id)
        raise Conflict(
            "This mention is already escalated.",
            code="already_escalated",
            escalation_id=existing.id if existing else None,
        ) from None
    audit.record(
        "escalation.opened",
        "escalation",
        escalation.id,
        actor=employee,
        mention_id=mention_id,
        kind=EscalationKind.MANUAL.value,
        reason=text,
    )
    db.session.commit()
    return get_escalation(escalation.id)


def _breached(now: datetime) -> sa.ColumnElement[bool]:
    """Open mentions whose first response is overdue at `now`, by their priority's SLA."""
    settings = current_app.config["HELPDESK"]
    return sa.or_(
        sa.and_(
            Mention.priority == Priority.HIGH,
            Mention.created_at < now - timedelta(seconds=settings.sla_high_seconds),
        ),
        sa.and_(
            Mention.priority != Priority.HIGH,
            Mention.created_at < now - timedelta(seconds=settings.sla_normal_seconds),
        ),
    )


def sweep_sla(now: datetime | None = None) -> dict[str, int]:
    """Give every open mention past its SLA one automatic `sla_breach` escalation, ever."""
    now = now or utcnow()
    table = Escalation.__table__
    prior = sa.exists().where(
        Escalation.mention_id == Mention.id,
        sa.or_(
            Escalation.kind == EscalationKind.SLA_BREACH,
            Escalation.status == EscalationStatus.OPEN,
        ),
    )
    candidates = sa.select(
        Mention.id,
        sa.literal(EscalationKind.SLA_BREACH.value),
        sa.literal(SLA_BREACH_REASON),
        sa.literal(EscalationStatus.OPEN.value),
        sa.literal(now, UTCDateTime()),
    ).where(Mention.status == MentionStatus.OPEN, _breached(now), ~prior)
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    # A concurrent sweep or a manual escalation may win the race: the partial unique index
    # (one open escalation per mention) turns the loser's row into nothing.
    statement = (
        insert(table)
        .from_select(["mention_id", "kind", "reason", "status", "created_at"], candidates)
        .on_conflict_do_nothing()
        .returning(table.c.id, table.c.mention_id)
    )
    created = db.session.execute(statement).all()
    if created:
        db.session.execute(
            sa.update(Mention)
            .where(Mention.id.in_([row.mention_id for row in created]))
            .values(escalated_at=now)
            .execution_options(synchronize_session=False)
        )
        for row in created:
            audit.record(
                "escalation.opened",
                "escalation",
                row.id,
                mention_id=row.mention_id,
                kind=EscalationKind.SLA_BREACH.value,
            )
    db.session.commit()
    if created:
        logger.info("escalated %d mentions past their SLA", len(created))
    return {"escalated": len(created)}


def _queue_key(escalation: Escalation) -> tuple[datetime, int, int]:
    """Longest overdue first (high priority breaches sooner), then high first, then oldest."""
    high_first = 0 if escalation.mention.priority is Priority.HIGH else 1
    return (due_at(escalation.mention), high_first, escalation.id)


def list_escalations(status: str = "open", *, limit: int = 200) -> list[Escalation]:
    """The queue: open ones by breach age and priority; resolved ones newest first."""
    if status not in LIST_FILTERS:
        raise InvalidInput(
            f"status must be one of {', '.join(LIST_FILTERS)}.", code="invalid_status"
        )
    if not 1 <= limit <= MAX_LIST:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIST}.", code="invalid_limit")
    query = sa.select(Escalation).options(
        selectinload(Escalation.raised_by),
        selectinload(Escalation.assigned_to),
        selectinload(Escalation.resolved_by),
    )
    found: list[Escalation] = []
    if status in ("open", "all"):
        rows = db.session.scalars(query.where(Escalation.status == EscalationStatus.OPEN))
        found.extend(sorted(rows, key=_queue_key)[:limit])
    if status in ("resolved", "all") and len(found) < limit:
        resolved = (
            query.where(Escalation.status == EscalationStatus.RESOLVED)
            .order_by(Escalation.resolved_at.desc(), Escalation.id.desc())
            .limit(limit - len(found))
        )
        found.extend(db.session.scalars(resolved))
    return found


def _require_supervisor(employee: Employee, doing: str) -> None:
    if not employee.can(Role.SUPERVISOR):
        raise Forbidden(f"Only supervisors {doing} escalations.")


def _not_open(escalation_id: int) -> Conflict:
    escalation = get_escalation(escalation_id)
    db.session.rollback()
    return Conflict(
        f"This escalation is already {escalation.status.value}.", code="escalation_closed"
    )


def assign(escalation_id: int, supervisor: Employee, assignee_number: object) -> Escalation:
    """A supervisor gives an open escalation to an active employee."""
    _require_supervisor(supervisor, "assign")
    if not isinstance(assignee_number, str) or not assignee_number.strip():
        raise InvalidInput("Give the employee number to assign.", code="employee_required")
    assignee = find_employee(assignee_number.strip())
    if assignee is None:
        raise InvalidInput(f"No employee {assignee_number.strip()}.", code="unknown_employee")
    if not assignee.active:
        raise InvalidInput(f"Employee {assignee.number} is suspended.", code="employee_suspended")
    moved = db.session.execute(
        sa.update(Escalation)
        .where(Escalation.id == escalation_id, Escalation.status == EscalationStatus.OPEN)
        .values(assigned_to_id=assignee.id)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise _not_open(escalation_id)
    audit.record(
        "escalation.assigned", "escalation", escalation_id, actor=supervisor, to=assignee.number
    )
    db.session.commit()
    return get_escalation(escalation_id)


def clean_note(note: object) -> str:
    """A required resolution note: 1 to 500 characters after trimming."""
    return clean_reason(note, what="note", missing="Write how it was resolved.")


def resolve(escalation_id: int, supervisor: Employee, note: object) -> Escalation:
    """A supervisor closes an escalation with a note; it stays on record, the mention unmarked."""
    _require_supervisor(supervisor, "resolve")
    text = clean_note(note)
    now = utcnow()
    moved = db.session.execute(
        sa.update(Escalation)
        .where(Escalation.id == escalation_id, Escalation.status == EscalationStatus.OPEN)
        .values(
            status=EscalationStatus.RESOLVED,
            resolved_by_id=supervisor.id,
            resolved_at=now,
            resolution=text,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise _not_open(escalation_id)
    mention_id = db.session.scalar(
        sa.select(Escalation.mention_id).where(Escalation.id == escalation_id)
    )
    db.session.execute(
        sa.update(Mention)
        .where(Mention.id == mention_id)
        .values(escalated_at=None)
        .execution_options(synchronize_session=False)
    )
    audit.record("escalation.resolved", "escalation", escalation_id, actor=supervisor, note=text)
    db.session.commit()
    return get_escalation(escalation_id)
