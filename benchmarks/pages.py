"""Server time of the agents' and supervisors' pages, split into database and rendering time.

Seeds each database with `python -m benchmarks.seed` (N mentions, unless --no-seed), then
times each page kind in-process through Flask's test client, signed in as an agent (inbox,
inbox over all history, mention page) or a supervisor (the desk /supervise/, the escalation
queue /supervise/?status=all): one warm-up round, then --requests requests per page, p50 and
p95 of the whole request, and per request the time SQLAlchemy spent in statements (cursor
execute events) and the time Jinja spent rendering (less the statements run while rendering).
With --baseline REV the same databases are timed with the code of git revision REV too
(`git archive` into a temporary folder, this script run there), side by side, in one run.

    python benchmarks/pages.py [--mentions 10000 100000] [--sqlite DIR] [--no-sqlite]
        [--postgres URL] [--requests 50] [--baseline REV] [--no-seed] [--profile]

--sqlite DIR keeps one SQLite file per size there (default: a temporary folder); --postgres
URL is seeded afresh for each size in turn (--reset). --no-seed times the databases as they
are (one size each). --profile prints cProfile's top functions per page (this code only).
Prints a Markdown table per database (run from the repository's root). Set REDIS_URL to use
a running Redis (else an embedded one).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask import Flask, before_render_template, template_rendered  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402

from benchmarks.seed.data import SEED_PASSWORD  # noqa: E402
from benchmarks.seed.database import build_app  # noqa: E402
from helpdesk.extensions import db  # noqa: E402

UNTIL = "2026-12-05T08:00:00Z"
PAGES = ("inbox", "inbox_all", "mention", "desk", "escalations")
WHO = {"inbox": "agent", "inbox_all": "agent", "mention": "agent"}  # else the supervisor


@dataclass
class Clock:
    """Statement and rendering time of the request in flight (seconds), and its statements."""

    db: float = 0.0
    render: float = 0.0
    statements: int = 0
    _started: list[float] = field(default_factory=list)
    _render_started: float = 0.0
    _db_at_render: float = 0.0

    def reset(self) -> None:
        self.db = self.render = 0.0
        self.statements = 0

    def before_execute(self, *args: object, **kwargs: object) -> None:
        self._started.append(time.perf_counter())

    def after_execute(self, conn: object, cursor: object, statement: str, *args: object) -> None:
        self.db += time.perf_counter() - self._started.pop()
        if not statement.lstrip().upper().startswith("BEGIN"):  # as test_query_counts counts
            self.statements += 1

    def before_render(self, *args: object, **kwargs: object) -> None:
        self._render_started = time.perf_counter()
        self._db_at_render = self.db

    def rendered(self, *args: object, **kwargs: object) -> None:
        spent = time.perf_counter() - self._render_started
        self.render += spent - (self.db - self._db_at_render)  # lazy loads count as database


@contextmanager
def clocked(app: Flask) -> Iterator[Clock]:
    """A Clock listening to the app's engine and template signals inside the block."""
    clock = Clock()
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", clock.before_execute)
    sa.event.listen(engine, "after_cursor_execute", clock.after_execute)
    before_render_template.connect(clock.before_render, app)
    template_rendered.connect(clock.rendered, app)
    try:
        yield clock
    finally:
        sa.event.remove(engine, "before_cursor_execute", clock.before_execute)
        sa.event.remove(engine, "after_cursor_execute", clock.after_execute)
        before_render_template.disconnect(clock.before_render, app)
        template_rendered.disconnect(clock.rendered, app)


def signed_in(app: Flask, number: str) -> FlaskClient:
    """A test client signed in through the login form."""
    import re

    client = app.test_client()
    page = client.get("/auth/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    done = client.post(
        "/auth/login",
        data={"number": number, "password": SEED_PASSWORD, "csrf_token": token.group(1)},
    )
    assert done.status_code == 302, f"sign-in as {number} failed: {done.status_code}"
    return client


def targets(app: Flask) -> tuple[dict[str, str], list[int]]:
    """An agent's and a supervisor's numbers, and mentions to open (open and answered ones)."""
    from helpdesk.models import Employee, Mention, MentionStatus

    with app.app_context():
        number = {}
        for role in ("agent", "supervisor"):
            number[role] = db.session.scalar(
                sa.select(Employee.number)
                .where(Employee.role == role, Employee.active.is_(True))
                .order_by(Employee.id)
                .limit(1)
            )
        ids = []
        for status, order in ((MentionStatus.OPEN, sa.asc), (MentionStatus.ANSWERED, sa.desc)):
            ids += db.session.scalars(
                sa.select(Mention.id)
                .where(Mention.status == status)
                .order_by(order(Mention.created_at))
                .limit(25)
            )
        db.session.remove()
    return number, ids


