"""Every reply settles (posted or failed with a reason) within outbox.settle_bound once X
answers normally again, after a sequence of faults on the post endpoint, workers and Redis."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

import pytest

from helpdesk.config import load_settings
from helpdesk.models import ReplyStatus
from helpdesk.services import outbox
from tests.faults.test_outbox_faults import POSTS, _kill_client_connections
from tests.support.faults import (
    RUNS,
    check_replies,
    create_replies,
    reply_states,
    stored_mentions,
    sweep_until_settled,
)
from tests.support.waiting import wait_for

pytestmark = pytest.mark.faults


def test_the_bound_with_the_default_settings() -> None:
    """With the shipped defaults the documented bound is 3 min 40 s (README says so)."""
    env = {"SECRET_KEY": "x" * 32}
    assert outbox.settle_bound(load_settings(env)) == timedelta(minutes=3, seconds=40)


def test_backoff_never_exceeds_the_cap() -> None:
    """However many attempts failed, the next one is at most RETRY_CAP away."""
    delays = [outbox.retry_delay(n) for n in range(1, 30)]
    assert delays[0] == timedelta(seconds=10)
    assert max(delays) == outbox.RETRY_CAP


@pytest.mark.parametrize("run", RUNS)
def test_replies_settle_within_the_bound_after_kills_429s_503s_and_redis_cuts(
    run, app, x, make_employee, workers, scenario, fast_requeue
):
    """A worker killed mid-post, 429s and 503s on POST /2/tweets and Redis connections cut:
    once X is healthy, all replies are posted or failed within the bound, none twice."""
    rng = scenario.rng
    # The test plays the cron, sweeping every second.
    bound = outbox.settle_bound(replace(app.config["HELPDESK"], outbox_sweep_seconds=1))
    agent = make_employee("0427")
    x.configure(rate_window_seconds=3)
    mention_ids = stored_mentions(x, 6, seed=rng.randrange(10**6))
    # The first post stalls inside the call, so the worker can be killed there.
    x.fault(path=POSTS, method="POST", latency_ms=1500, count=1)
    sequence = ["429", "503", "503-after-commit", "drop-after-commit", "429"]
    rng.shuffle(sequence)
    for kind in sequence:
        status = {"429": 429, "503": 503, "503-after-commit": 503}.get(kind, 0)
        x.fault(path=POSTS, method="POST", status=status, after_commit="after" in kind)
    scenario.note(f"post faults after the stall: {sequence}")
    first = workers.start()
    reply_ids = create_replies(agent, mention_ids, rng)
    wait_for("a post under way", 20, lambda: "posting" in reply_states(reply_ids).values(), 0.02)
    time.sleep(0.5)
    workers.kill(first, rng.choice(["group", "horse"]))
    scenario.fault("kill -9 of the worker during the X call")
    conn = app.extensions["redis"]
    workers.start()
    for _ in range(2):
        time.sleep(rng.uniform(0.2, 1.0))
        scenario.fault(f"{_kill_client_connections(conn)} Redis connections cut")
    for kind in sequence:
        scenario.fault(f"{kind} on POST /2/tweets")

    healthy: list[float] = []  # when the last injected fault had fired: X is normal since

    def tick() -> None:
        for proc in list(workers.procs):
            if proc.poll() is not None:
                workers.procs.remove(proc)
                scenario.note(f"a worker exited with {proc.returncode}")
                workers.start()
        if not healthy and not x.get("/_sandbox/faults").json()["data"]:
            healthy.append(time.monotonic())

    settled = sweep_until_settled(
        reply_ids,
        timeout=60 + bound.total_seconds(),
        interval=1.0,
        on_tick=tick,
        scenario=scenario,
    )
    assert settled and healthy, f"replies not settled ({scenario})"
    took = time.monotonic() - healthy[0]
    scenario.note(f"settled {took:.1f} s after X was healthy (bound {bound.total_seconds():.0f} s)")
    assert took <= bound.total_seconds(), f"settled only after {took:.0f} s ({scenario})"
    failed = [i for i, s in reply_states(reply_ids).items() if s is ReplyStatus.FAILED]
    assert not failed, f"replies failed under transient faults: {failed} ({scenario})"
    check_replies(scenario, x, reply_ids)
