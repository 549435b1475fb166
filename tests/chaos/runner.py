"""One chaos run: start the real processes, play the seed's schedule of operations and faults
(the nemesis), heal, wait out the quiet period, snapshot X and the database, check."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import redis
import requests
import sqlalchemy as sa
from flask import Flask

from helpdesk.config import load_settings
from helpdesk.extensions import db
from helpdesk.models import Mention, Reply, XUser
from helpdesk.services import outbox
from helpdesk.services.employees import create_employee, create_token
from helpdesk.x.sandbox import BRAND_ID
from helpdesk.x.sandbox.dms import conversation_id
from tests.chaos import checker
from tests.chaos.checker import Observed, Report
from tests.chaos.cluster import PG_APP_NAME, Cluster, Service
from tests.chaos.generator import Persona, Step, mention_text, personas, plan
from tests.chaos.history import History
from tests.support.sandbox import RunningSandbox

# Clocks compressed as in tests/faults: every period of the product is seconds, not minutes.
CHILD_SETTINGS = {
    "HELPDESK_INGEST_INTERVAL_SECONDS": "1",
    "HELPDESK_DM_INGEST_INTERVAL_SECONDS": "1",
    "HELPDESK_OUTBOX_SWEEP_SECONDS": "2",
    "HELPDESK_OUTBOX_REQUEUE_SECONDS": "3",
    "HELPDESK_POSTING_GRACE_SECONDS": "1",
    "HELPDESK_X_TIMEOUT_SECONDS": "2",
    "HELPDESK_CLAIM_TTL_SECONDS": "10",
    "HELPDESK_MENTIONS_WINDOW": "25",
}
# X's mentions window, small so a burst overflows it (gap repair through search/recent); the
# desk is told the same number (it can only detect a gap against the window it knows).
MENTIONS_WINDOW = 25
RATE_WINDOW_SECONDS = 5  # a 429's reset is at most this far away
# Without outbox.settle_bound: its formula with the settings above (30 + 3 + 2 + 1 + 2 + 30 + 2).
FALLBACK_SETTLE_BOUND = timedelta(seconds=70)
# Mentions must all be stored this long after the heal (ingest every 1 s, a 429 waits for
# the 5 s window, gap repair through search): generous, and documented in benchmarks/chaos.md.
MENTION_BOUND = timedelta(seconds=60)
AFTER_SETTLED_SECONDS = 3.0  # keep watching a little once settled: a late second post shows
API_TIMEOUT = 10.0
WARM_MENTIONS = 5
PASSWORD = "correct horse battery"
STAFF = (("0101", "agent"), ("0102", "agent"), ("0201", "trainee"), ("0002", "supervisor"))


@dataclass
class Outcome:
    """What a run produced: the check's report, where its files are, how long it took."""

    seed: int
    report: Report
    history_path: Path
    seconds: float
    settle_seconds: float | None
    bound_seconds: float
    revived_after_heal: list[str] = field(default_factory=list)
    logs: str = ""

    def as_dict(self) -> dict[str, Any]:
        """For the JSON results file the benchmark reads."""
        return {
            "seed": self.seed,
            "ok": self.report.ok,
            "figures": self.report.figures(),
            "seconds": round(self.seconds, 1),
            "settle_seconds": self.settle_seconds,
            "bound_seconds": self.bound_seconds,
            "revived_after_heal": self.revived_after_heal,
            "problems": self.report.problems[:50],
            "history": str(self.history_path),
        }


