"""The posting budget: X's post limits, read from its headers and kept in Redis for every worker."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app

from helpdesk.models.types import iso_utc
from helpdesk.x.models import RateLimit

KEY = "helpdesk:x:post-budget"

# Take one post from the budget. Every grant is counted against a window, so several
# workers never post more than X allows: before X's first answer (counted as `pending`) and
# when a window has passed (a new one is opened at once, its real reset set by X's answer).
# KEYS[1] the budget; ARGV[1] now (whole seconds), ARGV[2] the window length to assume.
_RESERVE = """
local now = tonumber(ARGV[1])
local reset = tonumber(redis.call('HGET', KEYS[1], 'reset') or '0')
local remaining = tonumber(redis.call('HGET', KEYS[1], 'remaining') or '-1')
local limit = tonumber(redis.call('HGET', KEYS[1], 'limit') or '-1')
if remaining < 0 then
  redis.call('HINCRBY', KEYS[1], 'pending', 1)
  return {1, 0}
end
-- X's reset is a whole second, rounded down: a post sent in that last second may land in
-- X's next window, so nothing is sent then, and the next window opens one second after it.
if reset + 1 <= now then
  if limit < 1 then return {1, 0} end
  local length = tonumber(redis.call('HGET', KEYS[1], 'length') or ARGV[2])
  redis.call('HSET', KEYS[1], 'remaining', limit - 1, 'reset', now + length,
             'provisional', 1, 'opened', now)
  return {1, 0}
end
if remaining == 0 or reset <= now then return {0, reset + 1} end
redis.call('HINCRBY', KEYS[1], 'remaining', -1)
return {1, 0}
"""

# Store what X's headers said without forgetting posts granted but not yet answered: in
# the same window the lower count wins; an answer from a window already over is ignored.
# ARGV: remaining, reset, limit ('' when unknown).
_RECORD = """
local x_remaining, x_reset = tonumber(ARGV[1]), tonumber(ARGV[2])
local reset = tonumber(redis.call('HGET', KEYS[1], 'reset') or '0')
local remaining = tonumber(redis.call('HGET', KEYS[1], 'remaining') or '-1')
local provisional = redis.call('HGET', KEYS[1], 'provisional') == '1'
local opened = tonumber(redis.call('HGET', KEYS[1], 'opened') or '0')
if provisional and x_reset + 1 <= opened then return 0 end
if remaining < 0 then
  local pending = tonumber(redis.call('HGET', KEYS[1], 'pending') or '1')
  x_remaining = math.max(x_remaining - math.max(pending - 1, 0), 0)
elseif provisional or reset == x_reset then
  x_remaining = math.min(x_remaining, remaining)
end
if provisional and x_reset > opened then
  redis.call('HSET', KEYS[1], 'length', x_reset - opened + 1)
end
redis.call('HSET', KEYS[1], 'remaining', x_remaining, 'reset', x_reset, 'provisional', 0)
redis.call('HDEL', KEYS[1], 'pending')
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'limit', ARGV[3]) end
return 1
"""
DEFAULT_WINDOW_SECONDS = 900  # X's 15-minute window, until a window's length has been seen


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


def _redis():
    return current_app.extensions["redis"]


def reserve() -> datetime | None:
    """Take one post from the budget; None when granted, else the time the budget resets."""
    granted, reset = _redis().eval(_RESERVE, 1, KEY, int(time.time()), DEFAULT_WINDOW_SECONDS)
    return None if granted else datetime.fromtimestamp(int(reset), UTC)


def record(rate: RateLimit | None) -> None:
    """Store what X's headers said (they are the truth), keeping the tighter of the windows."""
    if rate is None or rate.remaining is None or rate.reset_at is None:
        return
    remaining, reset = rate.remaining, rate.reset_at
    if rate.day_remaining is not None and rate.day_reset_at and rate.day_remaining <= remaining:
        remaining, reset = rate.day_remaining, rate.day_reset_at
    limit = "" if rate.limit is None else rate.limit
    _redis().eval(_RECORD, 1, KEY, remaining, int(reset.timestamp()), limit)


def exhausted_until(reset_at: datetime | None) -> None:
    """A 429: nothing left until `reset_at` (a minute from now when X gave no reset)."""
    reset = int(reset_at.timestamp()) if reset_at else int(time.time()) + 60
    _redis().hset(KEY, mapping={"remaining": 0, "reset": reset, "provisional": 0})


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
