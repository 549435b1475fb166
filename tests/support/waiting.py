"""The suite's one way to wait for something to become true."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class WaitTimeout(AssertionError):
    """What wait_for raises when its time is up (a test failure naming what it waited for)."""


def wait_for(what: str, seconds: float, probe: Callable[[], Any], interval: float = 0.1) -> Any:
    """The first truthy result of probe(), retried every `interval` s; WaitTimeout naming
    `what` once `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise WaitTimeout(f"timed out after {seconds:g} s waiting for {what}")
        time.sleep(interval)
