"""A small run of benchmarks/rollups.py, so it keeps working: outcomes, never timings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.backends import scratch_database

ROOT = Path(__file__).resolve().parents[2]


def test_old_path_and_rollups_agree_on_a_seeded_desk(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Seeded 2,000 mentions, a fifth turned into DMs and some moved to DM: coverage by the old
    path, the buckets alone and the day level agrees, also by channel and on the moves (the
    script stops otherwise), the table and the reply path's figures are printed."""
    with scratch_database(tmp_path_factory.mktemp("rollups"), "rollups") as url:
        argv = [sys.executable, str(ROOT / "benchmarks" / "rollups.py"), "--mentions", "2000"]
        argv += ["--repeat", "1", "--replies", "20"]
        if url.startswith("postgresql"):  # SQLite's roll-ups: tests/services/test_rollups.py
            argv += ["--postgres", url, "--no-sqlite"]
        else:
            argv += ["--sqlite", url.removeprefix("sqlite:///")]
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        done = subprocess.run(  # noqa: S603 - our interpreter, our script
            argv, capture_output=True, text=True, timeout=400, env=env, cwd=ROOT, check=False
        )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "| buckets only ms | day level ms |" in done.stdout
    for row in ("| 1 year |", "| 1 year, UTC desk |", "| 30 days |", "| 30 days, unaligned end |"):
        assert row in done.stdout
    assert "rollup_day_employee_bins" in done.stdout
    assert "reply path (20 claim + reply)" in done.stdout
    assert "moved to DM" in done.stdout and "rebuilt by channel" in done.stdout
