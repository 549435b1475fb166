"""Health: can we reach the database, Redis and X, and how old is the last ingest."""

from __future__ import annotations

import redis
import sqlalchemy as sa
from flask import current_app

from helpdesk.extensions import db
from helpdesk.models import IngestRun
from helpdesk.models.types import utcnow
from helpdesk.services import budget
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
            report["last_ingest_at"] = account.last_ingest_at.isoformat().replace("+00:00", "Z")
            report["ingest_lag_seconds"] = round(
                (utcnow() - account.last_ingest_at).total_seconds()
            )
        last_run = db.session.scalar(sa.select(IngestRun).order_by(IngestRun.id.desc()).limit(1))
        if last_run is not None:
            report["x_api"] = "ok" if last_run.outcome.value == "ok" else last_run.outcome.value
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
    except redis.RedisError:
        report["redis"] = "unavailable"
    if not current_app.extensions["x_client"].configured:
        report["x_api"] = "not_configured"
    return report
