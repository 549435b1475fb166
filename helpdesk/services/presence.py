"""Presence: online, away or offline from each employee's last request, kept cheaply in Redis."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

from flask import current_app

ACTIVE_KEY = "helpdesk:presence:active"  # sorted set: employee id -> last action (epoch s)
SEEN_KEY = "helpdesk:presence:seen"  # sorted set: employee id -> last request of any kind
ONLINE_SECONDS = 300  # acted within 5 minutes: online
AWAY_SECONDS = 900  # a page still open (polling) or acted within 15 minutes: away
WRITE_EVERY_SECONDS = 15.0  # each process writes an employee's time at most this often


class PresenceState(StrEnum):
    """What supervisors see beside each employee."""

    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


@dataclass(frozen=True)
class Seen:
    """An employee's last action and last request of any kind (epoch seconds), if known."""

    active: float | None
    seen: float | None

    def state(self, now: float) -> PresenceState:
        """Online if they acted lately; away if a page of theirs is still open or was lately."""
        if self.active is not None and now - self.active < ONLINE_SECONDS:
            return PresenceState.ONLINE
        latest = max(self.active or 0.0, self.seen or 0.0)
        if latest and now - latest < AWAY_SECONDS:
            return PresenceState.AWAY
        return PresenceState.OFFLINE


def touch(employee_id: int, *, active: bool, at: float | None = None) -> None:
    """Note a request by the employee (`active` unless it was a page's background poll).

    Each process remembers what it wrote and skips a write less than WRITE_EVERY_SECONDS
    after the last one, so a busy agent costs Redis one write per quarter minute, not one
    per request.
    """
    now = time.time() if at is None else at
    written: dict[tuple[int, bool], float] = current_app.extensions.setdefault(
        "presence_written", {}
    )
    kinds = (True, False) if active else (False,)
    keys = [
        ACTIVE_KEY if kind else SEEN_KEY
        for kind in kinds
        if _due(written, employee_id, kind, now, at)
    ]
    if not keys:
        return
    pipe = current_app.extensions["redis"].pipeline(transaction=False)
    for key in keys:
        pipe.zadd(key, {str(employee_id): now})
    pipe.execute()


def _due(written: dict, employee_id: int, kind: bool, now: float, forced: float | None) -> bool:
    last = written.get((employee_id, kind))
    if forced is None and last is not None and now - last < WRITE_EVERY_SECONDS:
        return False
    written[(employee_id, kind)] = now
    return True


def seen_all() -> dict[int, Seen]:
    """Every employee seen within AWAY_SECONDS: two range reads, whatever the desk's size."""
    since = time.time() - AWAY_SECONDS
    pipe = current_app.extensions["redis"].pipeline(transaction=False)
    pipe.zrangebyscore(ACTIVE_KEY, since, "+inf", withscores=True)
    pipe.zrangebyscore(SEEN_KEY, since, "+inf", withscores=True)
    active, seen = pipe.execute()
    active_at = {int(member): score for member, score in active}
    seen_at = {int(member): score for member, score in seen}
    return {
        employee_id: Seen(active_at.get(employee_id), seen_at.get(employee_id))
        for employee_id in active_at.keys() | seen_at.keys()
    }


def states(employee_ids: list[int] | None = None) -> dict[int, PresenceState]:
    """Each employee's state now (those never seen lately are offline)."""
    now = time.time()
    seen = seen_all()
    ids = seen.keys() if employee_ids is None else employee_ids
    return {
        employee_id: seen[employee_id].state(now) if employee_id in seen else PresenceState.OFFLINE
        for employee_id in ids
    }


def last_actions(employee_ids: list[int]) -> dict[int, float | None]:
    """Each employee's last action (epoch seconds), however long ago; None if never seen."""
    pipe = current_app.extensions["redis"].pipeline(transaction=False)
    for employee_id in employee_ids:
        pipe.zscore(ACTIVE_KEY, str(employee_id))
    return dict(zip(employee_ids, pipe.execute(), strict=True))


def online_ids() -> set[int]:
    """The employees online now."""
    return {i for i, state in states().items() if state is PresenceState.ONLINE}


def forget(employee_id: int) -> None:
    """Mark the employee offline at once (on sign-out)."""
    current_app.extensions.get("presence_written", {}).pop((employee_id, True), None)
    current_app.extensions.get("presence_written", {}).pop((employee_id, False), None)
    pipe = current_app.extensions["redis"].pipeline(transaction=False)
    pipe.zrem(ACTIVE_KEY, str(employee_id))
    pipe.zrem(SEEN_KEY, str(employee_id))
    pipe.execute()
