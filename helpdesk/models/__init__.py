"""Typed models: employees, accounts, mentions, replies, escalations, canned replies, guideline
hits, notes, audit, roll-ups, listening's roll-ups, routing, what X costs."""

from helpdesk.models.accounts import BrandAccount, XUser
from helpdesk.models.audit import AuditEvent
from helpdesk.models.badges import BadgeKind, EmployeeBadge
from helpdesk.models.canned import CannedLanguage, CannedReply
from helpdesk.models.costs import XPrice, XUsageDay
from helpdesk.models.employees import ApiToken, Employee, Role
from helpdesk.models.escalations import Escalation, EscalationKind, EscalationStatus
from helpdesk.models.guideline_hits import GuidelineHit, GuidelineOutcome
from helpdesk.models.ingest import IngestOutcome, IngestRun
from helpdesk.models.listening import ListeningDay, ListeningHour, ListeningState
from helpdesk.models.mentions import Mention, MentionKind, MentionStatus, Priority
from helpdesk.models.notes import MAX_NOTE, Note, Notification
from helpdesk.models.replies import (
    LIVE_REPLY_STATUSES,
    HeldReason,
    Reply,
    ReplyChannel,
    ReplyStatus,
)
from helpdesk.models.rollups import (
    RollupBucketTotal,
    RollupCount,
    RollupDayCount,
    RollupDayEmployeeBin,
    RollupDayMark,
    RollupDayResponseBin,
    RollupEmployeeBin,
    RollupResponseBin,
    RollupState,
    RollupTagCount,
)
from helpdesk.models.routing import (
    DeskSetting,
    RoutingMode,
    Tag,
    TagTermCount,
    employee_tags,
    mention_tags,
)
from helpdesk.models.rules import (
    GuidelineRule,
    GuidelineRuleKind,
    PriorityRule,
    PriorityRuleKind,
    RuleLanguage,
    RuleSeverity,
    SlaTarget,
)

__all__ = [
    "LIVE_REPLY_STATUSES",
    "MAX_NOTE",
    "ApiToken",
    "AuditEvent",
    "BadgeKind",
    "BrandAccount",
    "CannedLanguage",
    "CannedReply",
    "DeskSetting",
    "Employee",
    "EmployeeBadge",
    "Escalation",
    "EscalationKind",
    "EscalationStatus",
    "GuidelineHit",
    "GuidelineOutcome",
    "GuidelineRule",
    "GuidelineRuleKind",
    "IngestOutcome",
    "IngestRun",
    "ListeningDay",
    "ListeningHour",
    "ListeningState",
    "Mention",
    "MentionKind",
    "MentionStatus",
    "Note",
    "Notification",
    "Priority",
    "PriorityRule",
    "PriorityRuleKind",
    "Reply",
    "ReplyChannel",
    "ReplyStatus",
    "HeldReason",
    "Role",
    "RollupBucketTotal",
    "RollupCount",
    "RollupDayCount",
    "RollupDayEmployeeBin",
    "RollupDayMark",
    "RollupDayResponseBin",
    "RollupEmployeeBin",
    "RollupResponseBin",
    "RollupState",
    "RollupTagCount",
    "RuleLanguage",
    "RoutingMode",
    "RuleSeverity",
    "SlaTarget",
    "Tag",
    "TagTermCount",
    "XPrice",
    "XUsageDay",
    "XUser",
    "employee_tags",
    "mention_tags",
]
