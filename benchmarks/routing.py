"""Routing simulator: a day of mentions against simulated agents, through the real Next.

A fresh database (SQLite in a temporary folder unless --database-url), the real migrations,
`--agents` agents with languages (ja, en or both), expertise tags and capacities (1-5),
a few trainees allowed one tag, in four overlapping 8-hour shifts. A day of `--mentions`
mentions (Japanese and English, half of them tagged, 15% high priority, 5% escalated) arrives
on a daytime curve with three bursts. Each agent presses Next (services/routing.next_for,
the real service on the real database and Redis presence) whenever a slot is free and
something has arrived; each claim is answered after a few simulated minutes. Simulated time
is only the mentions' timestamps and the event clock: every Next runs for real.

Reported: time to first claim p50/p95 by priority, the share claimed by a fitting agent,
fitting agents left idle while a mention waits (target 0), the most claims any agent held
against its capacity (never above), and fairness: each Next checked against an independent
oracle of the rule (escalated, SLA due, customer's time, tweet id; fit or nobody fitting
online). With `--mode auto` nobody presses Next: the desk's auto pass
(services/auto_routing.assign_waiting) runs within 10 simulated seconds of any change and
hands the work out; fairness then means no waiting mention is left that an agent with room
may take, and no agent is handed a mention while an earlier one they may take waits.

`--pass-cost` instead measures one auto pass's real time with N agents online and idle,
nothing waiting, and with a backlog of `--mentions` waiting mentions. Usage:

    python benchmarks/routing.py [--agents 50 100 200 400] [--mentions 2000] [--seed 7]
        [--mode next|auto] [--pass-cost] [--database-url URL] [--json FILE]
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

import sqlalchemy as sa  # noqa: E402

from helpdesk import create_app  # noqa: E402
from helpdesk.extensions import db  # noqa: E402
from helpdesk.models import (  # noqa: E402
    BrandAccount,
    Employee,
    Mention,
    MentionStatus,
    Priority,
    Role,
    Tag,
    XUser,
    employee_tags,
    mention_tags,
)
from helpdesk.services import auto_routing, presence, routing  # noqa: E402

TAGS = ("カメラ", "PC", "配送", "返品")
DAY = datetime(2026, 11, 2, tzinfo=UTC)  # the simulated day (a Monday), in UTC
SHIFTS = (0, 6, 12, 18)  # shift starts (hours); each lasts 8 hours, so they overlap
SLA = {Priority.NORMAL: 3600, Priority.HIGH: 900}
BURSTS = ((3.0, 8.0), (9.5, 6.0), (13.0, 10.0))  # (hour, how many times the base rate)
PASS_EVERY = 10.0  # seconds between the desk's auto passes (workers/cron.py)


@dataclass
class Agent:
    id: int
    number: str
    languages: frozenset[str]
    tags: frozenset[str]
    capacity: int
    trainee: bool
    shift: int
    on_shift: bool = False
    holding: set[int] = field(default_factory=set)
    idle_since: float = 0.0  # sim seconds: who waited longest presses Next first
    asleep: bool = False  # Next found nothing: wait for an arrival or a change of shift

    def fits(self, m: SimMention) -> bool:
        """The rule as the simulator reads it: language, then a shared tag (a trainee: must)."""
        if m.language not in self.languages:
            return False
        if self.trainee:
            return bool(m.tags & self.tags)
        return not m.tags or bool(m.tags & self.tags)


@dataclass
class SimMention:
    index: int
    at: float  # sim seconds after DAY
    language: str
    tags: frozenset[str]
    priority: Priority
    escalated: bool
    id: int | None = None
    tweet_id: int = 0
    claimed_at: float | None = None
    claimed_by: Agent | None = None
    fit_online: bool = False  # when claimed, someone on shift fitted it

    def key(self) -> tuple:
        """Next's order: escalated first, then SLA due time, then the customer's time, tweet id."""
        return (not self.escalated, self.at + SLA[self.priority], self.at, self.tweet_id)


def arrivals(rng: random.Random, count: int) -> list[float]:
    """`count` arrival times over the day: a daytime curve (JST) plus three short bursts."""

    def rate(hour: float) -> float:
        jst = (hour + 9) % 24
        base = 0.25 + math.exp(-(((jst - 13) / 4.5) ** 2))  # quiet nights, busy afternoons
        burst = sum(k for h, k in BURSTS if h <= hour < h + 0.25)
        return base * (1 + burst)

    peak = max(rate(h / 60) for h in range(24 * 60))
    times: list[float] = []
    while len(times) < count:
        hour = rng.uniform(0, 24)
        if rng.uniform(0, peak) < rate(hour):
            times.append(hour * 3600)
    return sorted(times)


def make_mentions(rng: random.Random, count: int) -> list[SimMention]:
    made = []
    for i, at in enumerate(arrivals(rng, count)):
        tags = frozenset() if rng.random() < 0.5 else frozenset({rng.choice(TAGS)})
        made.append(
            SimMention(
                index=i,
                at=at,
                language="ja" if rng.random() < 0.75 else "en",
                tags=tags,
                priority=Priority.HIGH if rng.random() < 0.15 else Priority.NORMAL,
                escalated=rng.random() < 0.05,
            )
        )
    return made


def make_agents(rng: random.Random, count: int) -> list[Agent]:
    """Agents (5% trainees) with languages, tags and capacities, stored as employees."""
    tag_ids = {}
    for name in TAGS:
        tag = Tag(name=name)
        db.session.add(tag)
        db.session.flush()
        tag_ids[name] = tag.id
    agents = []
    for n in range(count):
        trainee = rng.random() < 0.05
        roll = rng.random()
        languages = {"ja"} if roll < 0.6 else {"en"} if roll < 0.75 else {"ja", "en"}
        if trainee:
            tags = {rng.choice(TAGS)}
        else:
            tags = set(rng.sample(TAGS, rng.choice((0, 0, 1, 1, 2))))
        employee = Employee(
            number=f"{7000 + n}",
            name=f"Sim {n}",
            role=Role.TRAINEE if trainee else Role.AGENT,
            password_hash="x",  # noqa: S106 - nobody signs in
            languages=",".join(sorted(languages)),
            capacity=1 if trainee else rng.randint(1, 5),
        )
        db.session.add(employee)
        db.session.flush()
        if tags:
            db.session.execute(
                sa.insert(employee_tags),
                [{"employee_id": employee.id, "tag_id": tag_ids[t]} for t in tags],
            )
        agents.append(
            Agent(
                employee.id,
                employee.number,
                frozenset(languages),
                frozenset(tags),
                employee.capacity,
                trainee,
                SHIFTS[n % len(SHIFTS)],
            )
        )
    db.session.commit()
    return agents


class Simulation:
    """The event loop: arrivals, answers, shift changes; every Next is the real service."""

    def __init__(
        self, agents: list[Agent], mentions: list[SimMention], seed: int, mode: str = "next"
    ) -> None:
        self.mode = mode
        self.pass_due: float | None = None
        self.passes = 0
        self.rng = random.Random(seed + 1)
        self.agents = agents
        self.by_id = {a.id: a for a in agents}
        self.mentions = mentions
        self.by_db_id: dict[int, SimMention] = {}
        self.waiting: dict[int, SimMention] = {}  # arrived, not claimed yet
        self.events: list[tuple[float, int, str, object]] = []
        self.seq = 0
        self.tag_ids = dict(db.session.execute(sa.select(Tag.name, Tag.id)).all())
        self.brand = BrandAccount(x_user_id=1, username="acme_help", name="Acme")
        db.session.add(self.brand)
        db.session.add(XUser(x_user_id=2, username="customer", name="Customer"))
        db.session.commit()
        self.nexts = 0
        self.next_seconds = 0.0
        self.unfair: list[str] = []
        self.idle_fitting_events = 0
        self.idle_fitting_max = 0
        self.over_capacity = 0
        self.max_ratio = 0.0

    def push(self, at: float, kind: str, payload: object) -> None:
        self.seq += 1
        heapq.heappush(self.events, (at, self.seq, kind, payload))

    def run(self) -> None:
        for m in self.mentions:
            self.push(m.at, "arrive", m)
        for agent in self.agents:
            start = agent.shift * 3600
            self.push(start, "shift_start", agent)
            self.push(start + 8 * 3600, "shift_end", agent)
            if agent.shift + 8 > 24:  # a night shift that began the day before
                self.push(0, "shift_start", agent)
                self.push((agent.shift + 8 - 24) * 3600, "shift_end", agent)
        for tick in range(24 * 6 + 1):  # every 10 simulated minutes
            self.push(tick * 600 + 1, "refresh", None)
        while self.events:
            now, _, kind, payload = heapq.heappop(self.events)
            getattr(self, f"on_{kind}")(now, payload)
            if self.mode == "next":
                self.dispatch(now)
                self.check_idle(now)
            elif kind == "auto_pass":
                self.check_idle(now)
            elif self.waiting and self.pass_due is None:
                self.pass_due = (now // PASS_EVERY + 1) * PASS_EVERY
                self.push(self.pass_due, "auto_pass", None)

    # -- events ------------------------------------------------------------------------

    def on_arrive(self, now: float, m: SimMention) -> None:
        created = DAY + timedelta(seconds=m.at)
        m.tweet_id = 10**18 + m.index
        row = Mention(
            tweet_id=m.tweet_id,
            brand_account_id=self.brand.id,
            author_x_id=2,
            conversation_id=m.tweet_id,
            text=f"sim {m.index}",
            language=m.language,
            created_at=created,
            priority=m.priority,
            escalated_at=created if m.escalated else None,
        )
        db.session.add(row)
        db.session.flush()
        if m.tags:
            db.session.execute(
                sa.insert(mention_tags),
                [{"mention_id": row.id, "tag_id": self.tag_ids[t]} for t in m.tags],
            )
        db.session.commit()
        m.id = row.id
        self.by_db_id[row.id] = m
        self.waiting[row.id] = m
        self.wake()

    def on_answer(self, now: float, m: SimMention) -> None:
        db.session.execute(
            sa.update(Mention)
            .where(Mention.id == m.id)
            .values(status=MentionStatus.ANSWERED, claimed_by_id=None, claim_expires_at=None)
        )
        db.session.commit()
        agent = m.claimed_by
        assert agent is not None
        agent.holding.discard(m.id)
        agent.asleep = False

    def on_shift_start(self, now: float, agent: Agent) -> None:
        agent.on_shift, agent.idle_since = True, now
        presence.touch(agent.id, active=True, at=time.time())
        self.wake()  # a fitting colleague came online: others may now skip what fits them

    def on_shift_end(self, now: float, agent: Agent) -> None:
        agent.on_shift = False
        presence.forget(agent.id)
        self.wake()  # nobody fitting may be left online for some mentions

    def on_refresh(self, now: float, _: object) -> None:
        """Keep the on-shift agents online in Redis while the run takes real minutes."""
        real = time.time()
        for agent in self.agents:
            if agent.on_shift:
                presence.touch(agent.id, active=True, at=real)

    def on_auto_pass(self, now: float, _: object) -> None:
        """The desk's pass: the real service assigns; the outcome is read back and checked."""
        self.pass_due = None
        started = time.perf_counter()
        auto_routing.assign_waiting()
        self.next_seconds += time.perf_counter() - started
        self.passes += 1
        db.session.commit()
        rows = db.session.execute(
            sa.select(Mention.id, Mention.claimed_by_id).where(
                Mention.id.in_(list(self.waiting)), Mention.claimed_by_id.is_not(None)
            )
        ).all()
        handed: dict[int, list[SimMention]] = defaultdict(list)
        online = [a for a in self.agents if a.on_shift]
        for mention_id, employee_id in rows:
            m, agent = self.waiting.pop(mention_id), self.by_id[employee_id]
            m.claimed_at, m.claimed_by = now, agent
            m.fit_online = any(a.fits(m) for a in online)
            agent.holding.add(mention_id)
            handed[agent.id].append(m)
            self.push(now + self.rng.lognormvariate(math.log(240), 0.5), "answer", m)
        held = routing.open_claims_by_employee()
        for agent in self.agents:
            count = held.get(agent.id, 0)
            self.over_capacity += count > agent.capacity
            self.max_ratio = max(self.max_ratio, count / agent.capacity)
        for agent in online:  # what the rule says about this pass's outcome
            may_take = [m for m in self.waiting.values() if self.eligible(agent, m, online)]
            if may_take and len(agent.holding) < agent.capacity:
                self.unfair.append(f"{agent.number} has room, {may_take[0].index} waits")
            for m in handed[agent.id]:
                earlier = [w for w in may_take if w.key() < m.key()]
                if earlier:
                    self.unfair.append(f"{agent.number} got {m.index}, {earlier[0].index} waits")

    @staticmethod
    def eligible(agent: Agent, m: SimMention, online: list[Agent]) -> bool:
        """The agent may be handed m: they fit it, or (not a trainee) nobody online fits it."""
        return agent.fits(m) or (not agent.trainee and not any(a.fits(m) for a in online))

    # -- Next --------------------------------------------------------------------------

    def wake(self) -> None:
        for agent in self.agents:
            agent.asleep = False

    def ready(self) -> list[Agent]:
        """On-shift agents with a free slot, longest waiting first (who presses Next first)."""
        free = [
            a for a in self.agents if a.on_shift and not a.asleep and len(a.holding) < a.capacity
        ]
        return sorted(free, key=lambda a: (a.idle_since, a.id))

    def dispatch(self, now: float) -> None:
        """Agents with free slots press Next until a full pass hands nothing out."""
        progress = True
        while progress and self.waiting:
            progress = False
            for agent in self.ready():
                if not self.waiting:
                    return
                if self.press_next(agent, now):
                    progress = True

    def press_next(self, agent: Agent, now: float) -> bool:
        employee = db.session.get(Employee, agent.id)
        expected = self.oracle(agent)
        started = time.perf_counter()
        got = routing.next_for(employee)
        self.next_seconds += time.perf_counter() - started
        self.nexts += 1
        db.session.commit()
        if got is None:
            if expected is not None:
                self.unfair.append(f"{agent.number} got nothing, oracle says {expected.index}")
            agent.asleep = True
            return False
        m = self.by_db_id[got.id]
        if expected is None or m is not expected:
            self.unfair.append(
                f"{agent.number} got {m.index}, oracle says {expected.index if expected else None}"
            )
        del self.waiting[m.id]
        m.claimed_at, m.claimed_by = now, agent
        m.fit_online = any(a.on_shift and a.fits(m) for a in self.agents)
        agent.holding.add(m.id)
        agent.idle_since = now
        held = routing.open_claims(employee)
        self.over_capacity += held > agent.capacity
        self.max_ratio = max(self.max_ratio, held / agent.capacity)
        self.push(now + self.rng.lognormvariate(math.log(240), 0.5), "answer", m)
        return True

    def oracle(self, agent: Agent) -> SimMention | None:
        """What the rule says this agent should get now, computed apart from the service."""
        online = [a for a in self.agents if a.on_shift and a is not agent]
        allowed = []
        for m in self.waiting.values():
            if agent.fits(m):
                allowed.append(m)
            elif not agent.trainee and not any(a.fits(m) for a in online):
                allowed.append(m)
        return min(allowed, key=SimMention.key) if allowed else None

    def check_idle(self, now: float) -> None:
        """Fitting agents with a free slot while a mention they fit waits: the target is 0."""
        idle = [a for a in self.agents if a.on_shift and len(a.holding) < a.capacity]
        pairs = sum(1 for m in self.waiting.values() for a in idle if a.fits(m))
        if pairs:
            self.idle_fitting_events += 1
            self.idle_fitting_max = max(self.idle_fitting_max, pairs)

    # -- report ------------------------------------------------------------------------

    def report(self) -> dict[str, object]:
        waits: dict[str, list[float]] = defaultdict(list)
        fitting = claimed = could = could_fitting = 0
        for m in self.mentions:
            if m.claimed_at is None:
                continue
            claimed += 1
            label = "escalated" if m.escalated else m.priority.value
            waits[label].append(m.claimed_at - m.at)
            fits = m.claimed_by is not None and m.claimed_by.fits(m)
            fitting += fits
            could += m.fit_online
            could_fitting += m.fit_online and fits
        return {
            "agents": len(self.agents),
            "mentions": len(self.mentions),
            "claimed": claimed,
            "time_to_first_claim_s": {
                label: {"p50": percentile(v, 50), "p95": percentile(v, 95), "n": len(v)}
                for label, v in sorted(waits.items())
            },
            "claimed_by_fitting_agent": round(fitting / claimed, 4) if claimed else None,
            "claimed_by_fitting_agent_where_one_was_online": (
                round(could_fitting / could, 4) if could else None
            ),
            "events_with_idle_fitting_agent_and_waiting_mention": self.idle_fitting_events,
            "max_idle_fitting_pairs": self.idle_fitting_max,
            "max_claims_over_capacity": round(self.max_ratio, 3),
            "claims_above_capacity": self.over_capacity,
            "fairness_violations": len(self.unfair),
            "fairness_examples": self.unfair[:5],
            "mode": self.mode,
            "next_calls": self.nexts,
            "auto_passes": self.passes,
            "ms_per_call_mean": round(
                1000 * self.next_seconds / max(self.nexts + self.passes, 1), 2
            ),
        }


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))], 1)


