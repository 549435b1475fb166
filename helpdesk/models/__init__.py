"""Typed models: employees, accounts, mentions, replies, escalations, canned replies, guideline
hits, audit."""

from helpdesk.models.accounts import BrandAccount, XUser
from helpdesk.models.audit import AuditEvent
from helpdesk.models.canned import CannedLanguage, CannedReply
from helpdesk.models.employees import ApiToken, Employee, Role
from helpdesk.models.escalations import Escalation, EscalationKind, EscalationStatus
from helpdesk.models.guideline_hits import GuidelineHit, GuidelineOutcome
from helpdesk.models.ingest import IngestOutcome, IngestRun
from helpdesk.models.mentions import Mention, MentionStatus, Priority
from helpdesk.models.replies import LIVE_REPLY_STATUSES, Reply, ReplyStatus

__all__ = [
    "LIVE_REPLY_STATUSES",
    "ApiToken",
    "AuditEvent",
    "BrandAccount",
    "CannedLanguage",
    "CannedReply",
    "Employee",
    "Escalation",
    "EscalationKind",
    "EscalationStatus",
    "GuidelineHit",
    "GuidelineOutcome",
    "IngestOutcome",
    "IngestRun",
    "Mention",
    "MentionStatus",
    "Priority",
    "Reply",
    "ReplyStatus",
    "Role",
    "XUser",
]
