"""What the live inbox costs with N connected agents polling /inbox/live with ETags.

    python benchmarks/live_inbox.py [--agents 200] [--seconds 30] [--desk both|quiet|busy]
                                    [--poll-seconds 5] [--database-url URL] [--redis-url URL]

Starts a real gunicorn (2 workers x 4 threads, as in production) on a fresh database (SQLite
by default) and Redis (embedded unless --redis-url), with 25 open mentions ingested from an
in-process X sandbox, signs N agents in (session cookies minted with the app's own key) and
lets each poll `GET /inbox/live` every --poll-seconds with If-None-Match, as static/inbox.js
does (the agents start spread over the first interval).

- quiet: nobody acts; every poll after an agent's first should be a 304 (until the minute
  turns: the ETag carries it, so claims that expire and ages are refreshed).
- busy: meanwhile a customer mentions the brand and it is ingested every 2 s, and an agent
  claims or releases a mention every second (each a commit that bumps the inbox version).

Reported per desk: polls/s, 304 share, p50/p95 ms, rows sent, web CPU cores used (gunicorn
processes' CPU seconds per second), Redis commands/s; and, measured in-process with the
engine's statement hook, SQL statements for a 304 poll and for a 200 poll.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psutil  # noqa: E402

from benchmarks.harness import (  # noqa: E402
    Desk,
    desk_environ,
    machine,
    redis_url,
    sandbox,
    wait_for_http,  # noqa: E402
)
from benchmarks.harness import workdir as make_workdir  # noqa: E402
from benchmarks.presence import process_stats, quantile, redis_stats, seed_agents  # noqa: E402

OPEN_MENTIONS = 25


def seed_mentions(desk: Desk, x_url: str, count: int) -> None:
    """`count` customer mentions in the sandbox, ingested once."""
    post_mentions(x_url, count, "seed")
    ingest(desk)


def post_mentions(x_url: str, count: int, tag: str) -> None:
    """Customers mention the brand in the sandbox (its control route)."""
    with httpx.Client(base_url=x_url, trust_env=False) as c:
        for n in range(count):
            body = {
                "username": f"cust_{tag}_{n}",
                "name": f"Customer {n}",
                "text": f"@brand {tag} {n}",
            }
            c.post("/_sandbox/mentions", json=body).raise_for_status()


def ingest(desk: Desk) -> None:
    """One ingestion pass in this process, as the worker's job runs it."""
    from helpdesk.extensions import db
    from helpdesk.services.ingest import ingest_mentions

    with desk.app.app_context():
        ingest_mentions()
        db.session.remove()


def statements_per_poll(desk: Desk, agent: dict[str, str]) -> dict[str, int]:
    """SQL statements of a 200 poll and of a 304 poll, counted on the engine in-process."""
    import sqlalchemy as sa

    from helpdesk.extensions import db

    counts: dict[str, int] = {}
    client = desk.app.test_client()
    client.set_cookie("session", agent["cookie"])
    with desk.app.app_context():
        engine = db.engine

    def poll(etag: str | None) -> tuple[int, str, int]:
        seen: list[str] = []

        def listen(conn, cursor, statement, *_args):
            if not statement.lstrip().upper().startswith("BEGIN"):
                seen.append(statement)

        headers = {"If-None-Match": etag} if etag else {}
        sa.event.listen(engine, "before_cursor_execute", listen)
        try:
            response = client.get("/inbox/live", headers=headers)
        finally:
            sa.event.remove(engine, "before_cursor_execute", listen)
        return response.status_code, response.headers["ETag"], len(seen)

    # The ETag moves with the minute and with any change to the desk: when it moved between
    # the two polls (a minute boundary, a late commit) the pair is taken again.
    for _attempt in range(3):
        status, etag, counts["poll_200"] = poll(None)
        assert status == 200, ("poll_200", status)
        status, _etag, counts["poll_304"] = poll(etag)
        if status == 304:
            return counts
    raise AssertionError(("poll_304", status))


class Busy(threading.Thread):
    """The desk at work: a new mention ingested every 2 s, a claim or release every second."""

    def __init__(self, desk: Desk, x_url: str, stop_at: float):
        super().__init__(name="busy-desk", daemon=True)
        self.desk, self.x_url, self.stop_at = desk, x_url, stop_at
        self.actions = 0

    def run(self) -> None:
        import sqlalchemy as sa

        from helpdesk.extensions import db
        from helpdesk.models import Employee, Mention
        from helpdesk.services import inbox
        from helpdesk.services.errors import ServiceError

        tick = 0
        while time.monotonic() < self.stop_at:
            tick += 1
            if tick % 2 == 0:
                post_mentions(self.x_url, 1, f"busy{tick}")
                ingest(self.desk)
            with self.desk.app.app_context():
                employee = db.session.scalar(sa.select(Employee).limit(1).offset(tick % 5))
                mention_id = db.session.scalar(
                    sa.select(Mention.id).order_by(Mention.id).limit(1).offset(tick % 10)
                )
                try:
                    if tick % 4 < 2:
                        inbox.claim(mention_id, employee)
                    else:
                        inbox.release(mention_id, employee)
                except ServiceError:
                    db.session.rollback()  # someone else holds it: the desk goes on
                db.session.remove()
            self.actions += 1
            time.sleep(1)