def build_app(url: str | None):
    instance = tempfile.mkdtemp(prefix="helpdesk-routing-")
    environ = {"HELPDESK_INSTANCE": instance, "SECRET_KEY": "benchmark-secret-key-123"}
    if url:
        environ["DATABASE_URL"] = url
    if os.environ.get("REDIS_URL"):  # else an embedded Redis in the temporary instance
        environ["REDIS_URL"] = os.environ["REDIS_URL"]
    return create_app(environ=environ)


def fresh_schema(app) -> None:
    """Drop everything and migrate (also on a reused PostgreSQL database); forget presence."""
    from flask_migrate import upgrade

    with db.engine.begin() as conn:
        db.metadata.drop_all(conn)
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()
    app.extensions["redis"].delete(presence.ACTIVE_KEY, presence.SEEN_KEY)


def simulate(app, agents_count: int, mention_count: int, seed: int, mode: str) -> dict:
    """One simulated day in `mode` on a fresh schema; the report."""
    with app.app_context():
        fresh_schema(app)
        rng = random.Random(seed)
        agents = make_agents(rng, agents_count)
        mentions = make_mentions(rng, mention_count)
        started = time.monotonic()
        sim = Simulation(agents, mentions, seed, mode)
        sim.run()
        result = sim.report()
        result["backend"] = db.engine.dialect.name
        result["wall_seconds"] = round(time.monotonic() - started, 1)
        return result


