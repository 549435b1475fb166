"""Health: can we reach the database, Redis and X, and how old is the last ingest."""

from __future__ import annotations

import redis
import sqlalchemy as sa
from flask import current_app

from helpdesk.extensions import db
from helpdesk.models import IngestRun
from helpdesk.models.types import iso_utc, utcnow
from helpdesk.services import budget, x_status
from helpdesk.services.brand import stored_brand_account


def check() -> dict[str, object]:
    """The health report of the contract, plus unrepaired gaps."""
    report: dict[str, object] = {
        "db": "ok",
        "redis": "ok",
        "x_api": "unknown",
        "last_ingest_at": None,
        "ingest_lag_seconds": None,
    }
    try:
        db.session.execute(sa.text("SELECT 1"))
        account = stored_brand_account()
        if account and account.last_ingest_at:
            report["last_ingest_at"] = iso_utc(account.last_ingest_at)
            report["ingest_lag_seconds"] = round(
                (utcnow() - account.last_ingest_at).total_seconds()
            )
        last_run = db.session.scalar(sa.select(IngestRun).order_by(IngestRun.id.desc()).limit(1))
        if last_run is not None and last_run.finished_at is not None:
            report["x_api_last_seen"] = _seen_in_run(last_run)
        report["unrepaired_gaps"] = db.session.scalar(
            sa.select(sa.func.count()).where(
                IngestRun.gap_detected.is_(True), IngestRun.gap_repaired.is_(False)
            )
        )
        db.session.rollback()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        report["db"] = "unavailable"
    try:
        current_app.extensions["redis"].ping()
        report["posting_budget"] = budget.current().as_dict()
        seen = x_status.last_seen()
        if seen["state"] != x_status.UNKNOWN or "x_api_last_seen" not in report:
            report["x_api_last_seen"] = seen
    except redis.RedisError:
        report["redis"] = "unavailable"
    report["x_api"] = report.get("x_api_last_seen", {}).get("state", x_status.UNKNOWN)
    if not current_app.extensions["x_client"].configured:
        report["x_api"] = "not_configured"
    return report


def _seen_in_run(run: IngestRun) -> dict[str, str | None]:
    """What the last ingest run saw of X: the fallback when Redis holds no record (flushed)."""
    outcome = run.outcome.value
    state = {"ok": x_status.OK, "rate_limited": x_status.RATE_LIMITED}.get(
        outcome, x_status.FAILING
    )
    at = iso_utc(run.finished_at, "seconds")
    return {
        "state": state,
        "call": "ingest",
        "at": at,
        "since": at if state == x_status.FAILING else None,
        "until": iso_utc(run.retry_at, "seconds") if state == x_status.RATE_LIMITED else None,
        "reason": run.error if state != x_status.OK else None,
    }
