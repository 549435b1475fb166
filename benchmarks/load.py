"""The web under load: gunicorn on a seeded database, 50 agents and 5 supervisors over httpx.

Starts gunicorn (several sync workers, a free loopback port) on --database-url with a real
Redis, signs every simulated employee in like a browser (login form, session cookie, the
page's CSRF token), then plays the mix for --duration seconds or --max-requests requests,
whichever comes first. Agents list the inbox, filter it, page it (keyset cursors), search,
open mentions, and claim and reply to fresh open mentions; supervisors load the desk, the
escalation queue, coverage for 30 days and for a year, the audit log and a CSV export.
With --reports-workers N the supervisors are served by a second gunicorn of N workers (the
reports' pool of docs/scale-out.md, as a proxy sending /supervise/ there). Prints
p50/p95/p99, count and errors per request kind; --compare runs the same mix on a
second database in the same run and prints the p95 ratios (first / second).

Claims and replies are real: each reply is committed `queued` and its post_reply job is
enqueued in Redis, but no RQ worker runs, so replies stay queued and nothing reaches X.
Setup adds the mentions the agents reply to (--reply-pool, created now through the ingest
upsert) and nothing else; the seeded employees sign in with benchmarks/seed/'s password.

    python benchmarks/load.py --database-url URL [--compare URL2] [--web-workers 4] [--threads 1]
        [--reports-workers 0]
        [--agents 50] [--supervisors 5] [--duration 60] [--max-requests 50000]
        [--think 1.0] [--warmup 5] [--redis-url redis://127.0.0.1:6379/5] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.seed import SEED_PASSWORD  # noqa: E402
from helpdesk import create_app  # noqa: E402
from helpdesk.extensions import db  # noqa: E402
from helpdesk.models import BrandAccount, Employee, XUser  # noqa: E402
from helpdesk.services import ingest  # noqa: E402
from helpdesk.x.sandbox.state import EPOCH_MS  # noqa: E402

SECRET_KEY = "load-benchmark-secret-key-not-for-production"  # noqa: S105 - loopback only
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
MENTION_LINK = re.compile(r'href="/mentions/(\d+)"')
NEXT_CURSOR = re.compile(r"cursor=(\d+)")
SEARCH_TERMS = ("配送", "注文", "order", "refund", "修理", "store", "返品", "help", "ありがとう")
AUDIT_ACTIONS = ("mention.claimed", "reply.created", "mention.dismissed", "escalation.raised")
REPLY_TEXT = "Thank you for telling us. We are looking into this and will get back to you soon."
AGENT_MIX = {  # relative weights of an agent's next step
    "inbox": 30,
    "inbox_filter": 15,
    "inbox_next_page": 10,
    "search": 10,
    "mention": 25,
    "work": 10,  # open a fresh mention, claim it, reply
}
SUPERVISOR_MIX = {
    "dashboard": 30,
    "escalations": 15,
    "coverage_30d": 15,
    "coverage_1y": 5,
    "audit": 15,
    "audit_filter": 10,
    "csv_export": 10,
}
OK_STATUS = {"claim": 302, "reply": 302}  # the rest answer 200


@dataclass
class Stats:
    """Latencies (ms) and errors per request kind, after the warm-up."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: dict[str, str] = field(default_factory=dict)
    requests: int = 0

    def summary(self) -> dict[str, dict[str, float]]:
        """Count, errors and p50/p95/p99/max per kind."""
        table = {}
        for kind in sorted(set(self.latencies) | set(self.errors)):
            values = sorted(self.latencies.get(kind, []))
            table[kind] = {
                "count": len(values),
                "errors": self.errors.get(kind, 0),
                "p50": quantile(values, 0.50),
                "p95": quantile(values, 0.95),
                "p99": quantile(values, 0.99),
                "max": values[-1] if values else float("nan"),
            }
        return table


def quantile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank quantile of sorted values (nan when empty)."""
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass
class Plan:
    """Who signs in, the mentions agents reply to, and the desk's today."""

    agents: list[str]
    supervisors: list[str]
    pool: list[int]
    today: datetime


