"""The history of a chaos run: every operation and fault as a timed record, kept as JSON lines."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Record:
    """One entry: when (seconds since the run began), what, with what, and how it ended."""

    t: float
    type: str  # "op", "fault", "heal", "event" or "check"
    kind: str
    args: dict[str, Any] = field(default_factory=dict)
    result: Any = None
    error: str | None = None


class History:
    """An append-only list of records, written line by line to `path` as they happen."""

    def __init__(self, path: Path | None = None) -> None:
        self.records: list[Record] = []
        self.started = time.monotonic()
        self.path = path
        self._lock = threading.Lock()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("")

    def now(self) -> float:
        """Seconds since the run began (monotonic clock)."""
        return round(time.monotonic() - self.started, 4)

    def add(
        self,
        type: str,
        kind: str,
        args: dict[str, Any] | None = None,
        result: Any = None,
        error: str | None = None,
    ) -> Record:
        """Append one record (and its line in the file)."""
        record = Record(self.now(), type, kind, args or {}, result, error)
        with self._lock:
            self.records.append(record)
            if self.path is not None:
                with self.path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(asdict(record), ensure_ascii=False, default=str) + "\n")
        return record

    def of(self, type: str, kind: str | None = None) -> list[Record]:
        """The records of one type (and kind)."""
        return [r for r in self.records if r.type == type and (kind is None or r.kind == kind)]

    def excerpt(self, needle: str, limit: int = 20) -> list[str]:
        """Up to `limit` records mentioning `needle`, one JSON line each (for a failure report)."""
        lines = []
        for record in self.records:
            line = json.dumps(asdict(record), ensure_ascii=False, default=str)
            if needle in line:
                lines.append(line)
        return lines[:limit]

    @classmethod
    def load(cls, path: Path) -> History:
        """Read a history written by an earlier run."""
        history = cls()
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                history.records.append(Record(**json.loads(line)))
        return history
