"""Routing data: the desk's tags, which mentions and employees carry them, and desk settings."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow

MAX_TAG = 50


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


# Which tags a mention carries (minimal: the tags issue adds who set them and suggestions).
mention_tags = sa.Table(
    "mention_tags",
    db.metadata,
    sa.Column("mention_id", sa.ForeignKey("mentions.id"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tags.id"), primary_key=True, index=True),
)

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
