"""The rules in force, as every process reads them: cached per process, re-read after a change.

Tables that hold no row at all were never seeded (a database built without the migration's
seed, e.g. emptied by the tests): readers then use the code defaults, which are the same
values the migration seeds (`default_guideline_rows`, `default_priority_rows`).
Every process caches what it read under a token kept in Redis; a change writes a new token
after its commit (`rules_changed`), so every gunicorn and RQ worker reloads on its next read.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import sqlalchemy as sa
from flask import current_app, g, has_app_context

from helpdesk.extensions import db
from helpdesk.models import (
    GuidelineRule,
    GuidelineRuleKind,
    Priority,
    PriorityRule,
    PriorityRuleKind,
    RuleLanguage,
    SlaTarget,
)
from helpdesk.services.guidelines import (
    DEFAULT_BANNED_TERMS,
    DEFAULT_POLICY,
    DEFAULT_SEVERITIES,
    PERSONAL_DATA_KINDS,
    GuidelinePolicy,
    Severity,
)
from helpdesk.services.priority import (
    DEFAULT_PRIORITY_RULES,
    HIGH_REACH_FOLLOWERS,
    NEGATIVE_TONE,
    URGENT_KEYWORDS,
    PriorityRules,
)

VERSION_KEY = "helpdesk:rules:version"
# A process re-reads at least this often, even if a token write was lost (Redis flushed).
MAX_CACHE_AGE = 60.0

# The checks a supervisor tunes (severity, on/off); length and empty are X's own limits.
CHECKS: tuple[str, ...] = (
    *(f"personal_data.{kind}" for kind in PERSONAL_DATA_KINDS),
    "link_domain",
    "third_party_mention",
)

_MEMO = "_helpdesk_rules"


@dataclass(frozen=True)
class RuleSet:
    """Everything read from the rule tables at one moment."""

    guideline: GuidelinePolicy
    priority: PriorityRules
    sla: Mapping[Priority, int] = field(hash=False)


@dataclass(frozen=True)
class _Cached:
    token: str | None
    loaded_at: float
    rules: RuleSet


def current_rules() -> RuleSet:
    """The rules in force, from this process's cache unless a change was made since.

    The Redis token is read once per request or job (app context): a page or a sweep that
    asks for an SLA per row must not make one Redis round trip per row.
    """
    memo: RuleSet | None = g.get(_MEMO) if has_app_context() else None
    if memo is not None:
        return memo
    rules = _current_rules()
    if has_app_context():
        setattr(g, _MEMO, rules)
    return rules


def _current_rules() -> RuleSet:
    app = current_app._get_current_object()
    raw = app.extensions["redis"].get(VERSION_KEY)
    token = raw.decode() if isinstance(raw, bytes) else raw
    cached: _Cached | None = app.extensions.get("rules_cache")
    now = time.monotonic()
    if cached and cached.token == token and now - cached.loaded_at < MAX_CACHE_AGE:
        return cached.rules
    rules = load_rules()
    app.extensions["rules_cache"] = _Cached(token, now, rules)
    return rules


def current_guideline_policy() -> GuidelinePolicy:
    """The guideline policy check_reply applies to replies and canned replies."""
    return current_rules().guideline


def current_priority_rules() -> PriorityRules:
    """The priority rules ingest applies to new mentions."""
    return current_rules().priority


def sla_seconds(priority: Priority) -> int:
    """The time to first response allowed for a priority (its SLA target, else the settings)."""
    return current_rules().sla[priority]


def rules_changed() -> None:
    """After a commit: a new token, so every process reloads on its next read."""
    current_app.extensions["redis"].set(VERSION_KEY, uuid.uuid4().hex)
    g.pop(_MEMO, None)  # this request's own later reads see the change too


def load_rules() -> RuleSet:
    """Read the rule tables now, bypassing every cache."""
    settings = current_app.config["HELPDESK"]
    guideline_rows = db.session.scalars(sa.select(GuidelineRule)).all()
    priority_rows = db.session.scalars(sa.select(PriorityRule)).all()
    sla = {Priority.NORMAL: settings.sla_normal_seconds, Priority.HIGH: settings.sla_high_seconds}
    for target in db.session.scalars(sa.select(SlaTarget)):
        sla[target.priority] = target.seconds
    return RuleSet(
        guideline=_guideline_policy(guideline_rows, settings.signature_format),
        priority=_priority_rules(priority_rows),
        sla=MappingProxyType(sla),
    )


def _guideline_policy(rows: list[GuidelineRule], signature_format: str) -> GuidelinePolicy:
    if not rows:
        return GuidelinePolicy(signature_format=signature_format)
    on = [r for r in rows if r.enabled]
    terms = [r for r in on if r.kind is GuidelineRuleKind.BANNED_TERM]
    checks = [r for r in rows if r.kind is GuidelineRuleKind.CHECK and r.value in CHECKS]
    return GuidelinePolicy(
        banned_terms=tuple(r.value for r in terms),
        term_severities={r.value: Severity(r.severity or "block") for r in terms},
        allowed_domains=tuple(r.value for r in on if r.kind is GuidelineRuleKind.LINK_DOMAIN),
        severities={r.value: Severity(r.severity) for r in checks if r.severity},
        disabled=frozenset(r.value for r in checks if not r.enabled),
        signature_format=signature_format,
    )


def _priority_rules(rows: list[PriorityRule]) -> PriorityRules:
    if not rows:
        return DEFAULT_PRIORITY_RULES
    on = [r for r in rows if r.enabled]
    thresholds = [int(r.value) for r in on if r.kind is PriorityRuleKind.FOLLOWER_THRESHOLD]
    return PriorityRules(
        urgent_keywords=tuple(r.value for r in on if r.kind is PriorityRuleKind.URGENT_KEYWORD),
        negative_tone=tuple(r.value for r in on if r.kind is PriorityRuleKind.NEGATIVE_TONE),
        follower_threshold=min(thresholds) if thresholds else None,
    )


# --- the defaults, as rows ---------------------------------------------------------------


def _language_of(word: str) -> RuleLanguage:
    return RuleLanguage.EN if word.isascii() else RuleLanguage.JA


def default_guideline_rows() -> list[dict[str, object]]:
    """Today's code defaults as guideline_rules rows (what migration 0007 seeds)."""
    rows: list[dict[str, object]] = [
        {"kind": "banned_term", "value": term, "severity": str(DEFAULT_SEVERITIES["banned_term"])}
        for term in DEFAULT_BANNED_TERMS
    ]
    rows += [
        {"kind": "link_domain", "value": domain, "severity": None}
        for domain in DEFAULT_POLICY.allowed_domains
    ]
    rows += [
        {"kind": "check", "value": check, "severity": str(DEFAULT_POLICY.severity(check))}
        for check in CHECKS
    ]
    return rows


def default_priority_rows() -> list[dict[str, object]]:
    """Today's code defaults as priority_rules rows (what migration 0007 seeds)."""
    rows: list[dict[str, object]] = [
        {"kind": "urgent_keyword", "language": str(_language_of(w)), "value": w}
        for w in URGENT_KEYWORDS
    ]
    rows += [
        {"kind": "negative_tone", "language": str(_language_of(w)), "value": w}
        for w in NEGATIVE_TONE
    ]
    rows.append(
        {"kind": "follower_threshold", "language": "any", "value": str(HIGH_REACH_FOLLOWERS)}
    )
    return rows
