"""Typed models: employees, accounts, mentions, replies, escalations, canned replies, guideline
hits, audit."""

from helpdesk.models.accounts import BrandAccount, XUser
from helpdesk.models.audit import AuditEvent
from helpdesk.models.badges import BadgeKind, EmployeeBadge
from helpdesk.models.canned import CannedLanguage, CannedReply
from helpdesk.models.employees import ApiToken, Employee, Role
from helpdesk.models.escalations import Escalation, EscalationKind, EscalationStatus
from helpdesk.models.guideline_hits import GuidelineHit, GuidelineOutcome
from helpdesk.models.ingest import IngestOutcome, IngestRun
from helpdesk.models.mentions import Mention, MentionStatus, Priority
from helpdesk.models.replies import LIVE_REPLY_STATUSES, HeldReason, Reply, ReplyStatus
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
    "ApiToken",
    "AuditEvent",
    "BadgeKind",
    "BrandAccount",
    "CannedLanguage",
    "CannedReply",
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
    "Mention",
    "MentionStatus",
    "Priority",
    "PriorityRule",
    "PriorityRuleKind",
    "Reply",
    "ReplyStatus",
    "HeldReason",
    "Role",
    "RuleLanguage",
    "RuleSeverity",
    "SlaTarget",
    "XUser",
]
