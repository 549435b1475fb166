"""Routing data: the desk's tags, which mentions and employees carry them, and desk settings."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow

MAX_TAG = 50
MAX_TERM = 100  # a listening term longer than this is cut for the suggestions' table


class RoutingMode(StrEnum):
    """How work reaches agents: they pick from the list, press Next, or are handed it."""

    PULL = "pull"
    NEXT = "next"
    AUTO = "auto"  # each waiting mention goes to the least-loaded fitting agent online


class Tag(db.Model):
    """A topic of the desk (カメラ, PC, 配送, 返品): on mentions, and as employees' expertise."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(MAX_TAG), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Which tags a mention carries, who set each and when (NULL: set before migration 0021).
mention_tags = sa.Table(
    "mention_tags",
    db.metadata,
    sa.Column("mention_id", sa.ForeignKey("mentions.id"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tags.id"), primary_key=True, index=True),
    sa.Column("set_by_id", sa.ForeignKey("employees.id"), nullable=True),
    sa.Column("set_at", UTCDateTime, nullable=True, default=utcnow),
)


class TagTermCount(db.Model):
    """How often colleagues set a tag on a mention whose text held a term (suggestions read it).

    Kept as tags are set (services/tagging.py): one row per (term, tag), so suggesting tags for a
    text is one indexed look-up of its terms, never a scan of tagged mentions.
    """

    __tablename__ = "tag_term_counts"

    term: Mapped[str] = mapped_column(sa.String(MAX_TERM), primary_key=True)
    tag_id: Mapped[int] = mapped_column(sa.ForeignKey("tags.id"), primary_key=True)
    count: Mapped[int]


# An employee's expertise, set by supervisors; for a trainee, the only tags they are routed.
employee_tags = sa.Table(
    "employee_tags",
    db.metadata,
    sa.Column("employee_id", sa.ForeignKey("employees.id"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tags.id"), primary_key=True, index=True),
)


class DeskSetting(db.Model):
    """One setting of the whole desk, by key (routing_mode)."""

    __tablename__ = "desk_settings"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