def paths(page: str, mention_ids: list[int]) -> Iterator[str]:
    """The paths one page kind asks for, round and round."""
    fixed = {
        "inbox": "/inbox",
        "inbox_all": "/inbox?status=all",
        "desk": "/supervise/",
        "escalations": "/supervise/?status=all",
    }
    k = 0
    while True:
        yield fixed.get(page) or f"/mentions/{mention_ids[k % len(mention_ids)]}"
        k += 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(url: str, requests: int, profile: bool = False) -> dict[str, dict[str, float]]:
    """Per page kind: p50/p95 of the request, p50 of database and rendering, statements."""
    app = build_app(url)
    number, mention_ids = targets(app)
    clients = {role: signed_in(app, number[role]) for role in ("agent", "supervisor")}
    results = {}
    with clocked(app) as clock:
        for page in PAGES:
            client = clients[WHO.get(page, "supervisor")]
            asked = paths(page, mention_ids)
            for _ in range(5):  # warm-up: templates compiled, connections open
                assert client.get(next(asked)).status_code == 200
            total, cpus, dbs, renders, counts, sizes = [], [], [], [], [], []
            profiler = cProfile.Profile() if profile else None
            for _ in range(requests):
                path = next(asked)
                clock.reset()
                if profiler:
                    profiler.enable()
                cpu, started = time.thread_time(), time.perf_counter()
                response = client.get(path)
                spent, cpu = time.perf_counter() - started, time.thread_time() - cpu
                if profiler:
                    profiler.disable()
                assert response.status_code == 200, f"{path}: {response.status_code}"
                total.append(spent * 1000)
                cpus.append(cpu * 1000)
                dbs.append(clock.db * 1000)
                renders.append(clock.render * 1000)
                counts.append(clock.statements)
                sizes.append(len(response.data))
            results[page] = {
                "p50": statistics.median(total),
                "p95": percentile(total, 0.95),
                "cpu_p50": statistics.median(cpus),
                "db_p50": statistics.median(dbs),
                "render_p50": statistics.median(renders),
                "statements": max(counts),
                "kb": statistics.median(sizes) / 1024,
            }
            if profiler:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
                print(f"--- profile: {page} ---\n{out.getvalue()}", file=sys.stderr)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return results


def measure_baseline(rev: str, url: str, requests: int) -> dict[str, dict[str, float]]:
    """measure() run by the code of git revision `rev` (this script copied into it)."""
    with tempfile.TemporaryDirectory(prefix="pages-baseline-") as folder:
        archive = subprocess.run(
            ["git", "archive", rev], cwd=ROOT, capture_output=True, check=True
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        script = Path(folder) / "benchmarks" / "pages.py"
        script.write_text(Path(__file__).read_text())
        done = subprocess.run(
            [sys.executable, str(script), "--measure", url, "--requests", str(requests)],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONPATH": folder},
        )
        if done.returncode:
            raise SystemExit(f"baseline {rev} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def seed(url: str, mentions: int) -> str:
    """Seed the database afresh; the seed's wall time line."""
    argv = [sys.executable, "-m", "benchmarks.seed", "--mentions", str(mentions)]
    argv += ["--database-url", url, "--reset", "--until", UNTIL]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    if done.returncode:
        raise SystemExit(f"seed failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return f"seeded in {time.perf_counter() - started:.0f} s"


def table(title: str, now: dict, before: dict | None) -> str:
    """One database's Markdown table: each page kind, before and after when both were timed."""
    head = "p50 / p95 ms | CPU p50 ms | db / render p50 ms"
    lines = [f"#### {title}", ""]
    if before:
        lines += [
            f"| page | before: {head} | after: {head} | statements |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
    else:
        lines += [f"| page | {head} | statements | KiB |", "| --- |" + " ---: |" * 5]
    for page in PAGES:
        a = now[page]
        after = _cells(a)
        if before:
            b = before[page]
            lines.append(
                f"| {page} | {_cells(b)} | {after} | {b['statements']} -> {a['statements']} |"
            )
        else:
            lines.append(f"| {page} | {after} | {a['statements']} | {a['kb']:.0f} |")
    return "\n".join(lines)


def _cells(figures: dict) -> str:
    return (
        f"{figures['p50']:.1f} / {figures['p95']:.1f} | {figures['cpu_p50']:.1f} |"
        f" {figures['db_p50']:.1f} / {figures['render_p50']:.1f}"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--sqlite", help="folder for the SQLite files (default: temporary)")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--postgres", help="a PostgreSQL URL to seed (dropped each time)")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--baseline", help="a git revision to time side by side")
    parser.add_argument("--no-seed", action="store_true", help="time the databases as they are")
    parser.add_argument("--profile", action="store_true", help="cProfile per page, on stderr")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # one URL, JSON out (baseline)
    args = parser.parse_args(argv)
    if args.requests < 2:
        parser.error("--requests must be at least 2")
    if args.no_seed and len(args.mentions) > 1:
        parser.error("--no-seed times the databases as they are: give one --mentions")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.requests)))
        return 0
    from benchmarks.chaos import machine

    print(f"pages: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}, load {os.getloadavg()}")
    folder = Path(args.sqlite or tempfile.mkdtemp(prefix="pages-bench-"))
    for mentions in args.mentions:
        urls = [] if args.no_sqlite else [f"sqlite:///{folder / f'pages-{mentions}.db'}"]
        urls += [args.postgres] if args.postgres else []
        for url in urls:
            backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
            note = "as seeded before" if args.no_seed else seed(url, mentions)
            before = measure_baseline(args.baseline, url, args.requests) if args.baseline else None
            now = measure(url, args.requests, args.profile)
            title = f"{backend}, {mentions:,} mentions ({note}; {args.requests} requests a page)"
            if args.baseline:
                title += f"; before = {args.baseline}"
            print(table(title, now, before), flush=True)
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
