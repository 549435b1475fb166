"""Enqueue jobs by dotted name with the JSON serializer; helpdesk never imports workers."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from flask import current_app
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

INGEST = "ingest"
OUTBOUND = "outbound"
DEFAULT = "default"
REPORTS = "reports"  # long supervisor reports: listed last, so a worker prefers the desk's jobs
QUEUE_NAMES = (INGEST, OUTBOUND, DEFAULT, REPORTS)

logger = logging.getLogger(__name__)


def get_queue(name: str) -> Queue:
    """The named queue on this app's Redis, JSON-serialized (pickle from Redis runs code)."""
    return Queue(name, connection=current_app.extensions["redis"], serializer=JSONSerializer)


def enqueue_post_reply(reply_id: int, *, at: datetime | None = None) -> None:
    """Queue the job that posts one reply: one job per reply (and retry time), however often
    it is asked. post_reply itself only acts on a `queued` row, so an extra job is harmless.
    """
    queue = get_queue(OUTBOUND)
    if at is not None and at <= datetime.now(UTC):
        at = None  # due now: a plain enqueue needs no scheduler
    # A retry scheduled from inside the running job needs an id of its own: the running
    # job still holds the plain one.
    job_id = f"post_reply-{reply_id}"
    if at is not None:
        job_id += f"-at-{int(at.timestamp())}"
    options = {
        "args": (reply_id,),
        "job_id": job_id,
        "unique": True,
        "job_timeout": 120,
        "result_ttl": 0,
        "failure_ttl": 24 * 3600,
        "retry": Retry(max=3, interval=[10, 30, 60]),
    }
    for _ in range(2):
        try:
            if at is None:
                queue.enqueue("workers.jobs.post_reply", **options)
            else:
                queue.enqueue_at(at, "workers.jobs.post_reply", **options)
            return
        except DuplicateJobError:
            status = _existing_status(queue, options["job_id"])
            if status in _WAITING and not _lost_from_queue(queue, options["job_id"], status):
                return  # it will run: the unique id did its work
            if status in _WAITING or status is JobStatus.STARTED:
                # Running, or its worker died (kill -9 leaves it `started` until RQ's
                # maintenance notices). Either way it will not pick this row up again.
                options["job_id"] = f"{options['job_id']}-{uuid.uuid4().hex[:12]}"
    # Only a race gets here (the id was taken again between our look and the retry). The
    # reply stays `queued`, so the outbox sweep enqueues it again: say so, never silently.
    logger.warning(
        "reply %s: no post_reply job enqueued, job id %s still taken after 2 attempts; "
        "the outbox sweep will enqueue it again",
        reply_id,
        options["job_id"],
    )


_WAITING = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
_DROP_REMNANT = """
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('HEXISTS', KEYS[1], 'data') == 0 then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


def _lost_from_queue(queue: Queue, job_id: str, status: JobStatus) -> bool:
    """A job that says `queued` but is in no queue list: its worker died between taking it
    and starting it (kill -9), so nothing will ever run it."""
    return status is JobStatus.QUEUED and queue.connection.lpos(queue.key, job_id) is None


def _existing_status(queue: Queue, job_id: str) -> JobStatus | None:
    """The status of the job holding `job_id`; a job that ran to an end is deleted (None)."""
    try:
        job = Job.fetch(job_id, connection=queue.connection, serializer=queue.serializer)
    except NoSuchJobError:
        # Gone since RQ refused the id, or a remnant hash without the job's data (a worker
        # writing a status after the job was deleted): nothing will run it, and a remnant
        # would refuse this id forever, so it goes (atomically: never a job made meanwhile).
        queue.connection.eval(_DROP_REMNANT, 1, Job.key_for(job_id))
        return None
    status = job.get_status(refresh=False)
    if status not in _WAITING and status is not JobStatus.STARTED:
        job.delete()  # finished, failed, stopped or canceled: it only lingers for its TTL
        return None
    return status


def enqueue_ingest(account_id: int | None = None, *, at: datetime | None = None) -> None:
    """Queue an ingest pass (the job itself takes the per-account lock)."""
    queue = get_queue(INGEST)
    options = {
        "args": (account_id,),
        "job_timeout": 600,
        "result_ttl": 300,
        "failure_ttl": 24 * 3600,
    }
    if at is None:
        queue.enqueue("workers.jobs.ingest_mentions", **options)
    else:
        queue.enqueue_at(at, "workers.jobs.ingest_mentions", **options)
