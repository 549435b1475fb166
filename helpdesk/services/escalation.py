"""Escalations: raised by hand or by the SLA sweep, queued for supervisors, assigned, resolved."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, selectinload

from helpdesk.extensions import db
from helpdesk.models import (
    Employee,
    Escalation,
    EscalationKind,
    EscalationStatus,
    Mention,
    MentionStatus,
    Priority,
    Reply,
    ReplyStatus,
    Role,
)
from helpdesk.models.types import UTCDateTime, utcnow
from helpdesk.services import audit, inbox, rule_cache
from helpdesk.services.employees import find_employee
from helpdesk.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from helpdesk.services.mentions import MAX_REASON, clean_reason, explain_refusal
from helpdesk.services.settlement import Settled, settle_escalations

logger = logging.getLogger(__name__)

LIST_FILTERS = ("open", "resolved", "all")
MAX_NOTE = MAX_REASON
MAX_LIST = 500
SLA_BREACH_REASON = "No first response within the SLA."


def sla_seconds(priority: Priority) -> int:
    """The time to first response allowed for a priority (its SLA target, else the settings)."""
    return rule_cache.sla_seconds(priority)


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
    """Raise an open mention to supervisors by hand; 409 when it is escalated already.

    Anyone may raise a flag, also on a mention someone else is working on (their claim
    stays). Whoever escalates the mention they hold hands it over: their claim is let go, so
    the supervisor, or whoever they assign, can take it.
    """
    text = clean_reason(reason)
    now = utcnow()
    mine = Mention.claimed_by_id == employee.id
    # Marking the mention first also takes its row lock on PostgreSQL.
    marked = db.session.execute(
        sa.update(Mention)
        .where(Mention.id == mention_id, Mention.status == MentionStatus.OPEN)
        .values(
            escalated_at=now,
            claimed_by_id=sa.case((mine, None), else_=Mention.claimed_by_id),
            claim_expires_at=sa.case((mine, None), else_=Mention.claim_expires_at),
        )
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
    high, normal = sla_seconds(Priority.HIGH), sla_seconds(Priority.NORMAL)
    return sa.or_(
        sa.and_(
            Mention.priority == Priority.HIGH,
            Mention.created_at < now - timedelta(seconds=high),
        ),
        sa.and_(
            Mention.priority != Priority.HIGH,
            Mention.created_at < now - timedelta(seconds=normal),
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
    settled = settle_finished()
    db.session.commit()
    if created:
        logger.info("escalated %d mentions past their SLA", len(created))
    return {"escalated": len(created), "settled": settled}


def settle_finished() -> int:
    """Settle open escalations whose mention was dealt with by a path that did not (older
    data, or a change made outside the services); the caller commits."""
    rows = db.session.execute(
        sa.select(Mention.id, Mention.status, Mention.closed_by_id, Mention.close_reason)
        .join(Escalation, Escalation.mention_id == Mention.id)
        .where(Escalation.status == EscalationStatus.OPEN, Mention.status != MentionStatus.OPEN)
        .limit(MAX_LIST)
    ).all()
    settled = 0
    for row in rows:
        if row.status is MentionStatus.ANSWERED_ELSEWHERE:
            settled += len(settle_escalations([row.id], Settled.ANSWERED_ELSEWHERE))
        elif row.status is MentionStatus.DISMISSED:
            how, detail = Settled.DISMISSED, row.close_reason or ""
            settled += len(settle_escalations([row.id], how, by=row.closed_by_id, detail=detail))
        else:
            posted = db.session.execute(
                sa.select(Reply.id, Reply.author_id, Reply.x_tweet_id).where(
                    Reply.mention_id == row.id, Reply.status == ReplyStatus.POSTED
                )
            ).first()
            if posted is not None:  # still on its way otherwise: it can fail yet
                detail = f"#{posted.id} (tweet {posted.x_tweet_id})"
                by = posted.author_id
                settled += len(settle_escalations([row.id], Settled.ANSWERED, by=by, detail=detail))
    return settled


def _queue_key(escalation: Escalation) -> tuple[datetime, int, datetime, int]:
    """Longest overdue first (high priority breaches sooner), then high first, then the
    customer's oldest mention (by their time, then tweet id)."""
    mention = escalation.mention
    high_first = 0 if mention.priority is Priority.HIGH else 1
    return (due_at(mention), high_first, mention.created_at, mention.tweet_id)


def _first_open(limit: int) -> sa.CompoundSelect:
    """Ids of the first `limit` open escalations of each priority in the queue's order: within
    one priority the due time is the customer's time plus one SLA, so ordering by (created_at,
    tweet_id) in SQL is the queue's order, and the queue's first `limit` are among these. The
    page then sorts at most limit x priorities rows, never every open escalation."""
    firsts = [
        sa.select(Escalation.id)
        .join(Mention, Mention.id == Escalation.mention_id)
        .where(Escalation.status == EscalationStatus.OPEN, Mention.priority == priority)
        .order_by(Mention.created_at, Mention.tweet_id)
        .limit(limit)
        .subquery()
        for priority in Priority
    ]
    return sa.union_all(*(sa.select(first.c.id) for first in firsts))


# What the queue reads of each mention (its order, its row, the claim): the other columns
# of 50 mentions a page are not loaded (they load on first use, as any expired attribute).
QUEUE_MENTION_COLUMNS = (
    Mention.tweet_id,
    Mention.author_x_id,
    Mention.text,
    Mention.created_at,
    Mention.status,
    Mention.priority,
    Mention.claimed_by_id,
)


