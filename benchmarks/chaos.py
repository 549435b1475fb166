"""Long run of the randomized fault checker (tests/chaos) per backend; figures to chaos.md.

Runs `pytest tests/chaos/test_chaos.py` with CHAOS_SEEDS / CHAOS_FAULTS / CHAOS_RESULTS in
batches of seeds until at least `--faults` faults were injected on each backend, then
replaces that backend's section of benchmarks/chaos.md. Usage:

    python benchmarks/chaos.py [--faults 1000] [--per-seed 60] [--seed N] [--seeds K]
        [--backend sqlite|postgres|both] [--parallel]

--seeds K runs exactly K seeds (N, N+1, ...) instead of "until --faults". PostgreSQL and
the Redis server come from TEST_DATABASE_URL / REDIS_URL, else the local defaults below.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from tests.chaos.checker import Report  # noqa: E402 - needs the checkout on the path

ROOT = Path(__file__).resolve().parents[1]
NOTE = ROOT / "benchmarks" / "chaos.md"
PG_URL = "postgresql://postgres@127.0.0.1:5432/helpdesk_chaos"
REDIS_URL = "redis://127.0.0.1:6379/12"  # db 12: 13 and 14 belong to other suites
FAILURES = Report.FAILURES

HEADER = """# Randomized fault checker: results

Written by `python benchmarks/chaos.py` (one section per backend, replaced on each run).
Each seed draws a schedule of customer mentions (hostile exact text), follow-ups, retweets,
bursts over the 25-mention window, claims, replies, trainee replies, approvals, rejections,
dismissals, and faults (kill -9 of a worker, of its work horse, of gunicorn; SIGSTOP; Redis
FLUSHDB and connection cuts; pg_terminate_backend; X 429, 503, timeouts, ambiguous posts,
malformed bodies, missing includes), plays it against the real processes, heals, waits out
the quiet period and checks (tests/chaos/checker.py):

- *lost*: mentions on X not stored 60 s after the heal, accepted replies with no row, or
  not on X and not failed, or `posted` with an id X does not have;
