"""A small run of benchmarks/listening.py, so it keeps working: outcomes, never timings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.backends import scratch_database

ROOT = Path(__file__).resolve().parents[2]


def test_old_path_exact_path_and_rollups_agree_on_a_seeded_desk(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Seeded 2,000 mentions: listening read from the roll-ups equals every text tokenised (the
    script stops otherwise), the table and the refresh after new mentions are printed."""
    with scratch_database(tmp_path_factory.mktemp("listening"), "listening") as url:
        argv = [sys.executable, str(ROOT / "benchmarks" / "listening.py"), "--mentions", "2000"]
        argv += ["--repeat", "1"]
        if url.startswith("postgresql"):
            argv += ["--postgres", url, "--skip-sqlite"]
        else:
            argv += ["--sqlite", url.removeprefix("sqlite:///")]
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        done = subprocess.run(  # noqa: S603 - our interpreter, our script
            argv, capture_output=True, text=True, timeout=400, env=env, cwd=ROOT, check=False
        )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "listening roll-ups already built" in done.stdout  # the seed built them
    for row in ("| 30 days |", "| 30 days, rolling |", "| 7 days |", "| 24 hours |"):
        assert row in done.stdout
    assert "refresh after 60 new mentions:" in done.stdout
    assert "(1 hours recounted)" in done.stdout