def app_environ(database_url: str, redis_url: str, instance: str) -> dict[str, str]:
    """The environment the app (and gunicorn) run with: no X, so nothing is posted."""
    return {
        "HELPDESK_INSTANCE": instance,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": SECRET_KEY,
    }


def prepare(environ: dict[str, str], agents: int, supervisors: int, pool: int) -> Plan:
    """Pick the seeded employees who sign in and add `pool` fresh open mentions to reply to."""
    app = create_app({}, environ=environ)
    with app.app_context():
        active = sa.select(Employee.number).where(Employee.active.is_(True)).order_by(Employee.id)
        staff = list(db.session.scalars(active.where(Employee.role.in_(("agent", "trainee")))))
        bosses = list(db.session.scalars(active.where(Employee.role.in_(("supervisor", "admin")))))
        if not staff or not bosses:
            raise SystemExit("load: the database has no active agents or supervisors; seed it")
        account = db.session.scalars(sa.select(BrandAccount).limit(1)).first()
        if account is None:
            raise SystemExit("load: the database has no brand account; seed it first")
        authors = list(db.session.scalars(sa.select(XUser.x_user_id).limit(500)))
        now = datetime.now(UTC)
        base = (int(now.timestamp() * 1000) - EPOCH_MS) << 22
        rows = [
            {
                "tweet_id": base + n,
                "brand_account_id": account.id,
                "author_x_id": random.choice(authors),
                "conversation_id": base + n,
                "in_reply_to_tweet_id": None,
                "is_quote": False,
                "text": f"@{account.username} my order has not arrived yet, can you help? #{n}",
                "lang": "en",
                "created_at": now,
                "ingested_at": now,
                "status": "open",
                "priority": "normal",
            }
            for n in range(pool)
        ]
        ingest.upsert_mentions(rows, [])
        db.session.commit()
        created = db.session.scalars(
            sa.text("SELECT id FROM mentions WHERE tweet_id >= :base ORDER BY id").bindparams(
                base=base
            )
        )
        ids = list(created)
        tz = ZoneInfo(app.config["HELPDESK"].timezone)
        db.session.remove()
        db.engine.dispose()
    return Plan(
        agents=[staff[n % len(staff)] for n in range(agents)],
        supervisors=[bosses[n % len(bosses)] for n in range(supervisors)],
        pool=ids,
        today=now.astimezone(tz),
    )


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    environ: dict[str, str], workers: int, port: int, log: Path, threads: int = 1
) -> subprocess.Popen:
    """gunicorn with `workers` workers on loopback (sync, or gthread with `threads` > 1, the
    production layout of docs/scale-out.md); returns once it answers."""
    argv = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--no-control-socket"]
    argv += ["--workers", str(workers), "--timeout", "120", "--no-control-socket"]
    if threads > 1:
        argv += ["--threads", str(threads)]
    argv += ["--pythonpath", str(ROOT), "wsgi:app"]
    env = {**os.environ, **environ}
    env.pop("TEST_DATABASE_URL", None)
    with log.open("w") as out:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"load: gunicorn exited; see {log}:\n{log.read_text()[-2000:]}")
        try:
            if (
                httpx.get(
                    f"http://127.0.0.1:{port}/auth/login", timeout=2, trust_env=False
                ).status_code
                == 200
            ):
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"load: gunicorn did not answer within 60 s:\n{log.read_text()[-2000:]}")


