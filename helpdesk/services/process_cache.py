"""Small desk-wide tables that pages read on every request, cached per process.

The badges, the tag list and the canned replies change a few times a day, yet a page read
each of them per request (the badges: every row of every employee). Each process keeps what
it read under a token kept in Redis, one per name; a change writes a new token after its
commit (`changed`), so every gunicorn and RQ worker reads again on its next request. The
tokens are read once per request or job (one Redis round trip, however many names), and a
process reads again at least every MAX_AGE seconds even if a token write was lost. Cache
only what a page shows: a write path reads the database itself.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import redis
from flask import current_app, g, has_app_context

TOKENS_KEY = "helpdesk:process-cache:tokens"  # Redis hash: name -> token
MAX_AGE = 60.0  # seconds
_STORE = "process_cache"  # app.extensions key: name -> _Entry
_TOKENS = "_helpdesk_cache_tokens"  # g: the tokens read this request

T = TypeVar("T")
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Entry:
    token: str | None
    loaded_at: float
    value: Any


def cached(name: str, load: Callable[[], T]) -> T:
    """`load()` as this process last read it, unless `name` changed since or it is too old."""
    if not has_app_context():
        return load()
    tokens = _tokens()
    # Tokens that could not be read match nothing: read the table (and every request again).
    token = tokens.get(name) if tokens is not None else uuid.uuid4().hex
    store: dict[str, _Entry] = current_app.extensions.setdefault(_STORE, {})
    entry = store.get(name)
    now = time.monotonic()
    if entry is not None and entry.token == token and now - entry.loaded_at < MAX_AGE:
        return entry.value
    value = load()
    store[name] = _Entry(token, now, value)
    return value


def changed(*names: str) -> None:
    """After the commit of a change: new tokens, so every process reads these names again."""
    try:
        current_app.extensions["redis"].hset(
            TOKENS_KEY, mapping={name: uuid.uuid4().hex for name in names}
        )
    except redis.RedisError as exc:  # the change is committed: other copies age out instead
        logger.warning(
            "cache tokens not renewed (other processes catch up in %d s): %s", MAX_AGE, exc
        )
    g.pop(_TOKENS, None)  # this request's own later reads see the change too
    for name in names:
        current_app.extensions.get(_STORE, {}).pop(name, None)


def forget() -> None:
    """Drop everything this process cached (tests, after emptying the tables)."""
    current_app.extensions.pop(_STORE, None)
    g.pop(_TOKENS, None)


def _tokens() -> dict[str, str] | None:
    """The tokens in Redis, read once per request or job; None when Redis cannot be read."""
    if _TOKENS in g:
        return g.get(_TOKENS)
    try:
        raw = current_app.extensions["redis"].hgetall(TOKENS_KEY)
        tokens: dict[str, str] | None = {_text(k): _text(v) for k, v in raw.items()}
    except redis.RedisError as exc:
        logger.warning("cache tokens unreadable, reading the tables: %s", exc)
        tokens = None
    setattr(g, _TOKENS, tokens)
    return tokens


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
