"""Listening's roll-ups: per UTC hour and per UTC day, how many mentions were created and how
often each term, hashtag, tone and priority occurred in them (services/listening_rollups.py
keeps them; the listening page and API sum them instead of tokenising every mention)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime

HOUR_SECONDS = 3600
DAY_HOURS = 24

# What a row counts: mentions (term ''), a term, a hashtag, a tone or a priority name. A term,
# hashtag or tone counts once per mention, so its count is a number of mentions too.
KINDS = ("mentions", "term", "hashtag", "tone", "priority")


class ListeningHour(db.Model):
    """Mentions created in one UTC hour: one kind and term and how many mentions had it."""

    __tablename__ = "listening_hours"
    # Volume and spikes read the mentions row of every hour of 58 days: without this they
    # would walk every term row of those hours too.
    __table_args__ = (sa.Index("ix_listening_hours_kind_hour", "kind", "hour"),)

    hour: Mapped[int] = mapped_column(primary_key=True)  # epoch seconds // 3600
    kind: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    term: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    count: Mapped[int]


class ListeningDay(db.Model):
    """The same for one UTC day: always the sum of its 24 hours' rows (kept together)."""

    __tablename__ = "listening_days"

    day: Mapped[int] = mapped_column(primary_key=True)  # epoch seconds // 86400
    kind: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    term: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    count: Mapped[int]


class ListeningState(db.Model):
    """The one row saying how far listening's roll-ups are kept, and with which tone rules and
    brand handle (both change what a mention counts as: a change means a rebuild)."""

    __tablename__ = "listening_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Every mention ingested before this (less services/listening_rollups.LAG) is counted.
    watermark: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rules_key: Mapped[str | None] = mapped_column(sa.String(64))  # tone rules and handle
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
