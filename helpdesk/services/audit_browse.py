"""Browsing the audit log: newest first, filtered by employee, action and day, keyset pages."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import AuditEvent
from helpdesk.services import periods
from helpdesk.services.errors import InvalidInput

PAGE_SIZE = 50
_NUMBER = re.compile(r"\d{4,6}")
_ACTION = re.compile(r"[a-z_]+(\.[a-z_]+)*")


@dataclass(frozen=True)
class AuditFilter:
    """What a supervisor asked for: an employee number, an action, a day in the desk's zone."""

    number: str = ""
    action: str = ""
    day: str = ""


@dataclass(frozen=True)
class AuditPage:
    """One keyset page of audit events, newest first."""

    items: list[AuditEvent]
    next_cursor: str | None


def list_events(
    wanted: AuditFilter, tz: str, *, cursor: str | None = None, limit: int = PAGE_SIZE
) -> AuditPage:
    """A page of events matching every given filter, older than `cursor` (an event id)."""
    query = sa.select(AuditEvent)
    if wanted.number:
        if not _NUMBER.fullmatch(wanted.number):
            raise InvalidInput("An employee number is 4 to 6 digits.", code="invalid_number")
        query = query.where(AuditEvent.actor_number == wanted.number)
    if wanted.action:
        if len(wanted.action) > 64 or not _ACTION.fullmatch(wanted.action):
            raise InvalidInput("An action looks like mention.claimed.", code="invalid_action")
        query = query.where(AuditEvent.action == wanted.action)
    if wanted.day:
        try:
            day = periods.parse_day(wanted.day, tz)
        except InvalidInput:
            raise InvalidInput("day must be a date like 2026-01-31.", code="invalid_day") from None
        query = query.where(AuditEvent.at >= day.start, AuditEvent.at < day.end)
    if cursor:
        if not cursor.isdigit() or len(cursor) > 18:
            raise InvalidInput("cursor must be a value the page gave.", code="invalid_cursor")
        query = query.where(AuditEvent.id < int(cursor))
    rows = list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    items = rows[:limit]
    return AuditPage(items=items, next_cursor=str(items[-1].id) if more and items else None)