- *duplicated*: a mention stored twice, a reply on X more than once;
- *unsettled*: an accepted reply not `posted`/`failed` within `outbox.settle_bound()`
  after the heal (70 s with the run's settings), or failed without an error;
- *altered*: a stored text, username or display name not byte-for-byte what X holds, or a
  post whose text differs from its reply;
- *stray* (brand post of no reply), *extra* (stored non-mention), *misrecorded* (a reply
  failed/rejected but on X), *unaccounted* (a mention answered with no live reply, open
  with a posted one), *authors missing* (unnamed although X has the user again).

Faults that found nothing to hit (no work horse running) are not counted. A seed replays
with `CHAOS_SEED=<n> CHAOS_FAULTS=<k> python -m pytest tests/chaos/test_chaos.py` (same
schedule; the timing of real processes varies). CI runs `tests/chaos` on three fixed
seeds of 12 faults per backend (about 1.5 min each when no invariant breaks).
"""


def backend_env(backend: str) -> tuple[str, dict[str, str]]:
    """The label and environment of one backend."""
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "REDIS_URL")}
    if backend == "sqlite":
        return "SQLite + embedded Redis", env
    env["TEST_DATABASE_URL"] = os.environ.get("TEST_DATABASE_URL") or ensure_database(PG_URL)
    env["REDIS_URL"] = os.environ.get("REDIS_URL") or REDIS_URL
    return "PostgreSQL + Redis server", env


def ensure_database(url: str) -> str:
    """Create the run's PostgreSQL database when it is missing (a new machine has none)."""
    import sqlalchemy as sa

    base, _, name = url.rpartition("/")
    engine = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        found = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not found:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url


def run_batch(env: dict[str, str], seeds: list[int], per_seed: int, log: Path) -> list[dict]:
    """Run pytest on these seeds; the result of each seed (one JSON line each)."""
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl", delete=False) as fh:
        results = Path(fh.name)
    batch_env = {
        **env,
        "CHAOS_SEEDS": ",".join(map(str, seeds)),
        "CHAOS_FAULTS": str(per_seed),
        "CHAOS_RESULTS": str(results),
        "CHAOS_KEEP": str(Path(tempfile.gettempdir()) / "helpdesk-chaos-kept"),
    }
    argv = [sys.executable, "-m", "pytest", "tests/chaos/test_chaos.py", "-q", "-s"]
    argv += ["-p", "no:cacheprovider"]
    with log.open("a") as out:
        subprocess.run(argv, cwd=ROOT, env=batch_env, stdout=out, stderr=subprocess.STDOUT)
    lines = results.read_text().splitlines()
    results.unlink()
    return [json.loads(line) for line in lines if line.strip()]


def run_backend(backend: str, args: argparse.Namespace, summary: dict[str, Any]) -> None:
    """Batches of seeds on one backend until enough faults (or the seeds asked for) ran."""
    label, env = backend_env(backend)
    log = Path(tempfile.gettempdir()) / f"helpdesk-chaos-{backend}.log"
    log.write_text("")
    started = time.monotonic()
    runs: list[dict] = []
    seed = args.seed
    while True:
        injected = sum(sum(r["figures"]["faults"].values()) for r in runs)
        if args.seeds is not None:
            left = args.seeds - len(runs)
        else:
            left = -(-(args.faults - injected) // max(int(args.per_seed * 0.8), 1))
        if left <= 0:
            break
        batch = list(range(seed, seed + min(left, 5)))
        seed += len(batch)
        got = run_batch(env, batch, args.per_seed, log)
        runs += got
        print(f"{label}: seeds {batch[0]}-{batch[-1]}: {_totals(got)}", flush=True)
        if not got:
            print(f"{label}: the batch produced no results; see {log}", file=sys.stderr)
            break
    summary[label] = {"runs": runs, "seconds": time.monotonic() - started, "backend": backend}


def _totals(runs: list[dict]) -> str:
    faults = sum(sum(r["figures"]["faults"].values()) for r in runs)
    bad = {n: sum(r["figures"][n] for r in runs) for n in FAILURES}
    shown = ", ".join(f"{k} {v}" for k, v in bad.items() if v)
    return f"{len(runs)} seeds, {faults} faults, {shown or 'no invariant broken'}"


def machine() -> str:
    """CPU model, cores, memory, OS and Python."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {mem_kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        memory = ""
    return (
        f"{model}, {os.cpu_count()} cores{memory}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def render(label: str, data: dict[str, Any], per_seed: int) -> str:
    """The markdown section of one backend."""
    runs = data["runs"]
    by_kind: Counter[str] = Counter()
    for run in runs:
        by_kind.update(run["figures"]["faults"])
    total = {n: sum(r["figures"][n] for r in runs) for n in ("operations", "mentions", "replies")}
    bad = {n: sum(r["figures"][n] for r in runs) for n in FAILURES}
    hidden = sum(r["figures"]["authors_hidden"] for r in runs)
    seeds = [r["seed"] for r in runs]
    failed = [r for r in runs if not r["ok"]]
    settle = [r["settle_seconds"] for r in runs if r.get("settle_seconds") is not None]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {label}",
        "",
        f"Run {when} on {machine()}: seeds {min(seeds)}-{max(seeds)} ({len(runs)} seeds, "
        f"{per_seed} faults scheduled per seed) in {data['seconds'] / 60:.0f} min; "
        f"{len(runs) - len(failed)} seeds passed, {len(failed)} failed.",
        "",
        "| faults injected | operations | mentions checked | replies checked | lost "
        "| duplicated | unsettled | altered |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {sum(by_kind.values())} | {total['operations']} | {total['mentions']} "
        f"| {total['replies']} | {bad['lost']} | {bad['duplicated']} | {bad['unsettled']} "
        f"| {bad['altered']} |",
        "",
        f"Also: stray {bad['stray']}, extra {bad['extra']}, misrecorded {bad['misrecorded']}, "
        f"unaccounted {bad['unaccounted']}, authors missing {bad['authors_missing']}; "
        f"authors still hidden by X (not counted) {hidden}. Slowest reply settled "
        f"{max(settle, default=0):.0f} s after the heal (bound "
        f"{runs[0]['bound_seconds'] if runs else 0:.0f} s).",
        "",
        "Faults by kind: "
        + ", ".join(f"{kind} {n}" for kind, n in sorted(by_kind.items(), key=lambda i: -i[1]))
        + ".",
    ]
    if failed:
        lines += ["", "Failing seeds (replay with `CHAOS_SEED=<n> CHAOS_FAULTS=<k>`):", ""]
        for run in failed:
            problems = "; ".join(p[:120] for p in run["problems"][:2])
            figures = ", ".join(f"{n} {run['figures'][n]}" for n in FAILURES if run["figures"][n])
            lines.append(f"- `CHAOS_SEED={run['seed']}` ({figures}): {problems}")
    return "\n".join(lines) + "\n"


def write_note(sections: dict[str, str]) -> None:
    """Replace the given backends' sections of chaos.md, keeping the others."""
    text = NOTE.read_text() if NOTE.exists() else HEADER
    parts = re.split(r"(?m)^(?=## )", text)
    kept = [p for p in parts[1:] if p.splitlines()[0][3:] not in sections]
    body = sorted([*kept, *sections.values()], key=lambda s: s.splitlines()[0])
    NOTE.write_text(HEADER.rstrip("\n") + "\n\n" + "\n".join(s.rstrip("\n") + "\n" for s in body))


def main(argv: list[str] | None = None) -> int:
    """Run the long chaos check and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", type=int, default=1000, help="faults per backend, at least")
    parser.add_argument("--per-seed", type=int, default=60, help="faults scheduled per seed")
    parser.add_argument("--seed", type=int, default=random.randrange(1, 10**6))
    parser.add_argument("--seeds", type=int, default=None, help="run exactly this many seeds")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--parallel", action="store_true", help="both backends at once")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    summary: dict[str, Any] = {}
    print(f"chaos: first seed {args.seed}, {args.per_seed} faults per seed", flush=True)
    if args.parallel:
        threads = [threading.Thread(target=run_backend, args=(b, args, summary)) for b in backends]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        for backend in backends:
            run_backend(backend, args, summary)
    sections = {
        label: render(label, data, args.per_seed) for label, data in summary.items() if data["runs"]
    }
    write_note(sections)
    for label, data in summary.items():
        print(f"{label}: {_totals(data['runs'])} in {data['seconds'] / 60:.1f} min")
    bad = any(not r["ok"] for data in summary.values() for r in data["runs"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