class User:
    """One signed-in employee with their own cookie jar and CSRF token."""

    def __init__(self, base: str, number: str, run: Run) -> None:
        self.number = number
        self.run = run
        self.client = httpx.AsyncClient(
            base_url=base,
            timeout=60,
            follow_redirects=False,
            trust_env=False,
            # gthread workers close a connection idle for 2 s (gunicorn's --keep-alive); an
            # agent pauses 2-5 s, so reusing it raced the close ("server disconnected")
            limits=httpx.Limits(keepalive_expiry=1.0),
        )
        self.csrf = ""
        self.seen: list[int] = []
        self.cursor: str | None = None

    async def sign_in(self) -> None:
        """The login form with its CSRF token, then a page for the session's own token."""
        page = await self.client.get("/auth/login")
        self.csrf = CSRF.search(page.text).group(1)
        form = {"number": self.number, "password": SEED_PASSWORD, "csrf_token": self.csrf}
        answer = await self.client.post("/auth/login", data=form)
        if answer.status_code != 302:
            raise SystemExit(f"load: employee {self.number} could not sign in")
        landing = await self.client.get("/inbox")
        self.csrf = CSRF.search(landing.text).group(1)

    async def call(
        self, kind: str, method: str, url: str, **kwargs: object
    ) -> httpx.Response | None:
        """One timed request; counts it, and an unexpected status or a failure as an error."""
        started = time.perf_counter()
        try:
            response = await self.client.request(method, url, **kwargs)
            await response.aread()
        except httpx.HTTPError as exc:
            self.run.record(kind, started, f"{type(exc).__name__}: {exc}")
            return None
        expected = OK_STATUS.get(kind, 200)
        problem = None if response.status_code == expected else f"{response.status_code} {url}"
        self.run.record(kind, started, problem)
        return response


class Run:
    """The shared clock, the request budget and the statistics of one database's run."""

    def __init__(self, plan: Plan, duration: float, warmup: float, max_requests: int) -> None:
        self.plan = plan
        self.stats = Stats()
        self.started = time.monotonic()
        self.warm_at = self.started + warmup
        self.ends = self.started + warmup + duration
        self.max_requests = max_requests

    def going(self) -> bool:
        """Still within the time and the request budget."""
        return time.monotonic() < self.ends and self.stats.requests < self.max_requests

    def record(self, kind: str, started: float, problem: str | None) -> None:
        """Note a finished request (not during the warm-up)."""
        self.stats.requests += 1
        if time.monotonic() < self.warm_at:
            return
        if problem is None:
            self.stats.latencies[kind].append((time.perf_counter() - started) * 1000)
        else:
            self.stats.errors[kind] += 1
            self.stats.examples.setdefault(kind, problem)


def _days(today: datetime, back: int) -> dict[str, str]:
    last = today.date()
    return {"period": "custom", "from": str(last - timedelta(days=back)), "to": str(last)}


async def agent_step(user: User, step: str) -> None:
    """One agent action from the mix."""
    run = user.run
    if step == "work" and run.plan.pool:
        mention_id = run.plan.pool.pop()
        await user.call("mention", "GET", f"/mentions/{mention_id}")
        data = {"csrf_token": user.csrf}
        await user.call("claim", "POST", f"/mentions/{mention_id}/claim", data=data)
        await user.call(
            "reply", "POST", f"/mentions/{mention_id}/reply", data={**data, "text": REPLY_TEXT}
        )
        return
    if step in ("mention", "work"):
        if user.seen:
            await user.call("mention", "GET", f"/mentions/{random.choice(user.seen)}")
            return
        step = "inbox"
    if step == "inbox":
        params = {"status": "open"}
    elif step == "inbox_filter":
        params = {"status": random.choice(("answered", "dismissed", "all", "mine"))}
        params["sort"] = random.choice(("newest", "oldest"))
    elif step == "inbox_filter_answered":
        step, params = "inbox_filter", {"status": "answered"}
    elif step == "inbox_next_page":
        if not user.cursor:  # a first page of answered mentions gives the cursor
            await agent_step(user, "inbox_filter_answered")
        params = {"status": "answered", "cursor": user.cursor or ""}
    elif step == "search":
        params = {"status": "all", "q": random.choice(SEARCH_TERMS)}
    else:
        step, params = "inbox_filter", {"status": "answered"}
    response = await user.call(step, "GET", "/inbox", params=params)
    if response is not None and response.status_code == 200:
        links = [int(found) for found in MENTION_LINK.findall(response.text)]
        user.seen = links[:25] or user.seen
        cursor = NEXT_CURSOR.search(response.text)
        if params.get("status") == "answered":
            user.cursor = cursor.group(1) if cursor else None