def list_escalations(status: str = "open", *, limit: int = 200) -> list[Escalation]:
    """The queue: open ones by breach age and priority; resolved ones newest first."""
    if status not in LIST_FILTERS:
        raise InvalidInput(
            f"status must be one of {', '.join(LIST_FILTERS)}.", code="invalid_status"
        )
    if not 1 <= limit <= MAX_LIST:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIST}.", code="invalid_limit")
    query = sa.select(Escalation).options(
        joinedload(Escalation.mention).load_only(*QUEUE_MENTION_COLUMNS),
        selectinload(Escalation.raised_by),
        selectinload(Escalation.assigned_to),
        selectinload(Escalation.resolved_by),
    )
    found: list[Escalation] = []
    if status in ("open", "all"):
        rows = db.session.scalars(query.where(Escalation.id.in_(_first_open(limit))))
        found.extend(sorted(rows, key=_queue_key)[:limit])
    if status in ("resolved", "all") and len(found) < limit:
        resolved = (
            query.where(Escalation.status == EscalationStatus.RESOLVED)
            .order_by(Escalation.resolved_at.desc(), Escalation.id.desc())
            .limit(limit - len(found))
        )
        found.extend(db.session.scalars(resolved))
    return found


def latest_replies(escalations: list[Escalation]) -> dict[int, Reply]:
    """Each escalated mention's newest reply (on its way, posted, failed...), in one query."""
    mention_ids = [e.mention_id for e in escalations]
    if not mention_ids:
        return {}
    query = sa.select(Reply).where(Reply.mention_id.in_(mention_ids)).order_by(Reply.id)
    return {reply.mention_id: reply for reply in db.session.scalars(query)}


def claim_holders(escalations: list[Escalation], now: datetime) -> dict[int, str]:
    """Who holds a live claim on each escalated mention (mention id -> number), in one query."""
    mention_ids = [e.mention_id for e in escalations if e.mention.claimed_by_id]
    if not mention_ids:
        return {}
    rows = db.session.execute(
        sa.select(Mention.id, Employee.number)
        .join(Employee, Employee.id == Mention.claimed_by_id)
        .where(Mention.id.in_(mention_ids), Mention.claim_expires_at > now)
    )
    return {row.id: row.number for row in rows}


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
    """A supervisor gives an open escalation to an active employee, with the mention's claim.

    The assignee holds the claim at once (for the usual claim time), so they can answer and
    nobody else can start a reply meanwhile; a claim someone else held is taken over, and the
    audit log says from whom. A mention whose reply is already on its way keeps no claim.
    """
    _require_supervisor(supervisor, "assign")
    if not isinstance(assignee_number, str) or not assignee_number.strip():
        raise InvalidInput("Give the employee number to assign.", code="employee_required")
    assignee = find_employee(assignee_number.strip())
    if assignee is None:
        raise InvalidInput(f"No employee {assignee_number.strip()}.", code="unknown_employee")
    if not assignee.active:
        raise InvalidInput(f"Employee {assignee.number} is suspended.", code="employee_suspended")
    return _hand_over(escalation_id, supervisor, assignee)


def take(escalation_id: int, supervisor: Employee) -> Escalation:
    """A supervisor answers an escalation themselves: it is assigned to them, with the claim."""
    _require_supervisor(supervisor, "take")
    return _hand_over(escalation_id, supervisor, supervisor)


def _hand_over(escalation_id: int, supervisor: Employee, assignee: Employee) -> Escalation:
    """Assign the open escalation and give the assignee the claim on its open mention."""
    moved = db.session.execute(
        sa.update(Escalation)
        .where(Escalation.id == escalation_id, Escalation.status == EscalationStatus.OPEN)
        .values(assigned_to_id=assignee.id)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise _not_open(escalation_id)
    mention = get_escalation(escalation_id).mention
    now = utcnow()
    previous = mention.claim_holder(now)
    ttl = current_app.config["HELPDESK"].claim_ttl_seconds
    claimed = db.session.execute(
        sa.update(Mention)
        .where(Mention.id == mention.id, Mention.status == MentionStatus.OPEN)
        .values(claimed_by_id=assignee.id, claim_expires_at=now + timedelta(seconds=ttl))
        .execution_options(synchronize_session=False)
    )
    audit.record(
        "escalation.assigned", "escalation", escalation_id, actor=supervisor, to=assignee.number
    )
    if claimed.rowcount == 1:
        taken_from = previous.number if previous and previous.id != assignee.id else None
        audit.record(
            "mention.claimed",
            "mention",
            mention.id,
            actor=assignee,
            assigned_by=supervisor.number,
            taken_from=taken_from,
        )
    db.session.commit()
    db.session.expire_all()
    return get_escalation(escalation_id)


def clean_note(note: object) -> str:
    """A required resolution note: 1 to 500 characters after trimming."""
    return clean_reason(note, what="note", missing="Write how it was resolved.")


def resolve(
    escalation_id: int, supervisor: Employee, note: object, *, dismiss: object = False
) -> Escalation:
    """A supervisor closes an escalation with a note; it stays on record, the mention unmarked.

    With `dismiss`, the mention is closed without a reply too, the note as its reason (the
    supervisor decided nothing should be posted); otherwise it stays in the inbox as it is.
    """
    _require_supervisor(supervisor, "resolve")
    if not isinstance(dismiss, bool):
        raise InvalidInput("dismiss must be true or false.", code="invalid_dismiss")
    text = clean_note(note)
    if dismiss:
        raised = get_escalation(escalation_id)
        if raised.status is not EscalationStatus.OPEN:
            raise _not_open(escalation_id)
        inbox.dismiss(raised.mention_id, supervisor, text)  # settles it as dismissed
        return get_escalation(escalation_id)
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
