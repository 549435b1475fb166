"""The periodic jobs, as data: `rq cron --url $REDIS_URL workers/cron.py` enqueues them."""

from __future__ import annotations

import sys

import rq.cron
from rq import Queue
from rq.serializers import JSONSerializer

from helpdesk.config import ConfigError, load_intervals
from workers import jobs


class _JSONQueue(Queue):
    """A Queue that defaults to the JSON serializer, like every queue of ours."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("serializer", JSONSerializer)
        super().__init__(*args, **kwargs)


# RQ 3.0's CronJob.enqueue builds Queue(name, connection=...) without a serializer, which
# would pickle; our workers only read JSON (pickle from Redis is code execution).
rq.cron.Queue = _JSONQueue

# `rq cron` imports this file as its configuration: the intervals are read here, with the
# same validation as create_app's, and a bad one stops the scheduler with one line.
try:
    INTERVALS = load_intervals()
except ConfigError as exc:
    print(f"helpdesk cron: {exc}", file=sys.stderr)
    raise SystemExit(2) from None

SCHEDULE = (
    # (job, queue, interval seconds, job timeout seconds)
    (jobs.ingest_mentions, "ingest", INTERVALS.ingest, 600),
    (jobs.sweep_outbox, "default", INTERVALS.outbox_sweep, 300),
    (jobs.sweep_sla, "default", INTERVALS.sla_sweep, 300),
    (jobs.compute_badges, "default", INTERVALS.badges, 600),
    (jobs.refresh_rollups, "default", INTERVALS.rollups, 600),  # reports: live past the watermark
    (jobs.route_waiting, "default", INTERVALS.routing, 120),  # auto mode: assign, hand back
    (jobs.rollup_x_usage, "default", INTERVALS.rollups, 300),  # what X costs, per UTC day
    (jobs.refresh_listening, "default", INTERVALS.rollups, 1800),  # first run tokenises all
    (jobs.ingest_dms, "ingest", INTERVALS.dm_ingest, 600),  # X: 15 DM reads per 15 minutes
)

for func, queue_name, interval, timeout in SCHEDULE:
    rq.cron.register(
        func, queue_name, interval=interval, job_timeout=timeout, result_ttl=300, failure_ttl=86400
    )
