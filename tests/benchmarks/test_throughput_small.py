"""Small runs of the throughput benchmarks, so they keep working: outcomes, never timings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.backends import scratch_database

ROOT = Path(__file__).resolve().parents[2]


def _run(script: str, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, str(ROOT / "benchmarks" / script), *args]
    if os.environ.get("REDIS_URL"):
        argv += ["--redis-url", os.environ["REDIS_URL"]]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(  # noqa: S603 - our interpreter, our script
        argv, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT, check=False
    )


@pytest.fixture(scope="module")
def scratch_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of its own: a scratch one beside TEST_DATABASE_URL's, else a SQLite file."""
    with scratch_database(tmp_path_factory.mktemp("bench"), "bench") as url:
        yield url


def test_the_outbox_drains_a_backlog_once_each_without_a_429(
    scratch_url: str, tmp_path: Path
) -> None:
    """1 and 2 real workers post every queued reply exactly once and never overshoot X."""
    out = tmp_path / "outbox.json"
    result = _run(
        "outbox.py",
        *("--replies", "60", "--workers", "1,2", "--post-limit", "15", "--window-seconds", "2"),
        *("--database-url", scratch_url, "--json", str(out)),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    runs = json.loads(out.read_text())
    assert [r["workers"] for r in runs] == [1, 2]
    for run in runs:
        assert run["x_429s"] == 0, run
        assert run["duplicates_on_x"] == 0, run
        assert run["unsettled"] == 0, run
        assert run["failed"] == 0, run
        assert run["stray_posts"] == 0, run
        assert run["posted_missing_on_x"] == 0, run
        assert run["x_post_requests"] == 60, run  # nothing was sent twice either
        assert run["windows_used"] >= run["windows_minimum"] == 4, run


def test_sandbox_ingest_stores_every_mention(scratch_url: str, tmp_path: Path) -> None:
    """10,000 mentions pulled from the sandbox are all stored, as by the raw INSERT."""
    out = tmp_path / "ingest.json"
    result = _run(
        "ingest_sandbox.py",
        *("--mentions", "10000", "--database-url", scratch_url, "--json", str(out)),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    figures = json.loads(out.read_text())
    # A few of the sandbox's mentions are retweets, which are not stored.
    assert 9_500 < figures["mentions_expected"] <= 10_000
    assert figures["stored_by_helpdesk"] == figures["mentions_expected"]
    assert figures["stored_by_raw"] == figures["mentions_expected"]


def test_memory_benchmark_measures_a_seeded_desk(scratch_url: str, tmp_path: Path) -> None:
    """memory.py signs in, exports a year as CSV and runs a worker on a seeded database."""
    seed = subprocess.run(  # noqa: S603 - our interpreter, our script
        [sys.executable, "-m", "benchmarks.seed", "--mentions", "2000"]
        + ["--database-url", scratch_url, "--reset"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )
    assert seed.returncode == 0, seed.stdout[-2000:] + seed.stderr[-3000:]
    out = tmp_path / "memory.json"
    result = _run(
        "memory.py",
        *("--database-url", scratch_url, "--worker", "--ingest", "300", "--posts", "10"),
        *("--json", str(out)),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (figures,) = json.loads(out.read_text())
    assert figures["mentions"] == 2000
    assert 0 < figures["export_rows"] <= 2000
    assert figures["export_bytes"] > 0
    for name in ("web_peak_mib", "export_peak_mib", "worker_peak_mib"):
        assert figures[name] > 10, figures  # a real process was measured
