"""Faults a test arms in the sandbox: the next matching requests stall, fail or answer garbage."""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from helpdesk.x.sandbox.state import Counters


@dataclass
class Fault:
    """The next `remaining` requests matching path/method stall and/or fail."""

    id: int
    status: int | None
    remaining: int
    path: str | None = None
    method: str | None = None
    latency_ms: int = 0
    after_commit: bool = False
    body: str | None = None  # served verbatim (with `status`, 200 by default): a malformed answer

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        if self.path is None:
            return True
        if "*" in self.path:
            return fnmatch.fnmatchcase(path, self.path)
        return path == self.path


class Faults:
    """The fault half of SandboxState (a mixin: it shares the state's lock and counters)."""

    lock: threading.RLock
    counters: Counters
    faults: list[Fault]
    _fault_seq: int

    def add_fault(self, fault: Fault) -> Fault:
        with self.lock:
            self._fault_seq += 1
            fault.id = self._fault_seq
            self.faults.append(fault)
            return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def take_fault(self, method: str, path: str) -> Fault | None:
        """Consume one firing of the first pending fault matching this request."""
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.faults.remove(fault)
                    self.counters.faults_fired += 1
                    return replace(fault)
            return None
