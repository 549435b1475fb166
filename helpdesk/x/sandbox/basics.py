"""What every part of the X sandbox shares: the id clock, paging bounds, errors X sends."""

from __future__ import annotations

from dataclasses import dataclass

EPOCH_MS = 1288834974657  # X's snowflake epoch (2010-11-04)
INVALID_REQUEST = "https://api.twitter.com/2/problems/invalid-request"


class SandboxError(Exception):
    """A control request the sandbox cannot carry out (answered as a 400)."""


@dataclass(frozen=True)
class Query:
    """Bounds of a timeline read; every id bound is exclusive, start_ms inclusive."""

    max_results: int
    since_id: int | None = None
    until_id: int | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    cursor: int | None = None  # from a pagination token: serve ids below it


@dataclass
class Page:
    ids: list[int]
    has_more: bool


def id_floor(ms: int) -> int:
    """Return the smallest snowflake id created at or after epoch millisecond `ms`."""
    return max(ms - EPOCH_MS, 0) << 22


def too_many_requests() -> dict[str, object]:
    return {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }
