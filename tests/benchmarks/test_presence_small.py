"""benchmarks/presence.py at CI size: a few agents for a few seconds, both ways of delivery."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_presence_benchmark_runs_both_modes_and_changes_arrive():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    env.pop("REDIS_URL", None)  # its own embedded Redis: the run flushes its database
    # 10 s: a typing change must reach the others while CI loads both cores (6 s missed once)
    argv = [sys.executable, "benchmarks/presence.py", "--agents", "10", "--seconds", "10"]
    argv += ["--unit-requests", "40"]
    done = subprocess.run(
        [*argv, "--json"], capture_output=True, text=True, timeout=600, env=env, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = {r["mode"]: r for r in map(json.loads, done.stdout.strip().splitlines())}
    assert set(results) == {"poll", "sse"}
    for result in results.values():
        assert result["first_refusal"] == "", result
        assert result["statuses"].get(204, result["statuses"].get("204", 0)) > 0  # heartbeats
        assert result["changes_seen"] > 0, result  # a colleague's typing reached the others
    units = results["poll"]["unit_costs"]
    assert units["poll_304"]["statuses"].get("304", 0) > 0
    assert units["poll_304"]["redis_commands"] < units["poll_200"]["redis_commands"]
    assert results["sse"]["sse_events"] > 0
