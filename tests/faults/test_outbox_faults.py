"""Invariant 3 under faults: a reply reaches X exactly once when workers die, stall, or lose
their answer, when Redis loses the queue, and under a storm of 429s."""

from __future__ import annotations

import threading
import time

import pytest
import redis
import requests
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Reply
from helpdesk.services.employees import create_token
from tests.support.app import run_jobs
from tests.support.faults import (
    RUNS,
    Workers,
    brand_posts,
    check_replies,
    create_replies,
    read,
    reply_states,
    reply_text,
    stored_mentions,
    sweep_once,
    sweep_until_settled,
)
from tests.support.waiting import wait_for

pytestmark = pytest.mark.faults

POSTS = "/2/tweets"


def wait_posting(reply_id: int, timeout: float = 20.0) -> None:
    """Wait until a worker has committed `posting` (it is about to call X, or calling it)."""
    wait_for(
        "a worker to take the reply",
        timeout,
        lambda: reply_states([reply_id]).get(reply_id) == "posting",
        interval=0.02,
    )


@pytest.mark.parametrize("run", RUNS)
def test_worker_killed_while_calling_x(run, app, x, make_employee, workers, scenario, fast_requeue):
    """kill -9 of the worker while its post stalls on the way to X (landed or not): one post."""
    rng = scenario.rng
    agent = make_employee("0427")
    mention_ids = stored_mentions(x, 1, seed=rng.randrange(10**6))
    landed = rng.random() < 0.5
    latency = rng.randint(900, 1500)  # under the 2 s X timeout: the worker is inside the call
    # With a 503 after the stall X never took the post; without it, it did (after the kill).
    fault = {"latency_ms": latency} | ({} if landed else {"status": 503})
    x.fault(path=POSTS, method="POST", **fault)
    scenario.note(f"post lands={landed} latency={latency}ms")
    first = workers.start()
    [reply_id] = create_replies(agent, mention_ids, rng)
    wait_posting(reply_id)
    time.sleep(rng.uniform(0.05, latency / 1000 * 0.6))
    which = rng.choice(["group", "horse"])
    assert workers.kill(first, which), "no work horse was running the post"
    scenario.fault(f"kill -9 {which} during the X call")
    workers.start()
    sweep_until_settled([reply_id], timeout=30, scenario=scenario)
    check_replies(scenario, x, [reply_id])


@pytest.mark.parametrize("run", RUNS)
def test_worker_killed_after_x_accepted_the_post(
    run, app, x, make_employee, workers, scenario, fast_requeue
):
    """kill -9 after X created the post but before the worker could commit it: one post."""
    rng = scenario.rng
    agent = make_employee("0427")
    mention_ids = stored_mentions(x, 1, seed=rng.randrange(10**6))
    # The post is created, then the answer stalls: the worker has not heard back yet.
    x.fault(path=POSTS, method="POST", latency_ms=1500, after_commit=True)
    first = workers.start()
    [reply_id] = create_replies(agent, mention_ids, rng)
    wait_for("X to accept the post", 20, lambda: brand_posts(x), interval=0.02)
    time.sleep(rng.uniform(0, 0.8))
    which = rng.choice(["group", "horse"])
    assert workers.kill(first, which), "no work horse was running the post"
    scenario.fault(f"kill -9 {which} after X accepted, before the commit")
    assert reply_states([reply_id])[reply_id] == "posting"
    workers.start()
    sweep_until_settled([reply_id], timeout=30, scenario=scenario)
    check_replies(scenario, x, [reply_id])


@pytest.mark.parametrize("run", RUNS)
def test_connection_dropped_after_x_accepted_the_post(
    run, app, x, make_employee, workers, scenario
):
    """X posts, then drops the connection: the reply is reconciled to `posted`, never reposted."""
    rng = scenario.rng
    agent = make_employee("0427")
    count = rng.randint(2, 4)
    mention_ids = stored_mentions(x, count, seed=rng.randrange(10**6))
    dropped = rng.randint(1, count)
    x.fault(status=0, path=POSTS, method="POST", after_commit=True, count=dropped)
    scenario.fault(f"{dropped} connections dropped after the post was created")
    workers.start()
    reply_ids = create_replies(agent, mention_ids, rng)
    sweep_until_settled(reply_ids, timeout=30, scenario=scenario)
    check_replies(scenario, x, reply_ids)
    attempts = read(
        lambda: db.session.scalars(
            sa.select(Reply.attempts).where(Reply.id.in_(reply_ids)).order_by(Reply.id)
        ).all()
    )
    assert attempts == [1] * count, f"a reply was sent again: attempts {attempts} ({scenario})"


