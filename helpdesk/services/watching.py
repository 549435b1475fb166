"""Who is viewing a mention, and who is typing a reply to it (collision), kept in Redis.

Each open mention page says "viewing" every few seconds and "typing" while its reply box is
being written in; each entry carries its own expiry, so a closed laptop drops out by itself.
One counter (VERSION_KEY) moves only when the set of viewers or typists changes (someone
arrives, starts or stops typing, leaves, or expires), never on a mere heartbeat: the pages
poll with that counter as their ETag and almost every poll is a 304 that costs Redis one GET.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

from flask import current_app

VERSION_KEY = "helpdesk:watch:version"
VIEW_SECONDS = 12  # a page says "viewing" every 3 s: four missed beats and it is gone
TYPE_SECONDS = 10  # a page re-says "typing" every 3 s of typing, and "viewing" after 3 s idle
# Heartbeats extend an entry without moving the version, so the ETag also turns over every
# BUCKET_SECONDS: a page's cached answer is never older than that, well inside the expiries.
BUCKET_SECONDS = 4
KEY_SECONDS = 60  # a mention nobody looks at costs no memory after this
MAX_IDS = 50  # one poll asks for at most one inbox page (25) with room to spare


class WatchState(StrEnum):
    """What a mention page reports."""

    VIEWING = "viewing"
    TYPING = "typing"
    GONE = "gone"


@dataclass(frozen=True)
class Watcher:
    """One employee on a mention's page, until an epoch second unless they report again."""

    number: str
    until: float

    def as_dict(self) -> dict[str, object]:
        return {"number": self.number, "until": round(self.until, 1)}


def _keys(mention_id: int) -> tuple[str, str]:
    return f"helpdesk:watch:{mention_id}:view", f"helpdesk:watch:{mention_id}:type"


def note(mention_id: int, number: str, state: WatchState, *, at: float | None = None) -> bool:
    """Record what `number` does on the mention's page; True when the picture changed (the
    version moved). One pipeline: expire the stale, add or drop this employee, then count."""
    now = time.time() if at is None else at
    view, typing = _keys(mention_id)
    redis = current_app.extensions["redis"]
    pipe = redis.pipeline(transaction=False)
    pipe.zremrangebyscore(view, "-inf", now)
    pipe.zremrangebyscore(typing, "-inf", now)
    if state is WatchState.GONE:
        pipe.zrem(view, number)
        pipe.zrem(typing, number)
    else:
        pipe.zadd(view, {number: now + VIEW_SECONDS})
        if state is WatchState.TYPING:
            pipe.zadd(typing, {number: now + TYPE_SECONDS})
        else:
            pipe.zrem(typing, number)
    pipe.expire(view, KEY_SECONDS)
    pipe.expire(typing, KEY_SECONDS)
    # Counts: removed as stale (2), added or removed for this employee (2); zadd of a member
    # already there (a heartbeat) counts 0.
    changed = any(pipe.execute()[:4])
    if changed:
        redis.incr(VERSION_KEY)
    return changed


def etag(*, at: float | None = None) -> str:
    """What the pages' polls send back as If-None-Match: the version and the time bucket
    (one GET)."""
    now = time.time() if at is None else at
    version = int(current_app.extensions["redis"].get(VERSION_KEY) or 0)
    return f"{version}.{int(now // BUCKET_SECONDS)}"


def who(mention_ids: list[int], *, at: float | None = None) -> dict[int, dict[str, list[Watcher]]]:
    """Who views and who types on each mention now: one pipeline, two reads per mention."""
    now = time.time() if at is None else at
    pipe = current_app.extensions["redis"].pipeline(transaction=False)
    for mention_id in mention_ids:
        for key in _keys(mention_id):
            pipe.zrangebyscore(key, now, "+inf", withscores=True)
    answers = pipe.execute()
    seen: dict[int, dict[str, list[Watcher]]] = {}
    for n, mention_id in enumerate(mention_ids):
        viewing, typing = answers[2 * n], answers[2 * n + 1]
        seen[mention_id] = {
            "viewing": [Watcher(_text(m), s) for m, s in viewing],
            "typing": [Watcher(_text(m), s) for m, s in typing],
        }
    return seen


def _text(member: bytes | str) -> str:
    return member.decode() if isinstance(member, bytes) else member
