"""Fault-suite helpers: the ledger, invariant checks, set-up helpers, worker processes to kill.

Every scenario checks invariants 1-4 from the database *and* from the sandbox's own record,
counts what it checked in a session ledger, and the ledger writes its totals per backend
to benchmarks/faults.md at the end of the run (FAULTS_SUMMARY=0 turns that off).
Timing is random but seeded: FAULTS_SEED=<n> replays a run, FAULTS_REPEAT=<n> sets the
repetitions per scenario (default 1: each CI run draws a fresh seed, so runs explore new
timings over time; FAULTS_REPEAT=5 explores more in one go).
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Mention, Reply, ReplyStatus
from helpdesk.services import outbox
from helpdesk.services.ingest import ingest_mentions
from helpdesk.services.outbox import same_text
from helpdesk.x.sandbox import BRAND_ID
from tests.support.sandbox import RunningSandbox
from tests.support.waiting import WaitTimeout, wait_for

ROOT = Path(__file__).resolve().parents[2]
SUMMARY_PATH = ROOT / "benchmarks" / "faults.md"
SEED = int(os.environ.get("FAULTS_SEED") or random.SystemRandom().randrange(1, 1_000_000))
REPEAT = int(os.environ.get("FAULTS_REPEAT") or 1)
RUNS = [pytest.param(i, id=f"run{i + 1}") for i in range(REPEAT)]
IS_POSTGRES = (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgres")
# The sweep's "queued for a minute: Redis may have lost the job" threshold, compressed like
# every other clock in this suite (posting grace 1 s, rate windows of seconds).
FAST_REQUEUE = timedelta(seconds=3)


OUTCOME = pytest.StashKey[str]()  # a test's outcome, for its scenario record


# -- the ledger -------------------------------------------------------------------------------


@dataclass
class Scenario:
    """One run of one scenario: its random source and what it injected and checked."""

    name: str
    run: int
    rng: random.Random
    faults: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    mentions: int = 0
    replies: int = 0
    lost: int = 0
    duplicated: int = 0
    outcome: str = "?"
    seconds: float = 0.0

    def fault(self, what: str) -> None:
        """Record one injected fault."""
        self.faults.append(what)

    def note(self, what: str) -> None:
        """Record a random choice or an observation, shown when the test fails."""
        self.notes.append(what)

    def __str__(self) -> str:
        return f"{self.name}[run{self.run}] seed={SEED} faults={self.faults} notes={self.notes}"


@dataclass
class Ledger:
    """Every scenario run of the session."""

    runs: list[Scenario] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)


LEDGER = Ledger()


def backend_label(environ: dict[str, str]) -> str:
    """ "SQLite + embedded Redis", "PostgreSQL + Redis server", or a mix of the two."""
    database = "PostgreSQL" if environ["DATABASE_URL"].startswith("postgres") else "SQLite"
    redis = "Redis server" if os.environ.get("REDIS_URL") else "embedded Redis"
    return f"{database} + {redis}"


HEADER = """# Fault-injection suite: results

