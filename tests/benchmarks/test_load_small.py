"""benchmarks/load.py at CI size: 10,000 seeded mentions, a few agents for a few seconds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.backends import scratch_database

ROOT = Path(__file__).resolve().parent.parent.parent
LOAD = ROOT / "benchmarks" / "load.py"
KINDS = {  # every request kind of the mix
    "inbox", "inbox_filter", "inbox_next_page", "search", "mention", "claim", "reply",
    "dashboard", "escalations", "coverage_30d", "coverage_1y", "audit", "audit_filter",
    "csv_export",
}  # fmt: skip


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}


@pytest.fixture(scope="module")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """10,000 mentions in a database of their own (beside TEST_DATABASE_URL's, or SQLite)."""
    with scratch_database(tmp_path_factory.mktemp("load"), "load") as url:
        argv = [sys.executable, "-m", "benchmarks.seed", "--mentions", "10000"]
        argv += ["--database-url", url]
        seeded = subprocess.run(
            argv, capture_output=True, text=True, timeout=300, env=_env(), cwd=ROOT
        )
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        yield url


def test_a_short_load_run_serves_every_request_kind_without_errors(
    seeded_url: str, redis_url: str, tmp_path: Path
) -> None:
    """gunicorn answers every kind of the agents' and supervisors' mix, and nothing fails, with
    the supervisors on a pool of their own as docs/scale-out.md deploys them."""
    out = tmp_path / "load.json"
    argv = [sys.executable, str(LOAD), "--database-url", seeded_url, "--redis-url", redis_url]
    argv += ["--web-workers", "1", "--reports-workers", "1", "--agents", "6", "--supervisors", "2"]
    argv += ["--duration", "12"]
    argv += ["--warmup", "0", "--think", "0.2", "--reply-pool", "40", "--json", str(out)]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=240, env=_env())
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    [result] = json.loads(out.read_text())
    kinds = result["kinds"]
    assert set(kinds) == KINDS, run.stdout
    assert {kind: row["errors"] for kind, row in kinds.items()} == dict.fromkeys(KINDS, 0)
    assert all(row["count"] > 0 for row in kinds.values()), run.stdout
    assert "p95" in run.stdout and result["database"] in run.stdout
    assert result["pools"] == 2
