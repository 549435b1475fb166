"""Roll-ups: per 15-minute UTC bucket of the customers' mention time, the counts and response
histograms that reports sum instead of reading every mention (services/rollups.py keeps them)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime

# 15 minutes: every time zone in use today is a whole number of quarter hours from UTC
# (Asia/Kathmandu +5:45, Australia/Eucla +8:45), so each bucket lies inside one local hour
# and a period from local midnight to local midnight is made of whole buckets anywhere.
BUCKET_SECONDS = 900


class RollupCount(db.Model):
    """Mentions created in one bucket with one status and priority, and how they were answered.

    Issues 17 and 18 add `tag` and `channel` to the key the same way (a column with a default
    and a wider primary key); a report that does not ask for them sums over them.
    """

    __tablename__ = "rollup_counts"

    bucket: Mapped[int] = mapped_column(primary_key=True)  # epoch seconds // BUCKET_SECONDS
    status: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    priority: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    mentions: Mapped[int]
    responded: Mapped[int]  # a first response: our posted reply, or the brand's own elsewhere
    sla_met: Mapped[int]  # responded within the priority's SLA target (RollupState's)
    sla_missed: Mapped[int]  # responded, later than the target


class RollupTagCount(db.Model):
    """Mentions created in one bucket with one status carrying one tag, and how they were
    answered: a mention with two tags counts under each (services/rollup_tags.py keeps them)."""

    __tablename__ = "rollup_tag_counts"

    bucket: Mapped[int] = mapped_column(primary_key=True)
    tag_id: Mapped[int] = mapped_column(primary_key=True)  # tags are never deleted
    status: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    mentions: Mapped[int]
    responded: Mapped[int]
    sla_met: Mapped[int]
    sla_missed: Mapped[int]


class RollupResponseBin(db.Model):
    """First-response times of a bucket's mentions: one bin of the log-spaced histogram."""

    __tablename__ = "rollup_response_bins"

    bucket: Mapped[int] = mapped_column(primary_key=True)
    bin: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)  # services/histogram
    count: Mapped[int]


class RollupEmployeeBin(db.Model):
    """Replies one employee posted to a bucket's mentions: one bin of their response times."""

    __tablename__ = "rollup_employee_bins"

    bucket: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(primary_key=True)  # employees are never deleted
    bin: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    count: Mapped[int]


class RollupState(db.Model):
    """The one row saying how far the roll-ups are kept and with which SLA targets."""

    __tablename__ = "rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Every mention or reply changed before this (less services/rollups.LAG) is in the tables.
    watermark: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_normal_seconds: Mapped[int | None]
    sla_high_seconds: Mapped[int | None]
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