Written by `tests/faults` at the end of each run (`pytest tests/faults`), one section per
backend, replaced on each run. Each scenario runs `FAULTS_REPEAT` times with random timing
from the seed shown (`FAULTS_SEED=<seed>` replays it). *Mentions checked*: mentions the X
sandbox holds, each compared with the database (stored exactly once). *Replies checked*:
replies in the database, each compared with the brand's posts on the sandbox (exactly one
post with its text, replying to its mention, and the reply `posted` with that post's id).
*Lost* counts mentions not stored, and replies not on X when the scenario's bounded wait
ended; *duplicated* counts mentions stored twice and extra brand posts.
"""


def render_section(label: str, ledger: Ledger) -> str:
    """The markdown section for one backend."""
    by_name: dict[str, list[Scenario]] = {}
    for run in ledger.runs:
        by_name.setdefault(run.name, []).append(run)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    elapsed = time.monotonic() - ledger.started
    lines = [
        f"## {label}",
        "",
        f"Run {when}: seed {SEED}, {REPEAT} repetitions per scenario, "
        f"{len(ledger.runs)} scenario runs in {elapsed:.0f} s.",
        "",
        "| scenario | runs | passed | faults injected | mentions checked | replies checked "
        "| lost | duplicated |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    total = Counter[str]()
    for name, runs in by_name.items():
        row = {
            "runs": len(runs),
            "passed": sum(r.outcome == "passed" for r in runs),
            "faults": sum(len(r.faults) for r in runs),
            "mentions": sum(r.mentions for r in runs),
            "replies": sum(r.replies for r in runs),
            "lost": sum(r.lost for r in runs),
            "duplicated": sum(r.duplicated for r in runs),
        }
        total.update(row)
        lines.append(
            f"| {name} | {row['runs']} | {row['passed']} | {row['faults']} | {row['mentions']} "
            f"| {row['replies']} | {row['lost']} | {row['duplicated']} |"
        )
    lines.append(
        f"| **total** | {total['runs']} | {total['passed']} | {total['faults']} "
        f"| {total['mentions']} | {total['replies']} | {total['lost']} | {total['duplicated']} |"
    )
    failed = [r for r in ledger.runs if r.outcome != "passed"]
    if failed:
        lines += ["", "Runs that did not pass:", ""]
        lines += [f"- `{r.name}[run{r.run}]` {r.outcome}: {'; '.join(r.notes)}" for r in failed]
    return "\n".join(lines) + "\n"


def write_summary(path: Path, label: str, section: str) -> None:
    """Replace this backend's section of the summary file (or add it), keeping the others."""
    text = path.read_text() if path.exists() else HEADER
    parts = re.split(r"(?m)^(?=## )", text)
    head, sections = parts[0], parts[1:]
    kept = [s for s in sections if not s.startswith(f"## {label}\n")]
    body = [*kept, section]
    body.sort(key=lambda s: s.splitlines()[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head.rstrip("\n") + "\n\n" + "\n".join(s.rstrip("\n") + "\n" for s in body))


# -- waiting, reading ---------------------------------------------------------------------------


def read(query: Callable[[], Any]) -> Any:
    """Run a read in a fresh transaction and end it (on SQLite an open one holds the lock)."""
    db.session.rollback()
    db.session.expire_all()
    try:
        return query()
    finally:
        db.session.rollback()


def reply_states(reply_ids: list[int]) -> dict[int, ReplyStatus]:
    """Each reply's status, read fresh."""
    rows = read(
        lambda: db.session.execute(
            sa.select(Reply.id, Reply.status).where(Reply.id.in_(reply_ids))
        ).all()
    )
    return {row.id: row.status for row in rows}


SETTLED = (ReplyStatus.POSTED, ReplyStatus.FAILED)


def sweep_once(scenario: Scenario | None = None) -> None:
    """One cron tick of the outbox sweep. On SQLite a process stopped (SIGSTOP) inside its
    commit keeps the write lock, so the tick fails with "database is locked": the cron's job
    fails and the next tick runs it again, which is what this does (noted in the scenario)."""
    try:
        outbox.sweep_outbox()
    except sa.exc.OperationalError as exc:
        if "database is locked" not in str(exc):
            raise
        if scenario is not None:
            scenario.note("a sweep found the SQLite write lock held by a stopped process")
    db.session.rollback()


def sweep_until_settled(
    reply_ids: list[int],
    timeout: float,
    *,
    interval: float = 0.5,
    on_tick: Callable | None = None,
    scenario: Scenario | None = None,
) -> bool:
    """Play the cron: run the outbox sweep until every reply is posted or failed, at most
    `timeout` seconds; False when some are not (check_replies then says which and why)."""

    def settled() -> bool:
        if on_tick is not None:
            on_tick()
        sweep_once(scenario)
        return all(s in SETTLED for s in reply_states(reply_ids).values())

    try:
        wait_for("the sweep to settle the replies", timeout, settled, interval)
    except WaitTimeout:
        if scenario is not None:
            unsettled = {k: v.value for k, v in reply_states(reply_ids).items() if v not in SETTLED}
            scenario.note(f"not settled {timeout:.0f}s after the sweep began: {unsettled}")
        return False
    return True


# -- the invariants -------------------------------------------------------------------------


def brand_posts(x: RunningSandbox) -> list[dict]:
    """What the sandbox says the brand posted."""
    return x.get("/_sandbox/tweets", author="brand").json()["data"]


def sandbox_mention_ids(x: RunningSandbox) -> set[int]:
    """Every mention the sandbox holds that the helpdesk must store: no retweets, not the brand."""
    state = x.state
    with state.lock:
        tweets = [state.tweets[i] for i in state.mention_ids if i in state.tweets]
        return {
            t.id
            for t in tweets
            if t.author_id != BRAND_ID and not any(kind == "retweeted" for kind, _ in t.referenced)
        }


def check_mentions(scenario: Scenario, x: RunningSandbox) -> None:
    """Invariant 1: every sandbox mention stored exactly once, nothing else stored."""
    expected = sandbox_mention_ids(x)
    stored = Counter(read(lambda: db.session.scalars(sa.select(Mention.tweet_id)).all()))
    lost = expected - set(stored)
    duplicated = sum(n - 1 for n in stored.values() if n > 1)
    extra = set(stored) - expected
    scenario.mentions += len(expected)
    scenario.lost += len(lost)
    scenario.duplicated += duplicated
    if lost or duplicated or extra:
        scenario.note(f"mentions lost={len(lost)} duplicated={duplicated} extra={len(extra)}")
    assert not lost, f"{len(lost)} mentions never stored, e.g. {sorted(lost)[:5]} ({scenario})"
    assert not duplicated, f"{duplicated} mentions stored twice ({scenario})"
    assert not extra, f"stored tweets that are not mentions: {sorted(extra)[:5]} ({scenario})"


def check_replies(scenario: Scenario, x: RunningSandbox, reply_ids: list[int]) -> None:
    """Invariant 3: each reply is one brand post (its text, replying to its mention), `posted`
    with that post's id; the brand posted nothing else."""
    rows = read(
        lambda: db.session.execute(
            sa.select(Reply.id, Reply.text, Reply.status, Reply.x_tweet_id, Mention.tweet_id)
            .join(Mention, Mention.id == Reply.mention_id)
            .where(Reply.id.in_(reply_ids))
        ).all()
    )
    posts = brand_posts(x)
    used: set[str] = set()
    lost, duplicated, unsettled = [], [], []
    for row in rows:
        matches = [
            p
            for p in posts
            if p["in_reply_to_tweet_id"] == str(row.tweet_id) and same_text(p["text"], row.text)
        ]
        used.update(p["id"] for p in matches)
        if not matches:
            lost.append(row.id)
        elif len(matches) > 1:
            duplicated.append(row.id)
        if (
            row.status is not ReplyStatus.POSTED
            or len(matches) != 1
            or str(row.x_tweet_id) != matches[0]["id"]
        ):
            unsettled.append((row.id, row.status.value, row.x_tweet_id))
    stray = [p for p in posts if p["id"] not in used]
    missing_rows = set(reply_ids) - {row.id for row in rows}
    scenario.replies += len(reply_ids)
    scenario.lost += len(lost) + len(missing_rows)
    scenario.duplicated += len(duplicated) + len(stray)
    if lost or duplicated or stray or unsettled or missing_rows:
        scenario.note(
            f"replies lost={lost} duplicated={duplicated} stray={len(stray)} "
            f"unsettled={unsettled[:5]} missing_rows={sorted(missing_rows)}"
        )
    assert not missing_rows, f"reply rows gone: {sorted(missing_rows)} ({scenario})"
    assert not lost, f"replies never posted on X: {lost} ({scenario})"
    assert not duplicated, f"replies posted more than once: {duplicated} ({scenario})"
    assert not stray, f"brand posts that belong to no reply: {stray[:3]} ({scenario})"
    assert not unsettled, f"replies not `posted` with their X id: {unsettled[:5]} ({scenario})"


# -- set-up helpers -------------------------------------------------------------------------


def stored_mentions(x: RunningSandbox, count: int, seed: int) -> list[int]:
    """`count` customer mentions on the sandbox, ingested in-process; their ids, oldest first."""
    rng = random.Random(seed)
    for i in range(count):
        text = rng.choice(
            ["注文した商品がまだ届きません", "My order has not arrived", "返品したい"]
        )
        x.mention(f"@acme_help {text} ({i})", username=f"cust_{seed % 1000}_{i}")
    ingest_mentions()
    ids = read(lambda: db.session.scalars(sa.select(Mention.id).order_by(Mention.tweet_id)).all())
    assert len(ids) == count
    return ids


def reply_text(rng: random.Random, index: int) -> str:
    """A reply text unique within the test (X refuses the same text twice)."""
    tag = "".join(rng.choice("abcdefghijkmnpqrstuvwxyz") for _ in range(6))
    return f"Thank you for waiting, we are looking into this for you now (case {tag}{index})."


def create_replies(agent: Any, mention_ids: list[int], rng: random.Random) -> list[int]:
    """Accept one reply per mention through the service, as the API does; their ids."""
    from helpdesk.services.replies import create_reply

    ids = [create_reply(m, agent, reply_text(rng, i)).id for i, m in enumerate(mention_ids)]
    db.session.rollback()
    return ids


# -- worker processes -----------------------------------------------------------------------


class Workers:
    """RQ worker processes (`python -m tests.faults.worker`), each its own process group."""

    def __init__(self, environ: dict[str, str], logs: Path) -> None:
        self.environ, self.logs = environ, logs
        self.procs: list[subprocess.Popen] = []
        self.stopped: dict[int, list[int]] = {}

    def start(self, **extra_env: str) -> subprocess.Popen:
        """Start one worker on every queue."""
        log = (self.logs / f"worker-{len(self.procs) + 1}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.worker"],
            cwd=ROOT,
            env={**os.environ, **self.environ, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.procs.append(proc)
        return proc

    @staticmethod
    def horses(proc: subprocess.Popen) -> list[int]:
        """The worker's work horses: RQ forks one per job into its *own* process group
        (os.setpgrp), so killing the worker's group does not reach it."""
        path = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
        try:
            children = [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []
        return [pid for pid in children if _pgid(pid) == pid]

    def kill(self, proc: subprocess.Popen, which: str = "group") -> list[int]:
        """kill -9 the whole worker (main process, scheduler and horse), or only its horse;
        the horse pids killed."""
        if which == "horse":
            horses = self.horses(proc)
            for pid in horses:
                _signal(pid, signal.SIGKILL)
            return horses
        _signal(-proc.pid, signal.SIGSTOP)  # no new horse is forked while we look
        horses = self.horses(proc)
        for pid in horses:
            _signal(pid, signal.SIGKILL)
        _signal(-proc.pid, signal.SIGKILL)
        _signal(-proc.pid, signal.SIGCONT)
        proc.wait(timeout=10)
        return horses

    def stop(self, proc: subprocess.Popen) -> list[int]:
        """SIGSTOP the worker and its horse; the horse pids."""
        horses = self.horses(proc)
        for pid in [-proc.pid, *horses]:
            _signal(pid, signal.SIGSTOP)
        self.stopped[proc.pid] = horses
        return horses

    def resume(self, proc: subprocess.Popen) -> None:
        """SIGCONT a stopped worker and its horse."""
        for pid in [-proc.pid, *self.stopped.pop(proc.pid, [])]:
            _signal(pid, signal.SIGCONT)

    def log_tail(self, lines: int = 30) -> str:
        """The end of every worker's log, for a failure message."""
        out = []
        for path in sorted(self.logs.glob("worker-*.log")):
            out.append(f"--- {path.name}")
            kept = [
                ln for ln in path.read_text(errors="replace").splitlines() if "cleaning" not in ln
            ]
            out += kept[-lines:]
        return "\n".join(out)

    def close(self) -> None:
        """Kill every worker still running, horses included (a stopped one too)."""
        for proc in self.procs:
            horses = self.stopped.pop(proc.pid, [])
            if proc.poll() is None:
                _signal(-proc.pid, signal.SIGSTOP)
                horses += self.horses(proc)
                _signal(-proc.pid, signal.SIGKILL)
                _signal(-proc.pid, signal.SIGCONT)
                proc.wait(timeout=10)
            for pid in horses:
                _signal(pid, signal.SIGKILL)


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def _signal(pid: int, sig: int) -> None:
    """os.kill that ignores a process already gone (a negative pid is a process group)."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