async def supervisor_step(user: User, step: str) -> None:
    """One supervisor action from the mix."""
    today = user.run.plan.today
    if step == "dashboard":
        await user.call(step, "GET", "/supervise/")
    elif step == "escalations":
        await user.call(step, "GET", "/supervise/", params={"status": "all"})
    elif step == "coverage_30d":
        await user.call(step, "GET", "/supervise/coverage", params=_days(today, 29))
    elif step == "coverage_1y":
        await user.call(step, "GET", "/supervise/coverage", params=_days(today, 364))
    elif step == "audit":
        params = {"cursor": user.cursor} if user.cursor and random.random() < 0.5 else {}
        response = await user.call(step, "GET", "/supervise/audit", params=params)
        if response is not None and response.status_code == 200:
            cursor = NEXT_CURSOR.search(response.text)
            user.cursor = cursor.group(1) if cursor else None
    elif step == "audit_filter":
        params = {"action": random.choice(AUDIT_ACTIONS), "day": str(today.date())}
        if random.random() < 0.3:
            params = {"number": random.choice(user.run.plan.agents)}
        await user.call(step, "GET", "/supervise/audit", params=params)
    elif step == "csv_export":
        week = _days(today, 6)
        await user.call(
            step, "GET", "/supervise/mentions.csv", params={"from": week["from"], "to": week["to"]}
        )


async def play(user: User, mix: dict[str, int], step, think: float, offset: int) -> None:
    """An employee's loop: a tour of the mix from `offset` (so every kind is played even in a
    short run), then actions drawn by weight, a think pause after each, until the run ends."""
    kinds, weights = list(mix), list(mix.values())
    tour = kinds[offset % len(kinds) :] + kinds[: offset % len(kinds)]
    await asyncio.sleep(random.uniform(0, think))  # do not all start in the same millisecond
    while user.run.going():
        await step(user, tour.pop(0) if tour else random.choices(kinds, weights)[0])
        await asyncio.sleep(random.uniform(0.5 * think, 1.5 * think))


async def drive(base: str, plan: Plan, args: argparse.Namespace, reports: str = "") -> Stats:
    """Sign everyone in (a few at a time), then play the mix for the run's length; supervisors
    use `reports` when given (their own pool, as a proxy routing /supervise/ there would)."""
    run = Run(plan, args.duration, args.warmup, args.max_requests)
    agents = [User(base, number, run) for number in plan.agents]
    bosses = [User(reports or base, number, run) for number in plan.supervisors]
    gate = asyncio.Semaphore(8)

    async def sign_in(user: User) -> None:
        async with gate:
            await user.sign_in()

    await asyncio.gather(*(sign_in(user) for user in agents + bosses))
    run.__init__(plan, args.duration, args.warmup, args.max_requests)  # the clock starts now
    for user in agents + bosses:
        user.run = run
    try:
        await asyncio.gather(
            *(play(user, AGENT_MIX, agent_step, args.think, n) for n, user in enumerate(agents)),
            *(
                play(user, SUPERVISOR_MIX, supervisor_step, 2 * args.think, 3 * n)
                for n, user in enumerate(bosses)
            ),
        )
    finally:
        for user in agents + bosses:
            await user.client.aclose()
    return run.stats