async def play(base: str, agents, seconds: float, poll_s: float) -> dict[str, object]:
    """Each agent polls with its last ETag until the time is up (one shared connection pool:
    making 200 clients costs more than the run)."""
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    rows: list[int] = []
    errors = 0
    limits = httpx.Limits(max_connections=len(agents), max_keepalive_connections=len(agents))
    async with httpx.AsyncClient(
        base_url=base, trust_env=False, timeout=30, limits=limits
    ) as client:
        stop_at = time.monotonic() + seconds

        async def agent_loop(n: int, agent) -> None:
            nonlocal errors
            etag = None
            await asyncio.sleep(poll_s * n / len(agents))  # spread over the first interval
            while time.monotonic() < stop_at:
                started = time.monotonic()
                headers = {"Cookie": f"session={agent['cookie']}"}
                if etag:
                    headers["If-None-Match"] = etag
                try:
                    response = await client.get("/inbox/live", headers=headers)
                except httpx.HTTPError:
                    errors += 1
                    await asyncio.sleep(poll_s)
                    continue
                latencies.append(time.monotonic() - started)
                code = str(response.status_code)
                statuses[code] = statuses.get(code, 0) + 1
                if response.status_code == 200:
                    etag = response.headers.get("ETag")
                    rows.append(int(response.headers.get("X-Inbox-Rows", "0")))
                await asyncio.sleep(max(0.0, poll_s - (time.monotonic() - started)))

        await asyncio.gather(*(agent_loop(n, a) for n, a in enumerate(agents)))
    return {"latencies": latencies, "statuses": statuses, "rows": rows, "errors": errors}


def measure(
    base: str,
    pids: list[int],
    agents,
    kind: str,
    seconds: float,
    poll_s: float,
    redis: str,
    x_url: str,
    desk: Desk,
):
    """One desk's run against the running gunicorn; the figures as a dict."""
    cpu0, _ = process_stats(pids)
    r0 = redis_stats(redis)
    started = time.monotonic()
    busy = Busy(desk, x_url, started + seconds) if kind == "busy" else None
    if busy:
        busy.start()
    result = asyncio.run(play(base, agents, seconds, poll_s))
    if busy:
        busy.join(timeout=30)
    elapsed = time.monotonic() - started
    cpu1, _ = process_stats(pids)
    r1 = redis_stats(redis)
    polls = sum(result["statuses"].values())
    rows = result["rows"]
    return {
        "desk": kind,
        "agents": len(agents),
        "seconds": round(elapsed, 1),
        "polls_per_s": round(polls / elapsed, 1),
        "statuses": result["statuses"],
        "share_304": round(result["statuses"].get("304", 0) / polls, 3) if polls else 0.0,
        "errors": result["errors"],
        "p50_ms": round(quantile(result["latencies"], 0.5) * 1000, 1),
        "p95_ms": round(quantile(result["latencies"], 0.95) * 1000, 1),
        "rows_per_200": round(sum(rows) / len(rows), 1) if rows else 0,
        "desk_actions": busy.actions if busy else 0,
        "web_cpu_cores": round((cpu1 - cpu0) / elapsed, 3),
        "redis_commands_per_s": round((r1["commands"] - r0["commands"]) / elapsed, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the quiet and/or busy desk and print one result each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--poll-seconds", type=float, default=5)
    parser.add_argument("--desk", choices=("both", "quiet", "busy"), default="both")
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--json", action="store_true", help="one JSON line per desk")
    args = parser.parse_args(argv)
    folder = make_workdir("live-inbox")
    t0 = time.monotonic()

    def note(what: str) -> None:
        print(f"live_inbox: {what} at {time.monotonic() - t0:.1f} s", file=sys.stderr)

    with redis_url(args.redis_url, folder) as redis, sandbox() as x:
        x_url = x.url
        desk = Desk(desk_environ(folder, args.database_url, redis, x_url), folder)
        desk.reset()
        note("migrated")
        agents = seed_agents(desk, args.agents)
        seed_mentions(desk, x_url, OPEN_MENTIONS)
        sql = statements_per_poll(desk, agents[0])
        note("seeded")
        if not args.json:
            print(machine())
        kinds = ("quiet", "busy") if args.desk == "both" else (args.desk,)
        service, base = desk.gunicorn(2)  # as in production: 2 workers x 4 threads
        service.start()
        try:
            wait_for_http(base + "/auth/login", service)
            with httpx.Client(base_url=base, trust_env=False, timeout=30) as warm:
                for _ in range(8):  # every worker imports and connects before the clock
                    warm.get("/inbox/live", cookies={"session": agents[0]["cookie"]})
            root = psutil.Process(service.proc.pid)
            pids = [root.pid, *(p.pid for p in root.children())]
            note("web started")
            for kind in kinds:
                result = measure(
                    base, pids, agents, kind, args.seconds, args.poll_seconds, redis, x_url, desk
                )
                result["sql_per_poll"] = sql
                note(f"{kind} desk measured")
                print(json.dumps(result) if args.json else json.dumps(result, indent=1))
        finally:
            service.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