def pass_cost(app, agents_count: int, backlog: int, seed: int) -> dict:
    """One auto pass's real time with every agent online: nothing waiting, then a backlog."""
    with app.app_context():
        fresh_schema(app)
        rng = random.Random(seed)
        agents = make_agents(rng, agents_count)
        now = time.time()
        for agent in agents:
            presence.touch(agent.id, active=True, at=now)
        sim = Simulation(agents, [], seed, "auto")
        idle = []
        for _ in range(5):
            started = time.perf_counter()
            assert auto_routing.assign_waiting() == 0
            idle.append(time.perf_counter() - started)
        for m in make_mentions(rng, backlog):
            sim.on_arrive(0, m)
        started = time.perf_counter()
        assigned = auto_routing.assign_waiting()
        elapsed = time.perf_counter() - started
        over = sum(
            count > sim.by_id[i].capacity for i, count in routing.open_claims_by_employee().items()
        )
        return {
            "agents": agents_count,
            "backend": db.engine.dialect.name,
            "idle_pass_ms_median": round(1000 * sorted(idle)[2], 1),
            "backlog": backlog,
            "backlog_pass_s": round(elapsed, 2),
            "backlog_assigned": assigned,
            "room": sum(a.capacity for a in agents),
            "claims_above_capacity": over,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[50, 100, 200, 400])
    parser.add_argument("--mentions", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mode", choices=("next", "auto"), default="next")
    parser.add_argument("--pass-cost", action="store_true")
    parser.add_argument("--database-url")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not all(1 <= n <= 1000 for n in args.agents) or not 1 <= args.mentions <= 100_000:
        parser.error("--agents 1-1000, --mentions 1-100000")
    app = build_app(args.database_url)
    results = []
    for count in args.agents:
        if args.pass_cost:
            result = pass_cost(app, count, args.mentions, args.seed)
        else:
            result = simulate(app, count, args.mentions, args.seed, args.mode)
        print(json.dumps(result, ensure_ascii=False, indent=2), flush=True)
        results.append(result)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    failed = any(r.get("fairness_violations") or r.get("claims_above_capacity") for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
