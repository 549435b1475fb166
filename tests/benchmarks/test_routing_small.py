"""benchmarks/routing.py at CI size: a day of 40 mentions against 6 simulated agents, in
both modes (agents press Next; the desk's auto pass hands the work out)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.backends import scratch_database

ROOT = Path(__file__).resolve().parent.parent.parent
SIMULATOR = ROOT / "benchmarks" / "routing.py"


@pytest.mark.parametrize("mode", ["next", "auto"])
def test_the_simulated_day_is_fair_and_within_capacity(
    tmp_path: Path, redis_url: str, mode: str
) -> None:
    """Every claim matches the rule (the oldest mention the agent may take goes first), no
    agent ever holds more than its capacity, a fitting agent takes every mention one was
    online for, and no fitting agent stays idle while a mention waits."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    env["REDIS_URL"] = redis_url
    out = tmp_path / "routing.json"
    with scratch_database(tmp_path, f"routing_{mode}") as url:
        argv = [sys.executable, str(SIMULATOR), "--agents", "6", "--mentions", "40"]
        argv += ["--mode", mode, "--database-url", url, "--json", str(out)]
        run = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    (result,) = json.loads(out.read_text())
    assert result["mode"] == mode and result["claimed"] == 40
    assert result["fairness_violations"] == 0, result["fairness_examples"]
    assert result["claims_above_capacity"] == 0 and result["max_claims_over_capacity"] <= 1
    assert result["claimed_by_fitting_agent_where_one_was_online"] == 1.0
    assert result["events_with_idle_fitting_agent_and_waiting_mention"] == 0
    assert set(result["time_to_first_claim_s"]) <= {"escalated", "high", "normal"}
