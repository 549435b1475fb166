"""RQ jobs: each takes ids and plain values, calls one service, returns a small summary."""

from __future__ import annotations

from helpdesk.services import ingest, outbox


def ingest_mentions(account_id: int | None = None) -> dict[str, object]:
    """One ingestion pass for the brand account (returns at once if another pass runs)."""
    return ingest.ingest_mentions(account_id).as_dict()


def post_reply(reply_id: int) -> dict[str, object]:
    """Post one queued reply to X exactly once."""
    return outbox.post_reply(reply_id)


def sweep_outbox() -> dict[str, int]:
    """Re-enqueue lost jobs and reconcile replies whose outcome is unknown."""
    return outbox.sweep_outbox()
