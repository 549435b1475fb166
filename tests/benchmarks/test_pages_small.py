"""benchmarks/pages.py at CI size: 2,000 seeded mentions, every page answers, statements pinned."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.backends import scratch_database

ROOT = Path(__file__).resolve().parent.parent.parent
PAGES = ROOT / "benchmarks" / "pages.py"
# Statements per request on seeded data (a history with resolved escalations, replies and
# badges), the same whatever its size: tests/web/test_query_counts.py pins them on a small desk.
# The inbox: + the desk's tags and the rows' tags; a mention: + its tags, the desk's and the
# colleagues' counts that suggest tags.
BOUNDS = {"inbox": 6, "inbox_all": 6, "mention": 12, "desk": 9, "escalations": 13}


def test_every_page_kind_answers_with_a_bounded_number_of_statements(
    tmp_path: Path, redis_url: str
) -> None:
    """Seed 2,000 mentions, time each page a few times: all 200s, statements within the pins."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    env["REDIS_URL"] = redis_url
    with scratch_database(tmp_path, "pages") as url:
        argv = [sys.executable, "-m", "benchmarks.seed", "--mentions", "2000", "--years", "1"]
        argv += ["--database-url", url]
        seeded = subprocess.run(
            argv, capture_output=True, text=True, timeout=300, env=env, cwd=ROOT
        )
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        argv = [sys.executable, str(PAGES), "--measure", url, "--requests", "3"]
        run = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert set(figures) == set(BOUNDS)
    statements = {page: row["statements"] for page, row in figures.items()}
    assert all(statements[page] <= BOUNDS[page] for page in BOUNDS), statements
    assert all(row["p50"] > 0 and row["kb"] > 1 for row in figures.values()), figures