@pytest.mark.parametrize("run", RUNS)
def test_worker_stopped_past_the_grace_period_then_resumed(
    run, app, x, make_employee, workers, scenario, fast_requeue
):
    """SIGSTOP a worker inside a post past the posting grace, sweep, SIGCONT: one post."""
    rng = scenario.rng
    agent = make_employee("0427")
    mention_ids = stored_mentions(x, 1, seed=rng.randrange(10**6))
    latency = rng.randint(300, 1500)
    x.fault(path=POSTS, method="POST", latency_ms=latency)
    first = workers.start()
    workers.start()  # a second worker to take the reply over
    [reply_id] = create_replies(agent, mention_ids, rng)
    wait_posting(reply_id)
    time.sleep(rng.uniform(0, latency / 1000))
    posting_worker = next(
        (w for w in workers.procs if Workers.horses(w)), first
    )  # the one running the job
    workers.stop(posting_worker)
    stopped_for = rng.uniform(2.5, 5.0)  # grace is 1 s, the X timeout 2 s
    scenario.fault(f"SIGSTOP {stopped_for:.1f}s during the post (latency {latency}ms)")
    deadline = time.monotonic() + stopped_for
    while time.monotonic() < deadline:
        sweep_once(scenario)
        time.sleep(0.5)
    scenario.note(f"reply {reply_states([reply_id])[reply_id]} when resumed")
    workers.resume(posting_worker)
    sweep_until_settled([reply_id], timeout=40, scenario=scenario)
    time.sleep(1.0)  # let the resumed worker finish whatever it still had to say
    check_replies(scenario, x, [reply_id])


