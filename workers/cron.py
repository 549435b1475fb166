"""The periodic jobs, as data: `rq cron --url $REDIS_URL workers/cron.py` enqueues them."""

from __future__ import annotations

import os

import rq.cron
from rq import Queue
from rq.serializers import JSONSerializer

from workers import jobs


class _JSONQueue(Queue):
    """A Queue that defaults to the JSON serializer, like every queue of ours."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("serializer", JSONSerializer)
        super().__init__(*args, **kwargs)


# RQ 3.0's CronJob.enqueue builds Queue(name, connection=...) without a serializer, which
# would pickle; our workers only read JSON (pickle from Redis is code execution).
rq.cron.Queue = _JSONQueue

INGEST_INTERVAL = int(os.environ.get("HELPDESK_INGEST_INTERVAL_SECONDS") or 15)
OUTBOX_SWEEP_INTERVAL = int(os.environ.get("HELPDESK_OUTBOX_SWEEP_SECONDS") or 30)
SLA_SWEEP_INTERVAL = 60

SCHEDULE = (
    # (job, queue, interval seconds, job timeout seconds)
    (jobs.ingest_mentions, "ingest", INGEST_INTERVAL, 600),
    (jobs.sweep_outbox, "default", OUTBOX_SWEEP_INTERVAL, 300),
    (jobs.sweep_sla, "default", SLA_SWEEP_INTERVAL, 300),
    (jobs.compute_badges, "default", 3600, 600),
)

for func, queue_name, interval, timeout in SCHEDULE:
    rq.cron.register(
        func, queue_name, interval=interval, job_timeout=timeout, result_ttl=300, failure_ttl=86400
    )
