"""Coverage proofs kept for download, and the RQ job that builds a long period's proof off the
web workers: started once per period at a time, its progress readable by the page."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import redis
from flask import current_app
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from helpdesk import queue
from helpdesk.models.types import utcnow
from helpdesk.services import coverage_proof
from helpdesk.services.periods import Period

KEEP_SECONDS = 3600  # a generated report stays downloadable, byte for byte, this long
INLINE_DAYS = 31  # a longer period's proof is built by a job on the `reports` queue
JOB_TIMEOUT = 3600  # seconds a proof job may run before RQ stops it
_DIGEST = re.compile(r"[0-9a-f]{64}")
_JOB_ID = re.compile(r"proof-[0-9a-f]{32}")
_WAITING = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


@dataclass(frozen=True)
class ProofJob:
    """Where a proof job stands: waiting, running (at `step`), done (`digest`) or failed."""

    id: str
    state: str
    shown_from: str
    shown_to: str
    step: str | None = None
    digest: str | None = None

    @property
    def step_number(self) -> int:
        """1-based position of the current step in coverage_proof.STEPS (0 before the first)."""
        return coverage_proof.STEPS.index(self.step) + 1 if self.step in coverage_proof.STEPS else 0


def _redis() -> redis.Redis:
    return current_app.extensions["redis"]


def _key(digest: str) -> str:
    return f"coverage_proof:{digest}"


def keep(proof: coverage_proof.Proof, name: str) -> str:
    """Keep the report's exact bytes and its summary in Redis for an hour; return its SHA-256."""
    stored = {
        "name": name,
        "csv": proof.csv_text,
        "signature": proof.signature,
        "summary": coverage_proof.summary(proof),
    }
    _redis().set(_key(proof.sha256), json.dumps(stored), ex=KEEP_SECONDS)
    return proof.sha256


def stored(digest: str) -> dict | None:
    """A kept report (name, csv, signature, summary), or None if unknown, expired or malformed."""
    if not _DIGEST.fullmatch(digest):
        return None
    raw = _redis().get(_key(digest))
    return json.loads(raw) if raw is not None else None


def build(start: datetime, end: datetime, name: str, progress: Callable[[str], None]) -> str:
    """Prove [start, end) now, keep the report and return its digest (what the job runs)."""
    proof = coverage_proof.prove(start, end, utcnow(), progress)
    return keep(proof, name)


def _running_key(period: Period) -> str:
    return f"coverage_proof:job:{period.start.isoformat()}:{period.end.isoformat()}"


def start(period: Period, name: str) -> str:
    """The id of a job building this period's proof: the one already waiting or running, else
    a new one on the `reports` queue."""
    redis = _redis()
    running = redis.get(_running_key(period))
    if running is not None:
        found = status(running.decode() if isinstance(running, bytes) else running)
        if found is not None and found.state in ("waiting", "running"):
            return found.id
    job_id = f"proof-{uuid.uuid4().hex}"
    queue.get_queue(queue.REPORTS).enqueue(
        "workers.jobs.build_proof",
        args=(period.start.isoformat(), period.end.isoformat(), name),
        job_id=job_id,
        job_timeout=JOB_TIMEOUT,
        result_ttl=KEEP_SECONDS,
        failure_ttl=KEEP_SECONDS,
        meta={"from": period.shown_from(), "to": period.shown_to()},
    )
    redis.set(_running_key(period), job_id, ex=KEEP_SECONDS)
    return job_id


def status(job_id: str) -> ProofJob | None:
    """Where the job stands, or None for an id that is malformed, unknown or expired."""
    if not _JOB_ID.fullmatch(job_id):
        return None
    try:
        job = Job.fetch(job_id, connection=_redis(), serializer=JSONSerializer)
    except NoSuchJobError:
        return None
    meta = job.get_meta(refresh=False)
    shown = {"shown_from": str(meta.get("from", "")), "shown_to": str(meta.get("to", ""))}
    found = job.get_status(refresh=False)
    if found in _WAITING:
        return ProofJob(job_id, "waiting", **shown)
    if found is JobStatus.STARTED:
        return ProofJob(job_id, "running", step=meta.get("step"), **shown)
    if found is JobStatus.FINISHED:
        result = job.return_value() or {}
        digest = result.get("digest") if isinstance(result, dict) else None
        if digest and stored(digest) is not None:
            return ProofJob(job_id, "done", digest=digest, **shown)
        return None  # the report expired before anyone came back for it
    return ProofJob(job_id, "failed", **shown)
