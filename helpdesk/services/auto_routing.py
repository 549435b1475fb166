"""Auto routing: waiting mentions go to the least-loaded fitting agent online, and claims
come back from agents who went idle or offline."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from helpdesk.extensions import db
from helpdesk.models import Employee, Mention, MentionStatus, Role, RoutingMode
from helpdesk.models.types import utcnow
from helpdesk.services import audit, presence, routing

logger = logging.getLogger(__name__)

PAGE = 100  # waiting mentions read per (escalated, priority) stream and page


def route_waiting(now: datetime | None = None) -> dict[str, int]:
    """In auto mode: hand back idle agents' claims, then assign what waits; else nothing."""
    if routing.routing_mode() is not RoutingMode.AUTO:
        return {"handed_back": 0, "assigned": 0}
    handed_back = hand_back_idle(now)
    return {"handed_back": handed_back, "assigned": assign_waiting()}


@dataclass(frozen=True)
class _Agent:
    """An online agent as the pass reads them once (commits would expire the ORM rows)."""

    id: int
    number: str
    capacity: int
    profile: routing.Profile

    def order(self, load: int) -> tuple[int, int, str]:
        """Least loaded first, then by employee number."""
        return load, len(self.number), self.number


def assign_waiting() -> int:
    """Hand each waiting mention, most urgent first, to the least-loaded online agent (or
    trainee) with room who fits it; when nobody online fits it, to the least-loaded agent
    with room (never a trainee). Returns how many were assigned.

    A few queries whatever the desk's size: who is online, their profiles and their open
    claims, then pages of waiting mentions that someone with room may take. Each assignment
    is Next's conditional claim, which also re-checks the agent's capacity, so an agent
    pressing Next meanwhile never shares a mention with the desk's pick and nobody goes above
    capacity; a claim that fails just moves on. Each assignment is audited and committed.
    """
    employees = _online_agents()
    if not employees:
        return 0
    now = utcnow()
    loads = routing.open_claims_by_employee(now)
    profiles = routing.profiles(employees)
    agents = [_Agent(e.id, e.number, e.capacity, profiles[e.id]) for e in employees]
    room = {a.id: a for a in agents if loads.get(a.id, 0) < a.capacity}
    everyone = list(profiles.values())
    mode = routing.routing_mode()

    built: dict[int, sa.ColumnElement[bool]] = {}  # by how many have room (it only shrinks)

    def takeable() -> sa.ColumnElement[bool]:
        """SQL: someone with room fits it, or nobody online fits it and an agent has room."""
        if len(room) not in built:
            with_room = [a.profile for a in room.values()]
            clauses = [routing.anyone_fits(with_room)]
            if any(not p.strict for p in with_room):
                clauses.append(~routing.anyone_fits(everyone))
            built.clear()
            built[len(room)] = sa.or_(*clauses)
        return built[len(room)]

    assigned = 0
    for mention in routing.waiting(now, takeable, batch=PAGE, with_tags=True):
        if not room:
            break
        fitting = [a for a in agents if a.profile.admits(mention)]
        if fitting:
            pool = [a for a in fitting if a.id in room]
        else:
            pool = [a for a in room.values() if not a.profile.strict]
        if not pool:
            continue  # its fitting agents are full: it waits for them
        agent = min(pool, key=lambda a: a.order(loads.get(a.id, 0)))
        routing.lock_employee(agent.id)
        if routing.claim_first([mention], agent.id, now, cap=agent.capacity) is None:
            db.session.rollback()  # taken meanwhile, or the agent filled up by Next
            loads[agent.id] = routing.open_claims_by_employee(utcnow()).get(agent.id, 0)
        else:
            routing.record_assignment(mention.id, mode=mode, to=agent.number)
            db.session.commit()
            assigned += 1
            loads[agent.id] = loads.get(agent.id, 0) + 1
        if loads[agent.id] >= agent.capacity:
            room.pop(agent.id, None)
    return assigned


def hand_back_idle(now: datetime | None = None) -> int:
    """Release the live claims of agents whose last action is older than the idle limit
    (offline agents included); each hand-back is audited. Returns how many were released."""
    now = now or utcnow()
    idle_seconds = current_app.config["HELPDESK"].auto_idle_seconds
    holders = sorted(routing.open_claims_by_employee(now))
    last_actions = presence.last_actions(holders)
    released = 0
    for employee_id in holders:
        last_action = last_actions[employee_id]
        if last_action is not None and now.timestamp() - last_action < idle_seconds:
            continue
        employee = db.session.get(Employee, employee_id)
        if employee is None or employee.can(Role.SUPERVISOR):
            continue  # supervisors take work by hand; the desk does not manage their claims
        released += _release_all(employee, now, idle_seconds)
    return released


def _release_all(employee: Employee, now: datetime, idle_seconds: int) -> int:
    live = sa.and_(
        Mention.status == MentionStatus.OPEN,
        Mention.claimed_by_id == employee.id,
        Mention.claim_expires_at > now,
    )
    ids = list(db.session.scalars(sa.select(Mention.id).where(live).order_by(Mention.id)))
    if not ids:
        return 0
    result = db.session.execute(
        sa.update(Mention)
        .where(live, Mention.id.in_(ids))
        .values(claimed_by_id=None, claim_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    for mention_id in ids:
        audit.record(
            "mention.handed_back",
            "mention",
            mention_id,
            taken_from=employee.number,
            idle_minutes=idle_seconds // 60,
        )
    db.session.commit()
    return result.rowcount


def _online_agents() -> list[Employee]:
    online = presence.online_ids()
    if not online:
        return []
    return list(
        db.session.scalars(
            sa.select(Employee).where(
                Employee.id.in_(online),
                Employee.active.is_(True),
                Employee.role.in_([Role.AGENT, Role.TRAINEE]),
            )
        )
    )