class Desk:
    """The JSON API of the web subprocess, as the employees' tools call it."""

    def __init__(self, url: str, tokens: dict[str, str]) -> None:
        self.url, self.tokens = url + "/api/v1", tokens
        self.http = requests.Session()

    def call(self, who: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """(status, JSON body); a connection error or timeout raises requests' exception."""
        response = self.http.request(
            method,
            self.url + path,
            json=body,
            headers={"Authorization": f"Bearer {self.tokens[who]}"},
            timeout=API_TIMEOUT,
        )
        try:
            payload = response.json()
        except ValueError:
            payload = response.text[:200]
        return response.status_code, payload

    def open_mentions(self, who: str) -> list[dict[str, Any]]:
        """The open mentions, oldest first (the first page of 200)."""
        status, body = self.call(who, "GET", "/mentions?status=open&limit=200")
        if status != 200:
            raise RuntimeError(f"listing mentions answered {status}: {body}")
        return sorted(body["items"], key=lambda m: int(m["tweet_id"]))


def _pick(items: list[Any], pick: float) -> Any:
    return items[min(int(pick * len(items)), len(items) - 1)]


class ChaosRun:
    """Plays one seed against the real processes; `run()` returns the Outcome."""

    def __init__(
        self,
        app: Flask,
        x: RunningSandbox,
        environ: dict[str, str],
        seed: int,
        faults: int,
        workdir: Path,
    ) -> None:
        self.app, self.x, self.seed, self.faults = app, x, seed, faults
        self.workdir = workdir
        self.postgres = environ["DATABASE_URL"].startswith("postgres")
        self.env = {**environ, **CHILD_SETTINGS}
        self.history = History(workdir / f"history-{seed}.jsonl")
        self.cluster = Cluster(self.env, workdir / "logs")
        self.redis: redis.Redis = app.extensions["redis"]
        self.people: list[Persona] = []
        self.posted: list[tuple[int, str]] = []  # (tweet id, username) of customers' posts
        self.hidden: set[str] = set()
        self.pending: list[int] = []  # trainee replies waiting for approval
        self.heals: list[tuple[float, str, Callable[[], Any]]] = []
        self.desk: Desk | None = None
        settings = load_settings(self.env)
        bound = getattr(outbox, "settle_bound", None)
        self.bound = bound(settings) if bound else FALLBACK_SETTLE_BOUND

    # -- the run -------------------------------------------------------------------------

    def run(self) -> Outcome:
        """Set up, play, heal, wait, check; the processes are gone when this returns."""
        started = time.monotonic()
        steps = plan(self.seed, self.faults, postgres=self.postgres)
        self.people = personas(random.Random(self.seed + 1), 10)  # noqa: S311
        try:
            self._setup()
            for step in steps:
                self._heal_due()
                time.sleep(step.pause)
                if step.type == "op":
                    self._op(step)
                else:
                    self._fault(step)
            healed_at = self._heal_all()
            settled, revived = self._quiet(healed_at)
            seen = self._observe(settled)
        finally:
            strays = self.cluster.close()
            if strays:
                self.history.add("event", "strays_killed", {"pids": strays})
        report = checker.check(self.history, seen)
        if strays:
            report.problems.append(f"note: {len(strays)} stray processes had to be killed")
        finished = [t for t in settled.values() if t is not None]
        self.history.add("check", "report", result=report.figures())
        return Outcome(
            seed=self.seed,
            report=report,
            history_path=self.history.path or self.workdir,
            seconds=time.monotonic() - started,
            settle_seconds=round(max(finished), 1) if finished else None,
            bound_seconds=self.bound.total_seconds(),
            revived_after_heal=revived,
            logs="" if report.ok else self.cluster.logs_tail(),
        )

    def _setup(self) -> None:
        tokens = {}
        for number, role in STAFF:
            tokens[number] = create_token(
                create_employee(number, f"Staff {number}", role, PASSWORD)
            )
        db.session.commit()
        self.x.configure(rate_window_seconds=RATE_WINDOW_SECONDS, mentions_window=MENTIONS_WINDOW)
        self.history.add("event", "start", {"seed": self.seed, "faults": self.faults})
        self.cluster.start()
        self.desk = Desk(self.cluster.url, tokens)
        rng = random.Random(self.seed + 2)  # noqa: S311
        for i in range(WARM_MENTIONS):  # something to work on from the first operation
            person = _pick(self.people, rng.random())
            text = mention_text(rng, 5000 + i)
            self._customer_post({"username": person.username, "name": person.name, "text": text})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(self.desk.open_mentions("0101")) < WARM_MENTIONS:
            time.sleep(0.2)
        self.history.add("event", "warmed", {"mentions": WARM_MENTIONS})

    # -- operations ----------------------------------------------------------------------

    def _op(self, step: Step) -> None:
        params = step.params
        record_args: dict[str, Any] = {k: v for k, v in params.items() if k != "pick"}
        try:
            result = getattr(self, f"_op_{step.kind}")(params, record_args)
        except (requests.RequestException, RuntimeError) as exc:
            self.history.add("op", step.kind, record_args, error=f"{type(exc).__name__}: {exc}")
            return
        self.history.add("op", step.kind, record_args, result=result)

    def _persona(self, pick: float) -> Persona:
        return _pick(self.people, pick)

    def _customer_post(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.x.post("/_sandbox/mentions", body)
        if response.status_code != 201:
            raise RuntimeError(f"sandbox refused the post: {response.text}")
        tweet_id = int(response.json()["id"])
        self.posted.append((tweet_id, body["username"]))
        return {"status": 201, "tweet_id": tweet_id}

    def _op_mention(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        person = self._persona(params["persona"])
        args["username"] = person.username
        body = {"username": person.username, "name": person.name, "text": params["text"]}
        return self._customer_post(body)

    def _op_dm(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        person = self._persona(params["persona"])
        args["username"] = person.username
        body = {"username": person.username, "name": person.name, "text": params["text"]}
        response = self.x.post("/_sandbox/dms", body)
        if response.status_code != 201:
            raise RuntimeError(f"sandbox refused the DM: {response.text}")
        return {"status": 201, "dm_event_id": int(response.json()["id"])}

    def _op_followup(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        brand = [
            int(p["id"]) for p in self.x.get("/_sandbox/tweets", author="brand").json()["data"]
        ]
        parents = [t for t, _ in self.posted] + brand
        person = self._persona(params["persona"])
        body = {"username": person.username, "name": person.name, "text": params["text"]}
        if parents:
            body["in_reply_to_tweet_id"] = str(_pick(parents, params["pick"]))
        args |= {"username": person.username, "parent": body.get("in_reply_to_tweet_id")}
        return self._customer_post(body)

    def _op_retweet(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        if not self.posted:
            return {"skipped": "nothing to retweet"}
        original = _pick(self.posted, params["pick"])[0]
        person = self._persona(params["who"] / 2)
        body = {"username": person.username, "name": person.name, "retweet_of": str(original)}
        args["retweet_of"] = original
        response = self.x.post("/_sandbox/mentions", body)
        return {"status": response.status_code, "body": response.json()}

    def _agent(self, params: dict[str, Any]) -> str:
        return ("0101", "0102")[params["who"]]

    def _open_one(self, who: str, pick: float) -> dict[str, Any] | None:
        assert self.desk is not None
        items = self.desk.open_mentions(who)
        return _pick(items, pick) if items else None

    def _on_open_mention(
        self, params: dict[str, Any], args: dict[str, Any], verb: str, body: Any = None
    ) -> dict[str, Any]:
        """An agent POSTs `verb` on one of the open mentions they see."""
        assert self.desk is not None
        who = args["as"] = self._agent(params)
        mention = self._open_one(who, params["pick"])
        if mention is None:
            return {"skipped": "no open mention"}
        args["mention_id"] = mention["id"]
        status, answer = self.desk.call(who, "POST", f"/mentions/{mention['id']}/{verb}", body)
        return {"status": status, "code": _code(answer)}

    def _op_claim(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        return self._on_open_mention(params, args, "claim")

    def _reply(self, who: str, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        assert self.desk is not None
        mention = self._open_one(who, params["pick"])
        if mention is None:
            return {"skipped": "no open mention"}
        args |= {"as": who, "mention_id": mention["id"], "tweet_id": mention["tweet_id"]}
        if params["claim_first"]:
            self.desk.call(who, "POST", f"/mentions/{mention['id']}/claim")
        body = {"text": params["text"], "confirm_warnings": True}
        status, answer = self.desk.call(who, "POST", f"/mentions/{mention['id']}/replies", body)
        result: dict[str, Any] = {"status": status, "code": _code(answer)}
        if status == 202:
            reply = answer["reply"]
            result |= {"reply_id": reply["id"], "reply_status": reply["status"]}
            result["text"] = reply["text"]
            if reply["status"] == "pending_approval":
                self.pending.append(reply["id"])
        return result

    def _op_reply(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        return self._reply(self._agent(params), params, args)

    def _op_trainee_reply(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        return self._reply("0201", params, args)

    def _decide(self, params: dict[str, Any], args: dict[str, Any], verb: str) -> dict[str, Any]:
        assert self.desk is not None
        if not self.pending:
            return {"skipped": "nothing pending"}
        reply_id = _pick(self.pending, params["pick"])
        args["reply_id"] = reply_id
        body = {"reason": params.get("reason", "")} if verb == "reject" else {}
        status, answer = self.desk.call("0002", "POST", f"/replies/{reply_id}/{verb}", body)
        if status in (200, 409):
            self.pending.remove(reply_id)
        return {"status": status, "code": _code(answer)}

    def _op_approve(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        return self._decide(params, args, "approve")

    def _op_reject(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        return self._decide(params, args, "reject")

    def _op_dismiss(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        return self._on_open_mention(params, args, "dismiss", {"reason": params["reason"]})

    def _op_list(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        assert self.desk is not None
        status, body = self.desk.call(self._agent(params), "GET", "/mentions?status=all&limit=50")
        return {"status": status, "count": len(body["items"]) if status == 200 else None}

    # -- the nemesis ---------------------------------------------------------------------

    def _fault(self, step: Step) -> None:
        params = step.params
        args = {k: v for k, v in params.items() if k not in ("worker",)}
        try:
            result = getattr(self, f"_fault_{step.kind}")(params, args)
        except (requests.RequestException, redis.RedisError, sa.exc.SQLAlchemyError) as exc:
            db.session.rollback()
            self.history.add("event", f"{step.kind}_failed", args, error=repr(exc))
            return
        if result.get("missed"):  # nothing to hit (no job running): not counted as a fault
            self.history.add("event", f"{step.kind}_missed", args, result=result)
            return
        self.history.add("fault", step.kind, args, result=result)

    def _later(self, seconds: float, what: str, heal: Callable[[], Any]) -> None:
        self.heals.append((time.monotonic() + seconds, what, heal))

    def _heal_due(self, *, everything: bool = False) -> None:
        now = time.monotonic()
        due = [h for h in self.heals if everything or h[0] <= now]
        self.heals = [h for h in self.heals if h not in due]
        for _, what, heal in due:
            try:
                result = heal()
            except (requests.RequestException, RuntimeError) as exc:
                self.history.add("heal", what, error=repr(exc))
            else:
                self.history.add("heal", what, result=result)

    def _worker(self, params: dict[str, Any]) -> Service:
        return _pick(self.cluster.workers, params["worker"])

    def _restart(self, service: Service) -> Callable[[], Any]:
        def heal() -> dict[str, Any]:
            if not service.alive:
                service.start()
            if service is self.cluster.web:
                self.cluster.wait_for_web()
            return {"restarted": service.name}

        return heal

    def _fault_kill_worker(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        worker = self._worker(params)
        if not worker.alive:
            return {"missed": "worker already down"}
        horses = worker.kill()
        self._later(params["duration"], f"restart {worker.name}", self._restart(worker))
        return {"worker": worker.name, "horses": horses}

    def _fault_kill_horse(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        deadline = time.monotonic() + 1.5  # ingest runs every second: a horse comes soon
        while time.monotonic() < deadline:
            for worker in self.cluster.workers:
                if worker.alive and not worker.stopped:
                    horses = worker.kill_horse()
                    if horses:
                        return {"worker": worker.name, "horses": horses}
            time.sleep(0.02)
        return {"missed": "no work horse running"}

    def _fault_kill_web(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        web = self.cluster.web
        if not web.alive:
            return {"missed": "web already down"}
        web.kill()
        self._later(params["duration"], "restart web", self._restart(web))
        return {"killed": "web"}

    def _fault_stop_worker(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        worker = self._worker(params)
        if not worker.alive or worker.stopped:
            return {"missed": "worker down or already stopped"}
        horses = worker.stop()

        def heal() -> dict[str, Any]:
            worker.resume()
            return {"resumed": worker.name}

        self._later(params["duration"], f"SIGCONT {worker.name}", heal)
        return {"worker": worker.name, "horses": horses, "seconds": params["duration"]}

    def _fault_redis_flush(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        keys = self.redis.dbsize()
        self.redis.flushdb()
        return {"keys": keys}

    def _fault_redis_cut(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        return {"connections": cut_redis_clients(self.redis)}

    def _fault_pg_terminate(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        killed = db.session.scalar(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = :name "
                "AND pid <> pg_backend_pid()"
            ),
            {"name": PG_APP_NAME},
        )
        db.session.rollback()
        return {"backends": int(killed or 0)}

    def _sandbox_fault(self, spec: dict[str, Any]) -> dict[str, Any]:
        spec = {k: v for k, v in spec.items() if v is not None}
        response = self.x.post("/_sandbox/faults", spec)
        if response.status_code != 201:
            raise requests.RequestException(f"sandbox refused the fault: {response.text}")
        return response.json()

    def _x_spec(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        spec = {"method": params.get("method"), "path": params.get("path")}
        return {**spec, "count": params.get("count", 1), **extra}

    def _fault_x_429(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        return self._sandbox_fault(self._x_spec(params, status=429))

    def _fault_x_503(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        return self._sandbox_fault(self._x_spec(params, status=503))

    def _fault_x_timeout(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        return self._sandbox_fault(self._x_spec(params, latency_ms=params["latency_ms"]))

    def _fault_x_ambiguous(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        spec = {"method": "POST", "path": "/2/tweets", "count": params["count"]}
        spec |= {"status": params["status"], "after_commit": True}
        if params["latency_ms"]:
            spec["latency_ms"] = params["latency_ms"]
        return self._sandbox_fault(spec)

    def _fault_x_ambiguous_dm(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        spec = {"method": "POST", "path": "/2/dm_conversations/*/messages"}
        spec |= {"count": params["count"], "status": params["status"], "after_commit": True}
        if params["latency_ms"]:
            spec["latency_ms"] = params["latency_ms"]
        return self._sandbox_fault(spec)

    def _fault_x_malformed(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        extra = {"body": params["body"], "status": params["status"]}
        return self._sandbox_fault(
            self._x_spec(params, after_commit=params["after_commit"], **extra)
        )

    def _fault_missing_include(
        self, params: dict[str, Any], args: dict[str, Any]
    ) -> dict[str, Any]:
        person = self._persona(params["persona"])
        args["username"] = person.username
        body = {"username": person.username, "name": person.name, "text": params["text"]}
        result = self._customer_post({**body, "author_unavailable": True})
        self.hidden.add(person.username)

        def restore() -> dict[str, Any]:
            if person.username not in self.hidden:
                return {"already": "restored"}
            self.hidden.discard(person.username)
            again = {**body, "text": params["restore_text"], "author_unavailable": False}
            posted = self._customer_post(again)
            self.history.add("op", "restore_author", {"username": person.username}, posted)
            return posted

        self._later(params["duration"], f"restore @{person.username}", restore)
        return result

    def _fault_burst(self, params: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        body = {"count": params["count"], "seed": params["bulk_seed"]}
        response = self.x.post("/_sandbox/mentions/bulk", body)
        return {"status": response.status_code, **response.json()}

    # -- healing, the quiet period, the snapshot -----------------------------------------

    def _heal_all(self) -> float:
        """Undo every fault now: restarts, SIGCONT, restored users, X answering normally."""
        self._heal_due(everything=True)
        requests.delete(self.x.url + "/_sandbox/faults", timeout=10)
        self.x.configure(mentions_window=MENTIONS_WINDOW, rate_window_seconds=RATE_WINDOW_SECONDS)
        revived = self.cluster.revive()
        self.cluster.wait_for_web()
        record = self.history.add("heal", "all", result={"revived": revived})
        return self.history.started + record.t

    def _quiet(self, healed_at: float) -> tuple[dict[int, float | None], list[str]]:
        """Watch until everything settled (or the bounds passed); reply id -> settle time."""
        settled: dict[int, float | None] = {}
        revived_after: list[str] = []
        limit = max(self.bound, MENTION_BOUND).total_seconds() + 10
        done_at: float | None = None
        while time.monotonic() < healed_at + limit:
            revived = self.cluster.revive()
            if revived:  # a process died with no fault on it: worth a line in the report
                revived_after += revived
                self.history.add("event", "died_after_heal", {"services": revived})
            states = self._reply_states()
            now = time.monotonic() - healed_at
            for reply_id, status in states.items():
                if status not in ("posted", "failed"):
                    settled[reply_id] = None
                elif settled.get(reply_id) is None:
                    settled[reply_id] = round(now, 2)
            if self._all_done(states):
                done_at = done_at or time.monotonic()
                if time.monotonic() - done_at >= AFTER_SETTLED_SECONDS:
                    break
            else:
                done_at = None
            time.sleep(0.5)
        self.history.add("event", "quiet_over", {"seconds": round(time.monotonic() - healed_at, 1)})
        return settled, revived_after

    def _reply_states(self) -> dict[int, str]:
        db.session.rollback()
        rows = db.session.execute(sa.select(Reply.id, Reply.status)).all()
        db.session.rollback()
        return {row.id: row.status.value for row in rows}

    def _all_done(self, states: dict[int, str]) -> bool:
        if any(s in ("queued", "posting") for s in states.values()):
            return False
        on_x = {m.tweet_id: m for m in x_mentions(self.x)}
        db.session.rollback()
        stored = dict(
            db.session.execute(
                sa.select(Mention.tweet_id, XUser.username).join(
                    XUser, XUser.x_user_id == Mention.author_x_id
                )
            ).all()
        )
        db.session.rollback()
        if set(on_x) - set(stored):
            return False
        return not any(
            stored[t] is None and not m.author_unavailable for t, m in on_x.items() if t in stored
        )

    def _observe(self, settled: dict[int, float | None]) -> Observed:
        db.session.rollback()
        mentions = [
            checker.StoredMention(
                id=row.id,
                tweet_id=row.tweet_id,
                text=row.text,
                username=row.username,
                name=row.name,
                status=row.status.value,
            )
            for row in db.session.execute(
                sa.select(
                    Mention.id,
                    Mention.tweet_id,
                    Mention.text,
                    Mention.status,
                    XUser.username,
                    XUser.name,
                ).join(XUser, XUser.x_user_id == Mention.author_x_id)
            )
        ]
        replies = [
            checker.StoredReply(
                id=row.id,
                mention_id=row.mention_id,
                mention_tweet_id=row.tweet_id,
                text=row.text,
                status=row.status.value,
                x_tweet_id=row.x_tweet_id,
                last_error=row.last_error,
                channel=row.channel.value,
                x_dm_event_id=row.x_dm_event_id,
                customer=row.username,
            )
            for row in db.session.execute(
                sa.select(
                    Reply.id,
                    Reply.mention_id,
                    Reply.text,
                    Reply.status,
                    Reply.x_tweet_id,
                    Reply.last_error,
                    Reply.channel,
                    Reply.x_dm_event_id,
                    Mention.tweet_id,
                    XUser.username,
                )
                .join(Mention, Mention.id == Reply.mention_id)
                .join(XUser, XUser.x_user_id == Mention.author_x_id)
            )
        ]
        db.session.rollback()
        state = self.x.state
        with state.lock:
            posts = [
                checker.XPost(t.id, t.text, t.in_reply_to_tweet_id)
                for t in (state.tweets[i] for i in state.by_author.get(BRAND_ID, []))
            ]
            posts += [
                checker.XPost(e.id, e.text or "", None, to=_customer_of(state, e.conversation_id))
                for e in (state.dm_events[i] for i in state.dm_ids)
                if e.sender_id == BRAND_ID
            ]
        return Observed(
            x_mentions=x_mentions(self.x),
            brand_posts=posts,
            mentions=mentions,
            replies=replies,
            settled_after=settled,
            bound_seconds=self.bound.total_seconds(),
        )


def _customer_of(state: Any, conversation: str) -> str:
    """The customer's username in a one-to-one conversation with the brand."""
    other = next(int(i) for i in conversation.split("-") if int(i) != BRAND_ID)
    assert conversation == conversation_id(BRAND_ID, other)  # noqa: S101 - a test's own check
    return state.users[other].username


def x_mentions(x: RunningSandbox) -> list[checker.XMention]:
    """Every mention and customer DM the sandbox holds that the desk must store (no retweets,
    nothing of the brand's, no join/leave events)."""
    state = x.state
    with state.lock:
        found = [
            checker.XMention(
                e.id,
                e.text or "",
                state.users[e.sender_id].username,
                state.users[e.sender_id].name,
                state.users[e.sender_id].unavailable,
                kind="dm",
            )
            for e in (state.dm_events[i] for i in state.dm_ids)
            if e.event_type == "MessageCreate" and e.sender_id not in (None, BRAND_ID)
        ]
        for tweet_id in state.mention_ids:
            tweet = state.tweets.get(tweet_id)
            if tweet is None or tweet.author_id == BRAND_ID:
                continue
            if any(kind == "retweeted" for kind, _ in tweet.referenced):
                continue
            user = state.users[tweet.author_id]
            found.append(
                checker.XMention(tweet.id, tweet.text, user.username, user.name, user.unavailable)
            )
        return found


def cut_redis_clients(conn: redis.Redis) -> int:
    """CLIENT KILL every connection on our Redis db but our own (other dbs are other
    people's test runs on a shared server: left alone)."""
    db_number = int(conn.connection_pool.connection_kwargs.get("db", 0) or 0)
    me = conn.client_id()
    killed = 0
    for client in conn.client_list():
        if int(client.get("db", -1)) == db_number and int(client["id"]) != me:
            killed += int(conn.execute_command("CLIENT", "KILL", "ID", client["id"]))
    return killed


def _code(body: Any) -> str | None:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"].get("code")
    return None


def write_json(path: Path, data: Any) -> None:
    """Write `data` as indented JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str))
