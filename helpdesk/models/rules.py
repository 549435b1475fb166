"""Rules as data: guideline rules, priority rules and SLA targets that supervisors edit."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models.employees import Employee
from helpdesk.models.mentions import Priority
from helpdesk.models.types import UTCDateTime, str_enum, utcnow

MAX_VALUE = 100


class GuidelineRuleKind(StrEnum):
    """What a guideline row is: a banned term, an allowed link domain or a check's setting."""

    BANNED_TERM = "banned_term"
    LINK_DOMAIN = "link_domain"
    # value names a check ("personal_data.phone", "link_domain", ...): its severity and on/off.
    CHECK = "check"


class RuleSeverity(StrEnum):
    """What a finding does to a reply: stop it, or ask for an explicit confirm."""

    BLOCK = "block"
    WARN = "warn"


class PriorityRuleKind(StrEnum):
    """What a priority row is: an urgent keyword, a word of angry tone, or the reach threshold."""

    URGENT_KEYWORD = "urgent_keyword"
    NEGATIVE_TONE = "negative_tone"
    FOLLOWER_THRESHOLD = "follower_threshold"


class RuleLanguage(StrEnum):
    """The language a keyword is written in (every keyword is matched in every mention)."""

    JA = "ja"
    EN = "en"
    ANY = "any"


class GuidelineRule(db.Model):
    """One guideline rule; disabled, never deleted, so the audit trail keeps its subject."""

    __tablename__ = "guideline_rules"
    __table_args__ = (sa.UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[GuidelineRuleKind] = mapped_column(str_enum(GuidelineRuleKind, 16))
    value: Mapped[str] = mapped_column(sa.String(MAX_VALUE))
    # None for a link domain: links outside the allowed ones use the link_domain check's.
    severity: Mapped[RuleSeverity | None] = mapped_column(str_enum(RuleSeverity, 8))
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))

    updated_by: Mapped[Employee | None] = relationship()


class PriorityRule(db.Model):
    """One priority rule; value is the keyword, or the follower count for the threshold."""

    __tablename__ = "priority_rules"
    __table_args__ = (sa.UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PriorityRuleKind] = mapped_column(str_enum(PriorityRuleKind, 24))
    language: Mapped[RuleLanguage] = mapped_column(str_enum(RuleLanguage, 8))
    value: Mapped[str] = mapped_column(sa.String(MAX_VALUE))
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))

    updated_by: Mapped[Employee | None] = relationship()


class SlaTarget(db.Model):
    """The time to first response allowed for one priority."""

    __tablename__ = "sla_targets"

    priority: Mapped[Priority] = mapped_column(str_enum(Priority, 16), primary_key=True)
    seconds: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))

    updated_by: Mapped[Employee | None] = relationship()
