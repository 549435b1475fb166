"""IngestRun: the record of one pass over the mentions endpoint, for supervisors and health."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, str_enum, utcnow


class IngestOutcome(StrEnum):
    """How an ingest run ended."""

    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    RATE_LIMITED = "rate_limited"


# Written as the supervisors' query writes it, so PostgreSQL matches the partial index.
OPEN_GAP_SQL = "gap_detected IS true AND gap_repaired IS false"


class IngestRun(db.Model):
    """Pages, counts, id range, gap and outcome of one ingest pass."""

    __tablename__ = "ingest_runs"
    __table_args__ = (  # the desk lists unrepaired gaps: a handful among a million runs
        sa.Index(
            "ix_ingest_runs_open_gaps",
            "id",
            sqlite_where=sa.text(OPEN_GAP_SQL),
            postgresql_where=sa.text(OPEN_GAP_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_account_id: Mapped[int] = mapped_column(sa.ForeignKey("brand_accounts.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[IngestOutcome] = mapped_column(
        str_enum(IngestOutcome, 16), default=IngestOutcome.RUNNING
    )
    pages: Mapped[int] = mapped_column(default=0)
    fetched: Mapped[int] = mapped_column(default=0)
    inserted: Mapped[int] = mapped_column(default=0)
    newest_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    oldest_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    cursor_before: Mapped[int | None] = mapped_column(sa.BigInteger)
    cursor_after: Mapped[int | None] = mapped_column(sa.BigInteger)
    gap_detected: Mapped[bool] = mapped_column(default=False)
    gap_repaired: Mapped[bool] = mapped_column(default=False)
    gap_fetched: Mapped[int] = mapped_column(default=0)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(sa.Text)
    duration_ms: Mapped[int | None]