def run_against(database_url: str, args: argparse.Namespace) -> dict[str, object]:
    """Prepare the database, start gunicorn on it, play the mix, stop gunicorn."""
    with tempfile.TemporaryDirectory(prefix="load-") as instance:
        environ = app_environ(database_url, args.redis_url, instance)
        plan = prepare(environ, args.agents, args.supervisors, args.reply_pool)
        port = free_port()
        log = Path(instance) / "gunicorn.log"
        server = start_gunicorn(environ, args.web_workers, port, log, args.threads)
        servers, reports = [server], ""
        if args.reports_workers:  # docs/scale-out.md: /supervise/ on a pool of its own
            other, log_of_reports = free_port(), Path(instance) / "gunicorn-reports.log"
            workers, threads = args.reports_workers, args.threads
            servers.append(start_gunicorn(environ, workers, other, log_of_reports, threads))
            reports = f"http://127.0.0.1:{other}"
        loads: list[float] = []
        sampling = threading.Event()
        sampler = threading.Thread(target=_sample_load, args=(loads, sampling), daemon=True)
        sampler.start()
        try:
            started = time.monotonic()
            stats = asyncio.run(drive(f"http://127.0.0.1:{port}", plan, args, reports))
            elapsed = time.monotonic() - started
        finally:
            sampling.set()
            for each in servers:
                each.terminate()  # a request still running (a year's coverage) may hold it up
            for each in servers:
                try:
                    each.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    each.kill()
                    each.wait(timeout=30)
    name = sa.make_url(database_url).database or database_url
    return {
        "database": Path(name).name,
        "pools": len(servers),  # 2 with --reports-workers: the supervisors on their own
        "seconds": round(elapsed, 1),
        "requests": stats.requests,
        "kinds": stats.summary(),
        "examples": stats.examples,
        "load_average": {
            "min": min(loads, default=float("nan")),
            "mean": sum(loads) / len(loads) if loads else float("nan"),
            "max": max(loads, default=float("nan")),
        },
    }


def _sample_load(loads: list[float], stop: threading.Event) -> None:
    """The machine's 1-minute load average every 5 s until `stop` (the run's conditions)."""
    while not stop.wait(5):
        loads.append(os.getloadavg()[0])


def print_table(result: dict[str, object]) -> None:
    """Per kind: count, errors, p50, p95, p99 and max in milliseconds."""
    held = result["load_average"]
    print(
        f"\n{result['database']}: {result['requests']} requests in {result['seconds']} s;"
        f" load average (1 min) {held['min']:.1f}-{held['max']:.1f}, mean {held['mean']:.1f}"
    )
    print(f"{'kind':<16} {'count':>7} {'errors':>6} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
    for kind, row in result["kinds"].items():
        print(
            f"{kind:<16} {row['count']:>7} {row['errors']:>6} {row['p50']:>8.1f}"
            f" {row['p95']:>8.1f} {row['p99']:>8.1f} {row['max']:>8.1f}"
        )
    for kind, example in result["examples"].items():
        print(f"  first error in {kind}: {example}")


def print_ratios(first: dict[str, object], second: dict[str, object]) -> None:
    """p95 of the first database over p95 of the second, per kind."""
    a, b = first["database"], second["database"]
    print(f"\np95 ms side by side, ratio {a} / {b}")
    print(f"{'kind':<16} {a:>18} {b:>18} {'ratio':>7}")
    for kind, row in first["kinds"].items():
        other = second["kinds"].get(kind)
        if other is None:
            continue
        ratio = row["p95"] / other["p95"] if other["p95"] else float("nan")
        print(f"{kind:<16} {row['p95']:>18.1f} {other['p95']:>18.1f} {ratio:>7.2f}")


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run on each database, print the tables (and --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--compare", help="a second database to run the same mix on")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (> 1: gthread, as deployed)"
    )
    parser.add_argument(
        "--reports-workers",
        type=int,
        default=0,
        help="a second gunicorn of this many workers that serves the supervisors (0: none)",
    )
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--supervisors", type=int, default=5)
    parser.add_argument("--duration", type=float, default=60, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=5, help="seconds played, not measured")
    parser.add_argument("--max-requests", type=int, default=50_000)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause of an agent, s")
    parser.add_argument("--reply-pool", type=int, default=300, help="fresh mentions to reply to")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url (or set DATABASE_URL)")
    if args.reports_workers < 0:
        parser.error("--reports-workers must be 0 or more")
    if min(args.agents, args.supervisors, args.web_workers, args.threads) < 1 or args.duration <= 0:
        parser.error("--agents, --supervisors, --web-workers and --duration must be positive")
    results = [run_against(args.database_url, args)]
    if args.compare:
        results.append(run_against(args.compare, args))
    for result in results:
        print_table(result)
    if args.compare:
        print_ratios(results[0], results[1])
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
