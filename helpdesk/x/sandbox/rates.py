"""The sandbox's rate-limit windows: 15-minute endpoint windows and the 24-hour post cap."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from helpdesk.x.sandbox.dms import DM_DAILY_KEY, DM_READ_KEYS, DM_SEND_KEY

if TYPE_CHECKING:
    from helpdesk.x.sandbox.state import Counters, SandboxSettings

POST_KEY = "POST /2/tweets"
DAILY_KEY = "POST /2/tweets (24 hours)"
DAY_SECONDS = 86_400


@dataclass
class RateWindow:
    start: float
    used: int = 0


class RateLimits:
    """The rate-limit half of SandboxState (a mixin: it shares the state's lock and clock)."""

    lock: threading.RLock
    settings: SandboxSettings
    counters: Counters
    windows: dict[str, RateWindow]
    now: Callable[[], float]

    def limit_for(self, key: str) -> int:
        if key == POST_KEY:
            return self.settings.post_limit
        if key in DM_READ_KEYS:
            return self.settings.dm_read_limit
        if key == DM_SEND_KEY:
            return self.settings.dm_send_limit
        return self.settings.rate_limit

    def _window(self, key: str, length: float) -> RateWindow:
        now = self.now()
        window = self.windows.get(key)
        if window is None or now >= window.start + length:
            window = self.windows[key] = RateWindow(start=now)
        return window

    def hit(self, key: str) -> bool:
        """Count one request against the endpoint's window; False when over the limit."""
        with self.lock:
            window = self._window(key, self.settings.rate_window_seconds)
            if window.used >= self.limit_for(key):
                self.counters.rate_limited += 1
                return False
            window.used += 1
            peak = self.counters.peak_used
            peak[key] = max(peak.get(key, 0), window.used)
            return True

    def _daily_allows(self) -> bool:
        window = self._window(DAILY_KEY, DAY_SECONDS)
        if window.used >= self.settings.daily_post_limit:
            self.counters.rate_limited += 1
            return False
        return True

    def _consume_daily(self) -> None:
        self._window(DAILY_KEY, DAY_SECONDS).used += 1

    def rate_headers(self, key: str, *, exhausted: bool = False) -> dict[str, str]:
        """The x-rate-limit-* headers (and 24-hour ones for posts) as X sends them."""
        with self.lock:
            window = self._window(key, self.settings.rate_window_seconds)
            limit = self.limit_for(key)
            remaining = 0 if exhausted else max(limit - window.used, 0)
            headers = {
                "x-rate-limit-limit": str(limit),
                "x-rate-limit-remaining": str(remaining),
                "x-rate-limit-reset": str(int(window.start + self.settings.rate_window_seconds)),
            }
            if key in (POST_KEY, DM_SEND_KEY):
                daily_key = DAILY_KEY if key == POST_KEY else DM_DAILY_KEY
                daily = self._window(daily_key, DAY_SECONDS)
                day_limit = (
                    self.settings.daily_post_limit
                    if key == POST_KEY
                    else self.settings.daily_dm_limit
                )
                for prefix in ("x-user-limit-24hour", "x-app-limit-24hour"):
                    headers[f"{prefix}-limit"] = str(day_limit)
                    headers[f"{prefix}-remaining"] = str(max(day_limit - daily.used, 0))
                    headers[f"{prefix}-reset"] = str(int(daily.start + DAY_SECONDS))
            return headers
