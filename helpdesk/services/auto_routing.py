"""Auto routing: waiting mentions go to the least-loaded fitting agent online, and claims
come back from agents who went idle or offline."""

from __future__ import annotations

import heapq
import logging
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from helpdesk.extensions import db
from helpdesk.models import Employee, Mention, MentionStatus, Role, RoutingMode
from helpdesk.models.types import utcnow
from helpdesk.services import audit, presence, routing
from helpdesk.services.errors import ServiceError

logger = logging.getLogger(__name__)


def route_waiting(now: datetime | None = None) -> dict[str, int]:
    """In auto mode: hand back idle agents' claims, then assign what waits; else nothing."""
    if routing.routing_mode() is not RoutingMode.AUTO:
        return {"handed_back": 0, "assigned": 0}
    handed_back = hand_back_idle(now)
    return {"handed_back": handed_back, "assigned": assign_waiting()}


def assign_waiting() -> int:
    """Give each online agent (and trainee) the most urgent mention that fits them, least
    loaded first, one at a time, until nobody online has room or nothing fits anyone.

    Each assignment is Next's own conditional claim, so an agent pressing Next meanwhile
    never shares a mention with the desk's pick; never above anyone's capacity.
    """
    agents = _online_agents()
    loads = routing.open_claims_by_employee()
    ready = [
        (loads.get(a.id, 0), len(a.number), a.number, a.id)
        for a in agents
        if loads.get(a.id, 0) < a.capacity
    ]
    heapq.heapify(ready)
    by_id = {a.id: a for a in agents}
    assigned = 0
    while ready:
        load, *order, employee_id = heapq.heappop(ready)
        agent = by_id[employee_id]
        try:
            mention = routing.next_for(agent, by="auto")
        except ServiceError as exc:  # at capacity through their own Next meanwhile
            db.session.rollback()
            logger.info("auto routing skipped %s: %s", agent.number, exc.code)
            continue
        if mention is None:
            continue  # nothing waiting fits them: they leave the round
        assigned += 1
        if load + 1 < agent.capacity:
            heapq.heappush(ready, (load + 1, *order, employee_id))
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
