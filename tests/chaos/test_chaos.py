"""The randomized fault checker run on a short fixed set of seeds (CI), or on the seeds given.

CHAOS_SEED=<n> replays one seed; CHAOS_SEEDS=<n,m,...> runs those; CHAOS_FAULTS=<k> sets the
faults per seed (default 12); CHAOS_RESULTS=<file> appends each run's figures as a JSON line
(benchmarks/chaos.py reads them); CHAOS_KEEP=<dir> keeps failing seeds' files.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from flask import Flask

from tests.chaos.runner import ChaosRun, Outcome
from tests.support.sandbox import RunningSandbox

pytestmark = pytest.mark.faults

# One seed per backend (12 faults each): a seed takes 30-100 s, and CI's whole run must stay
# under 15 minutes. Long runs: benchmarks/chaos.py (hundreds of seeds, 60 faults each), or
# CHAOS_SEEDS=101,202,303 here.
CI_SEEDS = {"postgresql": (101,), "sqlite": (303,)}


def _seeds() -> list[int]:
    if os.environ.get("CHAOS_SEED"):
        return [int(os.environ["CHAOS_SEED"])]
    if os.environ.get("CHAOS_SEEDS"):
        return [int(s) for s in os.environ["CHAOS_SEEDS"].split(",") if s.strip()]
    on_postgres = os.environ.get("TEST_DATABASE_URL", "").startswith("postgres")
    return list(CI_SEEDS["postgresql" if on_postgres else "sqlite"])


FAULTS = int(os.environ.get("CHAOS_FAULTS") or 12)


def replay_command(seed: int, environ: dict[str, str]) -> str:
    """The command line that runs this seed again on the same backend."""
    backend = ""
    if environ["DATABASE_URL"].startswith("postgres"):
        backend = f"TEST_DATABASE_URL={os.environ.get('TEST_DATABASE_URL', '')} "
    if os.environ.get("REDIS_URL"):
        backend += f"REDIS_URL={os.environ['REDIS_URL']} "
    return (
        f"{backend}CHAOS_SEED={seed} CHAOS_FAULTS={FAULTS} "
        f"{Path(sys.executable).name} -m pytest tests/chaos/test_chaos.py -x -q"
    )


def describe(outcome: Outcome, environ: dict[str, str]) -> str:
    """The failure message: the seed, how to replay it, the problems, the history excerpts."""
    from tests.chaos.history import History

    history = History.load(outcome.history_path)
    lines = [
        f"CHAOS_SEED={outcome.seed} broke an invariant: {outcome.report.summary()}",
        f"replay: {replay_command(outcome.seed, environ)}",
        f"history: {outcome.history_path}",
        *outcome.report.problems[:20],
    ]
    for problem in outcome.report.problems[:3]:
        ids = [w.strip(":,") for w in problem.split() if w.strip(":,").isdigit()]
        for needle in ids[:1]:
            lines += [f"history lines with {needle}:", *history.excerpt(needle, 8)]
    lines.append(outcome.logs[-6000:])
    return "\n".join(lines)


def keep(outcome: Outcome, tmp_path: Path) -> None:
    """Copy a failing seed's history and logs out of pytest's rotating tmp dirs when asked
    (CHAOS_KEEP=<dir>; a long run sets it, as pytest keeps only its last three sessions)."""
    where = os.environ.get("CHAOS_KEEP")
    if not where and os.environ.get("CHAOS_RESULTS"):
        where = str(Path(os.environ["CHAOS_RESULTS"]).parent / "helpdesk-chaos-kept")
    if not where:
        return
    target = Path(where) / f"seed-{outcome.seed}-{os.getpid()}"
    shutil.copytree(tmp_path, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.sock"))
    print(f"CHAOS_SEED={outcome.seed}: history and logs kept in {target}")


@pytest.mark.parametrize("seed", _seeds(), ids=lambda s: f"seed{s}")
def test_invariants_hold_under_random_faults(
    seed: int, app: Flask, x: RunningSandbox, environ: dict[str, str], tmp_path: Path
) -> None:
    """A seeded schedule of posts, claims, replies, approvals and faults leaves every mention
    stored once and exactly, every reply posted at most once and settled in the bound."""
    outcome = ChaosRun(app, x, environ, seed, FAULTS, tmp_path).run()
    results = os.environ.get("CHAOS_RESULTS")
    if results:
        with open(results, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(outcome.as_dict(), ensure_ascii=False) + "\n")
    print(f"CHAOS_SEED={seed}: {outcome.report.summary()} in {outcome.seconds:.0f} s")
    if not outcome.report.ok:
        keep(outcome, tmp_path)
    assert outcome.report.ok, describe(outcome, environ)
