"""RQ jobs: each takes ids and plain values, calls one service, returns a small summary."""

from __future__ import annotations

from datetime import datetime

from rq import get_current_job

from helpdesk import queue
from helpdesk.models.types import utcnow
from helpdesk.services import (
    auto_routing,
    badges,
    costs,
    dms,
    escalation,
    ingest,
    listening_rollups,
    outbox,
    proof_reports,
    rollups,
)


def ingest_mentions(account_id: int | None = None) -> dict[str, object]:
    """One ingestion pass for the brand account (returns at once if another pass runs)."""
    summary = ingest.ingest_mentions(account_id)
    if summary.outcome == "rate_limited" and summary.retry_at:
        # Never sleep in a worker: the next pass is scheduled for X's reset time.
        queue.enqueue_ingest(account_id, at=datetime.fromisoformat(summary.retry_at))
    return summary.as_dict()


def ingest_dms(account_id: int | None = None) -> dict[str, object]:
    """One DM poll for the brand account (within X's 15 reads per 15 minutes)."""
    return dms.ingest_dms(account_id).as_dict()


def post_reply(reply_id: int) -> dict[str, object]:
    """Post one queued reply to X exactly once."""
    return outbox.post_reply(reply_id)


def sweep_outbox() -> dict[str, int]:
    """Re-enqueue lost jobs and reconcile replies whose outcome is unknown."""
    return outbox.sweep_outbox()


def sweep_sla() -> dict[str, int]:
    """Escalate open mentions past their SLA (each gets one automatic escalation, ever)."""
    return escalation.sweep_sla()


def compute_badges() -> dict[str, int]:
    """Derive every responder's badges from the audit log (idempotent: a rerun adds nothing)."""
    return badges.compute_badges(utcnow())


def refresh_rollups() -> dict[str, object]:
    """Bring the reports' roll-ups up to date with what changed since their watermark."""
    return rollups.refresh()


def route_waiting() -> dict[str, int]:
    """In auto mode: take claims back from idle agents, then hand out what waits."""
    return auto_routing.route_waiting()


def rollup_x_usage() -> dict[str, int]:
    """Copy the per-day counts of calls to X from Redis into the database (what X costs)."""
    return costs.rollup_usage()


def refresh_listening() -> dict[str, object]:
    """Bring listening's roll-ups (terms, hashtags, tones per hour and day) up to date."""
    return listening_rollups.refresh()


def build_proof(start: str, end: str, name: str) -> dict[str, str]:
    """Build and keep a long period's coverage proof, telling the page each step as it starts."""
    job = get_current_job()

    def progress(step: str) -> None:
        if job is not None:
            job.meta["step"] = step
            job.save_meta()

    digest = proof_reports.build(
        datetime.fromisoformat(start), datetime.fromisoformat(end), name, progress
    )
    return {"digest": digest}
