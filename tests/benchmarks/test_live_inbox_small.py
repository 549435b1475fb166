"""benchmarks/live_inbox.py at CI size: a few agents for a few seconds, quiet and busy desks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_live_inbox_benchmark_quiet_polls_are_304_and_busy_ones_bring_rows():
    """A quiet desk answers mostly 304 with no SQL beyond the login; a busy one sends rows."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    env.pop("REDIS_URL", None)  # its own embedded Redis: the run flushes its database
    argv = [sys.executable, "benchmarks/live_inbox.py", "--agents", "5", "--seconds", "3"]
    argv += ["--poll-seconds", "0.5", "--json"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    results = {r["desk"]: r for r in map(json.loads, done.stdout.strip().splitlines())}
    assert set(results) == {"quiet", "busy"}
    quiet, busy = results["quiet"], results["busy"]
    assert quiet["errors"] == busy["errors"] == 0
    assert set(quiet["statuses"]) <= {"200", "304"} and set(busy["statuses"]) <= {"200", "304"}
    assert quiet["statuses"].get("304", 0) > 0, quiet  # nothing changed: not sent again
    assert busy["desk_actions"] > 0, busy
    assert busy["statuses"].get("200", 0) > 5, busy  # beyond each agent's first: changes came
    assert quiet["sql_per_poll"]["poll_304"] < quiet["sql_per_poll"]["poll_200"]
    assert quiet["sql_per_poll"]["poll_304"] <= 1  # the signed-in employee, nothing else
