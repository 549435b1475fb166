"""What live presence costs with N connected agents: polling with ETags against SSE over Redis.

    python benchmarks/presence.py [--agents 200] [--seconds 30] [--mode both|poll|sse]
                                  [--database-url URL] [--redis-url URL]

Starts a real gunicorn on a fresh database (SQLite by default) and Redis (embedded unless
--redis-url), signs N agents in (session cookies minted with the app's own key), then plays
the desk for --seconds:

- every agent has an inbox page of 25 mentions open and wants to see who views and types on
  them; a fifth of the agents also have a mention page open: they say "viewing" every 3 s
  and start or stop typing about every 10 s (each a real change everyone must see).
- poll: what the pages do (`GET /inbox/presence?ids=...` every 1.5 s with If-None-Match,
  `POST /mentions/<id>/presence` for the heartbeats); gunicorn as in production
  (2 workers x 4 threads).
- sse: the alternative, a prototype stream (`GET /bench/presence/stream?ids=...`) fed by
  Redis pub/sub: each change is published once with the changed mention's picture; each
  connection holds a thread (gunicorn 2 workers x 250 threads: the streams do not spread
  evenly); each process holds one Redis subscription, fanned out to its streams (one per
  stream exhausts the app's Redis connection pool: MaxConnectionsError, measured).
  Heartbeats are the same POSTs.

Reported per mode: requests/s and their p50/p95, how fast a change reaches the others
(poll: the time from a typing POST to the first poll answer that shows it; sse: to its event),
the web processes' CPU seconds per second and peak RSS, Redis commands/s, CPU and clients.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psutil  # noqa: E402

from benchmarks.harness import Desk, desk_environ, machine, redis_url, wait_for_http  # noqa: E402
from benchmarks.harness import workdir as make_workdir  # noqa: E402
from tests.chaos.cluster import Service, free_port  # noqa: E402

PAGE_IDS = list(range(1, 26))  # an inbox page: presence needs no mention rows
POLL_S = 1.5
BEAT_S = 3.0
TOGGLE_S = 10.0


def seed_agents(desk: Desk, count: int) -> list[dict[str, str]]:
    """`count` agents, each with a session cookie and a CSRF token for the forms."""
    from flask import g, session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf

    from helpdesk.auth import sessions
    from helpdesk.extensions import db
    from helpdesk.models import Employee
    from helpdesk.services.employees import create_employee

    app = desk.app
    agents = []
    with app.app_context():
        first = create_employee("5000", "Agent 5000", "agent", "presence benchmark pw")
        db.session.add_all(
            Employee(
                number=str(5000 + n),
                name=f"Agent {5000 + n}",
                role=first.role,
                password_hash=first.password_hash,
            )
            for n in range(1, count)
        )
        db.session.commit()
        serializer = app.session_interface.get_signing_serializer(app)
        for employee in db.session.query(Employee).order_by(Employee.number).limit(count):
            with app.test_request_context("/"):
                g.pop("csrf_token", None)  # g outlives this request: Flask-WTF caches it there
                login_user(employee)
                sessions.start()
                token = generate_csrf()
                cookie = serializer.dumps(dict(session))
            agents.append({"number": employee.number, "cookie": cookie, "csrf": token})
    return agents


def process_stats(pids: list[int]) -> tuple[float, float]:
    """CPU seconds (user + system) and RSS MiB summed over the processes still alive."""
    cpu = rss = 0.0
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            times = proc.cpu_times()
            cpu += times.user + times.system
            rss += proc.memory_info().rss / 2**20
        except psutil.Error:
            pass
    return cpu, rss


def redis_stats(url: str) -> dict[str, float]:
    import redis

    info = redis.Redis.from_url(url).info()
    return {
        "commands": float(info["total_commands_processed"]),
        "cpu": float(info["used_cpu_sys"]) + float(info["used_cpu_user"]),
        "clients": float(info["connected_clients"]),
    }


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Run:
    """One mode's clients and what they saw."""

    def __init__(self, base: str, agents: list[dict[str, str]], mode: str, seconds: float):
        self.base, self.agents, self.mode, self.seconds = base, agents, mode, seconds
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.errors = 0
        self.changes: dict[str, float] = {}  # "number:state" -> when it was sent
        self.seen_after: list[float] = []
        self.events = 0
        self.stop_at = 0.0
        self.refusal = ""  # the first refused request, to say why
        self.started = 0.0

    def client(self, agent: dict[str, str]) -> httpx.AsyncClient:
        """The agent's client, made before the clock starts (each costs an SSL context)."""
        return httpx.AsyncClient(
            base_url=self.base,
            cookies={"session": agent["cookie"]},
            timeout=30,
            trust_env=False,
            limits=httpx.Limits(max_connections=2),
        )

    async def _request(self, client, method, url, **kwargs):
        started = time.monotonic()
        try:
            response = await client.request(method, url, **kwargs)
        except httpx.HTTPError:
            self.errors += 1
            return None
        self.latencies.append(time.monotonic() - started)
        if response.status_code >= 400 and not self.refusal:
            body = response.text
            shown = body[body.find("<main") :][:400] if "<main" in body else body[:300]
            self.refusal = f"{method} {url}: {response.status_code} {shown}"
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        return response

    def _saw(self, picture: dict) -> None:
        now = time.monotonic()
        for item in picture.values():
            for kind in ("typing", "viewing"):
                for person in item.get(kind, []):
                    state = "typing" if kind == "typing" else "viewing"
                    sent = self.changes.pop(f"{person['number']}:{state}", None)
                    if sent is not None:
                        self.seen_after.append(now - sent)

    async def poller(self, client):
        async with client:
            await asyncio.sleep(random.uniform(0, POLL_S))
            etag = None
            url = "/inbox/presence?ids=" + ",".join(map(str, PAGE_IDS))
            while time.monotonic() < self.stop_at:
                headers = {"If-None-Match": etag} if etag else {}
                response = await self._request(client, "GET", url, headers=headers)
                if response is not None and response.status_code == 200:
                    etag = response.headers.get("ETag")
                    self._saw(response.json()["items"])
                await asyncio.sleep(POLL_S)

    async def streamer(self, client):
        url = "/bench/presence/stream?ids=" + ",".join(map(str, PAGE_IDS))
        async with client:
            try:
                # a quiet stream sends nothing until its keep-alive: stop on time regardless
                async with (
                    asyncio.timeout_at(self._loop_stop_at()),
                    client.stream("GET", url, timeout=None) as response,
                ):
                    self.statuses[response.status_code] = (
                        self.statuses.get(response.status_code, 0) + 1
                    )
                    async for line in response.aiter_lines():
                        if line.startswith("data: "):
                            self.events += 1
                            event = json.loads(line[6:])
                            self._saw({event["id"]: event["picture"]})
                        if time.monotonic() >= self.stop_at:
                            break
            except TimeoutError:
                pass  # the run is over
            except httpx.HTTPError:
                self.errors += 1

    def _loop_stop_at(self) -> float:
        """The run's end on the event loop's clock (asyncio.timeout_at's unit)."""
        loop = asyncio.get_running_loop()
        return loop.time() + (self.stop_at - time.monotonic())

    async def viewer(self, client, agent, mention_id: int):
        async with client:
            url = f"/mentions/{mention_id}/presence"
            typing = False
            # the first toggle within the run's first half, so a short run sees changes too
            next_toggle = time.monotonic() + random.uniform(0, min(TOGGLE_S, self.seconds / 2))
            await asyncio.sleep(random.uniform(0, BEAT_S))
            while time.monotonic() < self.stop_at:
                if time.monotonic() >= next_toggle:
                    typing = not typing
                    next_toggle += TOGGLE_S
                    state = "typing" if typing else "viewing"
                    if typing:
                        self.changes[f"{agent['number']}:typing"] = time.monotonic()
                else:
                    state = "typing" if typing else "viewing"
                data = {"state": state, "csrf_token": agent["csrf"]}
                await self._request(client, "POST", url, data=data)
                await asyncio.sleep(BEAT_S if not typing else BEAT_S)

    async def play(self) -> None:
        viewers = self.agents[: max(1, len(self.agents) // 5)]
        watch = self.poller if self.mode == "poll" else self.streamer
        tasks = [watch(self.client(a)) for a in self.agents]
        tasks += [
            self.viewer(self.client(a), a, PAGE_IDS[n % len(PAGE_IDS)])
            for n, a in enumerate(viewers)
        ]
        self.started = time.monotonic()  # the clients are made: start the clock
        self.stop_at = self.started + self.seconds
        await asyncio.gather(*tasks)


def start_web(desk: Desk, mode: str) -> tuple[Service, str]:
    port = free_port()
    threads = "4" if mode == "poll" else "250"  # sse: a thread per stream, either worker
    target = "wsgi:app" if mode == "poll" else "benchmarks.presence_sse:app"
    argv = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--no-control-socket"]
    argv += ["--workers", "2", "--threads", threads, "--timeout", "120"]
    argv += ["--error-logfile", "-", "--pythonpath", str(ROOT), target]
    env = {**os.environ, **desk.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("TEST_DATABASE_URL", None)
    logs = desk.workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    return Service(f"web-{mode}", argv, env, logs), f"http://127.0.0.1:{port}"


def unit_costs(base: str, agent: dict[str, str], pids: list[int], redis: str, count: int = 300):
    """Web CPU ms and Redis commands per request, one request at a time (no queueing): a poll
    answered in full, a poll answered 304, a heartbeat."""
    url = "/inbox/presence?ids=" + ",".join(map(str, PAGE_IDS))
    costs = {}
    with httpx.Client(base_url=base, cookies={"session": agent["cookie"]}, trust_env=False) as c:
        beat = {"state": "viewing", "csrf_token": agent["csrf"]}
        c.post("/mentions/1/presence", data=beat)
        etag = c.get(url).headers["ETag"]
        kinds = {
            "poll_200": lambda: c.get(url),
            "poll_304": lambda: c.get(url, headers={"If-None-Match": etag}),
            "heartbeat": lambda: c.post("/mentions/1/presence", data=beat),
        }
        for kind, call in kinds.items():
            cpu0, _ = process_stats(pids)
            r0 = redis_stats(redis)["commands"]
            started = time.monotonic()
            statuses: dict[int, int] = {}
            for _ in range(count):
                response = call()
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code == 200 and kind == "poll_304":
                    etag = response.headers["ETag"]  # the 4 s bucket turned
            elapsed = time.monotonic() - started
            cpu1, _ = process_stats(pids)
            r1 = redis_stats(redis)["commands"]
            costs[kind] = {
                "statuses": statuses,
                "cpu_ms": round((cpu1 - cpu0) * 1000 / count, 2),
                "wall_ms": round(elapsed * 1000 / count, 2),
                "redis_commands": round((r1 - r0 - 1) / count, 2),  # INFO itself counts
            }
    return costs


def measure(
    desk: Desk, agents, mode: str, seconds: float, redis: str, unit_requests: int = 300
) -> dict[str, object]:
    service, base = start_web(desk, mode)
    service.start()
    try:
        wait_for_http(base + "/auth/login", service)
        time.sleep(1)
        pids = [service.proc.pid, *psutil.Process(service.proc.pid).children(recursive=True)]
        pids = [p if isinstance(p, int) else p.pid for p in pids]
        units = unit_costs(base, agents[0], pids, redis, unit_requests) if mode == "poll" else None
        cpu0, _ = process_stats(pids)
        r0 = redis_stats(redis)
        run = Run(base, agents, mode, seconds)
        peak = {"rss": 0.0, "clients": 0.0}

        async def watch_memory():
            while not run.stop_at:
                await asyncio.sleep(0.1)
            while time.monotonic() < run.stop_at:
                _, rss = process_stats(pids)
                peak["rss"] = max(peak["rss"], rss)
                peak["clients"] = max(peak["clients"], redis_stats(redis)["clients"])
                await asyncio.sleep(2)

        async def main():
            await asyncio.gather(run.play(), watch_memory())

        asyncio.run(main())
        elapsed = time.monotonic() - run.started
        cpu1, _ = process_stats(pids)
        r1 = redis_stats(redis)
    finally:
        service.kill()
    requests = sum(run.statuses.values())
    return {
        "mode": mode,
        "agents": len(agents),
        "seconds": round(elapsed, 1),
        "requests_per_s": round(requests / elapsed, 1),
        "statuses": run.statuses,
        "errors": run.errors,
        "p50_ms": round(quantile(run.latencies, 0.5) * 1000, 1),
        "p95_ms": round(quantile(run.latencies, 0.95) * 1000, 1),
        "change_seen_p50_s": round(quantile(run.seen_after, 0.5), 2),
        "change_seen_p95_s": round(quantile(run.seen_after, 0.95), 2),
        "changes_seen": len(run.seen_after),
        "sse_events": run.events,
        "web_cpu_per_s": round((cpu1 - cpu0) / elapsed, 3),
        "web_peak_rss_mib": round(peak["rss"], 1),
        "redis_commands_per_s": round((r1["commands"] - r0["commands"]) / elapsed, 1),
        "redis_cpu_per_s": round((r1["cpu"] - r0["cpu"]) / elapsed, 4),
        "redis_peak_clients": int(peak["clients"]),
        "first_refusal": run.refusal,
        "unit_costs": units,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--mode", choices=("both", "poll", "sse"), default="both")
    parser.add_argument(
        "--unit-requests", type=int, default=300, help="requests per kind for the unit costs"
    )
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--json", action="store_true", help="one JSON line per mode")
    args = parser.parse_args(argv)
    folder = make_workdir("presence")
    with redis_url(args.redis_url, folder) as redis:
        environ = desk_environ(folder, args.database_url, redis, "http://127.0.0.1:9")
        desk = Desk(environ, folder)
        desk.reset()
        agents = seed_agents(desk, args.agents)
        modes = ("poll", "sse") if args.mode == "both" else (args.mode,)
        if not args.json:
            print(machine())
        for mode in modes:
            result = measure(desk, agents, mode, args.seconds, redis, args.unit_requests)
            print(json.dumps(result) if args.json else json.dumps(result, indent=1))
            if statistics and result["errors"]:
                print(f"presence: {result['errors']} request errors in {mode}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
