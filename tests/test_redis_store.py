"""Redis set-up: the eviction policy that keeps queued jobs is checked at start-up."""

from __future__ import annotations

from helpdesk.redis_store import check_eviction_policy


def test_an_evicting_redis_is_reported(app):
    """A Redis that may evict keys yields a warning naming the policy; noeviction yields none."""
    conn = app.extensions["redis"]
    before = conn.config_get("maxmemory-policy")["maxmemory-policy"]
    try:
        conn.config_set("maxmemory-policy", "allkeys-lru")
        warning = check_eviction_policy(conn)
        assert warning is not None and "allkeys-lru" in warning
        conn.config_set("maxmemory-policy", "noeviction")
        assert check_eviction_policy(conn) is None
    finally:
        conn.config_set("maxmemory-policy", before)
