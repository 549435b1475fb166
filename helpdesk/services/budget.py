"""The posting budget: X's post limits, read from its headers and kept in Redis for every worker."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app

from helpdesk.models.types import iso_utc
from helpdesk.x.models import RateLimit

KEY = "helpdesk:x:post-budget"

# Take one post from the budget if any is left; a window whose reset has passed is open again.
_RESERVE = """
local reset = tonumber(redis.call('HGET', KEYS[1], 'reset') or '0')
local remaining = tonumber(redis.call('HGET', KEYS[1], 'remaining') or '-1')
-- X's reset is a whole second, rounded down: reopen one second after it.
if remaining < 0 or reset + 1 <= tonumber(ARGV[1]) then return {1, 0} end
if remaining == 0 then return {0, reset + 1} end
redis.call('HINCRBY', KEYS[1], 'remaining', -1)
return {1, 0}
"""


@dataclass(frozen=True)
class Budget:
    """What is known of the posting budget: posts left and when the window resets."""

    remaining: int | None
    reset_at: datetime | None
    limit: int | None

    def as_dict(self) -> dict[str, object]:
        """JSON shape for supervisors and health."""
        return {
            "remaining": self.remaining,
            "limit": self.limit,
            "reset_at": iso_utc(self.reset_at),
        }


def _redis():  # type: ignore[no-untyped-def]
    return current_app.extensions["redis"]


def reserve() -> datetime | None:
    """Take one post from the budget; None when granted, else the time the budget resets."""
    granted, reset = _redis().eval(_RESERVE, 1, KEY, int(time.time()))
    return None if granted else datetime.fromtimestamp(int(reset), UTC)


def record(rate: RateLimit | None) -> None:
    """Store what X's headers said (they are the truth), keeping the tighter of the windows."""
    if rate is None or rate.remaining is None or rate.reset_at is None:
        return
    remaining, reset = rate.remaining, rate.reset_at
    if rate.day_remaining is not None and rate.day_reset_at and rate.day_remaining <= remaining:
        remaining, reset = rate.day_remaining, rate.day_reset_at
    mapping = {"remaining": remaining, "reset": int(reset.timestamp())}
    if rate.limit is not None:
        mapping["limit"] = rate.limit
    _redis().hset(KEY, mapping=mapping)


def exhausted_until(reset_at: datetime | None) -> None:
    """A 429: nothing left until `reset_at` (a minute from now when X gave no reset)."""
    reset = int(reset_at.timestamp()) if reset_at else int(time.time()) + 60
    _redis().hset(KEY, mapping={"remaining": 0, "reset": reset})


def current() -> Budget:
    """The budget as last seen."""
    raw = {k.decode(): v.decode() for k, v in _redis().hgetall(KEY).items()}
    reset = int(raw["reset"]) if raw.get("reset") else None
    if reset is not None and reset + 1 <= time.time():
        return Budget(remaining=None, reset_at=None, limit=_int(raw.get("limit")))
    return Budget(
        remaining=_int(raw.get("remaining")),
        reset_at=datetime.fromtimestamp(reset, UTC) if reset else None,
        limit=_int(raw.get("limit")),
    )


def _int(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None
