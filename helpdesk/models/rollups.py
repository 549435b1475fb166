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
    """Mentions created in one bucket with one status, priority and channel, and how they were
    answered.

    `channel` is the mention's kind ('post' or 'dm', migration 0022): a report that does not ask
    for it sums over it. The "moved to DM" counts are columns of the public mention's row (its
    bucket, status and priority, channel 'post'; always 0 on 'dm' rows) rather than a table of
    their own: they are facts about that mention (moved, its customer's DM linked to it, that DM
    answered), so they are summed by the one query that reads the counts and are rebuilt with
    them. A DM received because of a move is also counted as a mention of channel 'dm' in its
    own bucket; `dm_received` says how many moves it followed, not how many DMs arrived.
    """

    __tablename__ = "rollup_counts"

    bucket: Mapped[int] = mapped_column(primary_key=True)  # epoch seconds // BUCKET_SECONDS
    status: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    priority: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    channel: Mapped[str] = mapped_column(
        sa.String(8), primary_key=True, default="post", server_default="post"
    )
    mentions: Mapped[int]
    responded: Mapped[int]  # a first response: our posted reply, or the brand's own elsewhere
    sla_met: Mapped[int]  # responded within the priority's SLA target (RollupState's)
    sla_missed: Mapped[int]  # responded, later than the target
    # Public mentions moved to DM; of them, those the customer's DM was linked to; of those,
    # the ones whose DM was answered (answered or answered elsewhere).
    moved_to_dm: Mapped[int] = mapped_column(default=0, server_default="0")
    dm_received: Mapped[int] = mapped_column(default=0, server_default="0")
    dm_answered: Mapped[int] = mapped_column(default=0, server_default="0")


# rollup_counts' figures, in the order services/rollups.BucketFigures holds them
COUNT_FIELDS = (
    "mentions",
    "responded",
    "sla_met",
    "sla_missed",
    "moved_to_dm",
    "dm_received",
    "dm_answered",
)


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
    """First-response times of a bucket's mentions of one channel: one bin of the log-spaced
    histogram (per channel so the by-channel medians come from the roll-ups too)."""

    __tablename__ = "rollup_response_bins"

    bucket: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(
        sa.String(8), primary_key=True, default="post", server_default="post"
    )
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


# The day level (services/rollup_days.py): the same figures per UTC day, sums of the bucket rows
# of that day (day = bucket // DAY_BUCKETS), rebuilt with them in the same transaction. A year
# of coverage reads ~365 day rows per key instead of ~35,000 buckets'. Days are UTC days: a
# desk in another zone reads its period's whole UTC days here and the buckets at the edges.
DAY_BUCKETS = 86_400 // BUCKET_SECONDS


class RollupDayCount(db.Model):
    """rollup_counts summed over a UTC day (same key besides the time, same figures)."""

    __tablename__ = "rollup_day_counts"

    day: Mapped[int] = mapped_column(primary_key=True)  # epoch seconds // 86,400
    status: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    priority: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    mentions: Mapped[int]
    responded: Mapped[int]
    sla_met: Mapped[int]
    sla_missed: Mapped[int]
    moved_to_dm: Mapped[int]
    dm_received: Mapped[int]
    dm_answered: Mapped[int]


class RollupDayResponseBin(db.Model):
    """rollup_response_bins summed over a UTC day."""

    __tablename__ = "rollup_day_response_bins"

    day: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    bin: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    count: Mapped[int]


class RollupDayEmployeeBin(db.Model):
    """rollup_employee_bins summed over a UTC day."""

    __tablename__ = "rollup_day_employee_bins"

    day: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(primary_key=True)
    bin: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    count: Mapped[int]


class RollupDayMark(db.Model):
    """A token per UTC day, renewed whenever that day's rows are rebuilt (rollup_days): a sum
    over settled days is cached under its days' marks (services/rollup_cache.py), so no cached
    sum outlives a change of the rows it was summed from."""

    __tablename__ = "rollup_day_marks"

    day: Mapped[int] = mapped_column(primary_key=True)
    mark: Mapped[str] = mapped_column(sa.String(32))


class RollupBucketTotal(db.Model):
    """Per bucket, all statuses and priorities together: mentions received and how many are
    answered (here or elsewhere). The per-hour chart of whole days reads these (one row a
    bucket) instead of rollup_counts' rows per status and priority; zones with 30/45-minute
    offsets still get their local hours, since a bucket lies inside one local hour."""

    __tablename__ = "rollup_bucket_totals"

    bucket: Mapped[int] = mapped_column(primary_key=True)
    received: Mapped[int]
    answered: Mapped[int]