@pytest.mark.parametrize("run", RUNS)
def test_double_submit_of_the_same_reply(run, app, x, make_employee, live_api, scenario):
    """Two tabs post the same reply at once and one request is retried: one row, one post."""
    rng = scenario.rng
    agent = make_employee("0427")
    [mention_id] = stored_mentions(x, 1, seed=rng.randrange(10**6))
    token = create_token(agent)
    db.session.rollback()
    body = {"text": reply_text(rng, 0)}
    url = f"{live_api}/mentions/{mention_id}/replies"
    headers = {"Authorization": f"Bearer {token}"}
    tabs = rng.randint(2, 4)
    barrier = threading.Barrier(tabs)
    statuses: list[int] = []

    def submit() -> None:
        barrier.wait(timeout=10)
        time.sleep(rng.uniform(0, 0.02))
        statuses.append(requests.post(url, json=body, headers=headers, timeout=30).status_code)

    threads = [threading.Thread(target=submit) for _ in range(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    scenario.fault(f"{tabs} concurrent submits")
    statuses.append(requests.post(url, json=body, headers=headers, timeout=30).status_code)
    scenario.fault("a retried request")
    assert sorted(statuses) == [202] + [409] * tabs, f"{statuses} ({scenario})"
    rows = read(lambda: db.session.scalars(sa.select(Reply.id)).all())
    assert len(rows) == 1, f"{len(rows)} reply rows ({scenario})"
    run_jobs(app)
    check_replies(scenario, x, rows)


def _kill_client_connections(conn: redis.Redis) -> int:
    """Drop every client connected to our Redis db, as a restart would (other dbs untouched)."""
    db_number = conn.connection_pool.connection_kwargs.get("db", 0)
    me = conn.client_id()
    killed = 0
    for client in conn.client_list():
        if int(client.get("db", -1)) == db_number and int(client["id"]) != me:
            killed += conn.execute_command("CLIENT", "KILL", "ID", client["id"])
    return killed


@pytest.mark.parametrize("run", RUNS)
def test_redis_flushed_with_fifty_replies_queued(
    run, app, x, make_employee, workers, scenario, fast_requeue
):
    """Redis loses every job (flushed, clients cut off), 50 replies queued: all posted once."""
    rng = scenario.rng
    agent = make_employee("0427")
    mention_ids = stored_mentions(x, 50, seed=rng.randrange(10**6))
    conn = app.extensions["redis"]
    hot = rng.random() < 0.5  # workers busy posting when Redis goes, or not started yet
    if hot:
        x.fault(path=POSTS, method="POST", latency_ms=rng.randint(50, 150), count=50)
        workers.start()
        workers.start()
    reply_ids = create_replies(agent, mention_ids, rng)
    if hot:
        some = rng.randint(1, 20)
        wait_for(
            f"{some} replies posted before the flush",
            30,
            lambda: sum(s == "posted" for s in reply_states(reply_ids).values()) >= some,
        )
    posted_before = sum(s == "posted" for s in reply_states(reply_ids).values())
    conn.flushdb()
    killed = _kill_client_connections(conn)
    scenario.fault(f"FLUSHDB with {50 - posted_before} replies unposted")
    scenario.fault(f"{killed} Redis client connections cut")
    scenario.note(f"workers running={hot}")
    if not hot:
        workers.start()
        workers.start()

    def restart_dead_workers() -> None:
        for proc in list(workers.procs):
            if proc.poll() is not None and proc.pid not in workers.stopped:
                workers.procs.remove(proc)
                scenario.note(f"a worker exited with {proc.returncode} after the flush")
                workers.start()

    sweep_until_settled(
        reply_ids, timeout=90, interval=1.0, on_tick=restart_dead_workers, scenario=scenario
    )
    check_replies(scenario, x, reply_ids)


@pytest.mark.parametrize("run", RUNS)
def test_a_storm_of_429s_never_exceeds_the_post_limit(
    run, app, x, make_employee, workers, scenario, fast_requeue
):
    """3 posts per 3 s window, 12 replies, injected 429s too: all posted once, within the limit."""
    rng = scenario.rng
    limit, window = 3, 3
    agent = make_employee("0427")
    mention_ids = stored_mentions(x, 12, seed=rng.randrange(10**6))
    x.configure(post_limit=limit, rate_window_seconds=window)
    injected = rng.randint(1, 3)
    x.fault(status=429, path=POSTS, method="POST", count=injected)
    scenario.fault(f"{injected} injected 429s; post limit {limit} per {window} s")
    workers.start()
    workers.start()
    reply_ids = create_replies(agent, mention_ids, rng)
    sweep_until_settled(reply_ids, timeout=90, interval=1.0, scenario=scenario)
    check_replies(scenario, x, reply_ids)
    stats = x.get("/_sandbox/stats").json()
    peak = stats["rate_limits"]["POST /2/tweets"]["peak_used"]
    scenario.note(f"sandbox 429s beyond the injected ones: {stats['rate_limited']}")
    assert peak <= limit, f"{peak} posts in one window, limit {limit} ({scenario})"


@pytest.mark.parametrize("cause", ["429", "budget"])
def test_a_held_reply_is_posted_after_the_reset_without_the_sweep(
    cause, app, x, make_employee, workers, scenario
):
    """A reply held by a 429 or a spent budget is posted once the window resets, by its own
    rescheduled job (DESIGN: "back to queued for after the reset"), not a minute later by the
    sweep."""
    rng = scenario.rng
    agent = make_employee("0427")
    x.configure(rate_window_seconds=3, **({"post_limit": 1} if cause == "budget" else {}))
    mention_ids = stored_mentions(x, 2 if cause == "budget" else 1, seed=rng.randrange(10**6))
    if cause == "429":
        x.fault(status=429, path=POSTS, method="POST")
        scenario.fault("one 429 on the post")
    else:
        scenario.fault("post limit 1 per 3 s window, two replies")
    workers.start()
    reply_ids = create_replies(agent, mention_ids, rng)
    try:
        wait_for(
            "the held reply to be posted after the 3 s window reset (no sweep runs)",
            15,
            lambda: all(s == "posted" for s in reply_states(reply_ids).values()),
            interval=0.25,
        )
    finally:
        scenario.note(f"states {reply_states(reply_ids)}")
    check_replies(scenario, x, reply_ids)


@pytest.mark.parametrize("run", RUNS)
def test_worker_killed_before_the_post_reached_x(
    run, app, x, make_employee, workers, scenario, fast_requeue
):
    """kill -9 of the whole worker (horse included) before X took the post: the sweep finds
    nothing on X, puts the reply back to `queued`, and it is posted once, promptly."""
    rng = scenario.rng
    agent = make_employee("0427")
    mention_ids = stored_mentions(x, 1, seed=rng.randrange(10**6))
    latency = rng.randint(900, 1500)
    x.fault(path=POSTS, method="POST", latency_ms=latency, status=503)  # never takes effect
    first = workers.start()
    [reply_id] = create_replies(agent, mention_ids, rng)
    wait_posting(reply_id)
    time.sleep(rng.uniform(0.05, latency / 1000 * 0.6))
    assert workers.kill(first, "group"), "no work horse was running the post"
    scenario.fault("kill -9 worker and horse before the post reached X")
    workers.start()
    sweep_until_settled([reply_id], timeout=30, scenario=scenario)
    check_replies(scenario, x, [reply_id])
