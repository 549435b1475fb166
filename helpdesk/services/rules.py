"""Rules as data: supervisors edit guideline and priority rules and SLA targets; readers cache them.

Tables that hold no row at all were never seeded (a database built without the migration's
seed, e.g. emptied by the tests): readers then use the code defaults, which are the same
values the migration seeds, and the first list or change seeds them into the table.
Every process caches what it read under a token kept in Redis; a change writes a new token
after its commit, so every gunicorn and RQ worker reloads on its next read.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app, g, has_app_context

from helpdesk.extensions import db
from helpdesk.models import (
    Employee,
    GuidelineRule,
    GuidelineRuleKind,
    Priority,
    PriorityRule,
    PriorityRuleKind,
    Role,
    RuleLanguage,
    RuleSeverity,
    SlaTarget,
)
from helpdesk.models.rules import MAX_VALUE
from helpdesk.services import audit
from helpdesk.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from helpdesk.services.guidelines import (
    DEFAULT_BANNED_TERMS,
    DEFAULT_POLICY,
    DEFAULT_SEVERITIES,
    PERSONAL_DATA_KINDS,
    GuidelinePolicy,
    Severity,
    Violation,
    check_reply,
    invisible_characters,
)
from helpdesk.services.priority import (
    DEFAULT_PRIORITY_RULES,
    HIGH_REACH_FOLLOWERS,
    NEGATIVE_TONE,
    URGENT_KEYWORDS,
    PriorityRules,
    priority_for,
    tone_score,
    urgent_terms,
)

logger = logging.getLogger(__name__)

_Rule = TypeVar("_Rule", GuidelineRule, PriorityRule)
_Enum = TypeVar("_Enum", bound=StrEnum)

VERSION_KEY = "helpdesk:rules:version"
# A process re-reads at least this often, even if a token write was lost (Redis flushed).
MAX_CACHE_AGE = 60.0
MAX_TEST_TEXT = 600
MAX_FOLLOWERS = 1_000_000_000
MIN_SLA_SECONDS = 60
MAX_SLA_SECONDS = 7 * 24 * 3600

# The checks a supervisor tunes (severity, on/off); length and empty are X's own limits.
CHECKS: tuple[str, ...] = (
    *(f"personal_data.{kind}" for kind in PERSONAL_DATA_KINDS),
    "link_domain",
    "third_party_mention",
)
_DOMAIN = re.compile(
    r"(?=.{1,100}\Z)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}"
)


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


@dataclass(frozen=True)
class TextCheck:
    """A supervisor's trial of a text: guideline findings and the priority it would get."""

    text: str
    violations: list[Violation]
    priority: Priority
    urgent_terms: list[str]
    tone_score: int

    def as_dict(self) -> dict[str, object]:
        """The API shape of a trial."""
        return {
            "text": self.text,
            "violations": [v.to_dict() for v in self.violations],
            "priority": self.priority.value,
            "urgent_terms": self.urgent_terms,
            "tone_score": self.tone_score,
        }


# --- reading, cached ---------------------------------------------------------------------


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


_MEMO = "_helpdesk_rules"


def _current_rules() -> RuleSet:
    app = current_app._get_current_object()
    raw = app.extensions["redis"].get(VERSION_KEY)
    token = raw.decode() if isinstance(raw, bytes) else raw
    cached: _Cached | None = app.extensions.get("rules_cache")
    now = time.monotonic()
    if cached and cached.token == token and now - cached.loaded_at < MAX_CACHE_AGE:
        return cached.rules
    rules = _load()
    app.extensions["rules_cache"] = _Cached(token, now, rules)
    return rules


def current_guideline_policy() -> GuidelinePolicy:
    """The guideline policy check_reply applies to replies and canned replies."""
    return current_rules().guideline


def current_priority_rules() -> PriorityRules:
    """The priority rules ingest applies to new mentions."""
    return current_rules().priority


def sla_seconds(priority: Priority) -> int:
    """The time to first response allowed for a priority."""
    return current_rules().sla[priority]


def _load() -> RuleSet:
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


def _recorded(action: str, subject: str, rule: _Rule, actor: Employee, **details: object) -> _Rule:
    """Audit a change to a rule, commit it, and tell every process to reload."""
    audit.record(action, subject, rule.id, actor=actor, **details)
    db.session.commit()
    _changed()
    return rule


def _changed() -> None:
    """After a commit: a new token, so every process reloads on its next read."""
    current_app.extensions["redis"].set(VERSION_KEY, uuid.uuid4().hex)
    g.pop(_MEMO, None)  # this request's own later reads see the change too


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


def _ensure_seeded() -> None:
    """Seed a never-seeded table with the defaults, so one change never drops the others."""
    seeded = False
    if db.session.scalar(sa.select(sa.func.count()).select_from(GuidelineRule)) == 0:
        db.session.add_all(
            GuidelineRule(
                kind=GuidelineRuleKind(r["kind"]),
                value=r["value"],
                severity=RuleSeverity(r["severity"]) if r["severity"] else None,
                enabled=True,
            )
            for r in default_guideline_rows()
        )
        seeded = True
    if db.session.scalar(sa.select(sa.func.count()).select_from(PriorityRule)) == 0:
        db.session.add_all(
            PriorityRule(
                kind=PriorityRuleKind(r["kind"]),
                language=RuleLanguage(r["language"]),
                value=r["value"],
                enabled=True,
            )
            for r in default_priority_rows()
        )
        seeded = True
    if not seeded:
        return
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()  # another process seeded them at the same moment


# --- listing -----------------------------------------------------------------------------


def list_guideline_rules() -> list[GuidelineRule]:
    """Every guideline rule, disabled ones too, by kind then value."""
    _ensure_seeded()
    return list(
        db.session.scalars(sa.select(GuidelineRule).order_by(GuidelineRule.kind, GuidelineRule.id))
    )


def list_priority_rules() -> list[PriorityRule]:
    """Every priority rule, disabled ones too, by kind then value."""
    _ensure_seeded()
    return list(
        db.session.scalars(sa.select(PriorityRule).order_by(PriorityRule.kind, PriorityRule.id))
    )


def list_sla_targets() -> list[dict[str, object]]:
    """Both priorities' SLA seconds, saying whether a row or the settings give each."""
    stored = {t.priority: t for t in db.session.scalars(sa.select(SlaTarget))}
    rules = current_rules()
    return [
        {
            "priority": priority.value,
            "seconds": rules.sla[priority],
            "from_settings": priority not in stored,
        }
        for priority in (Priority.HIGH, Priority.NORMAL)
    ]


def get_guideline_rule(rule_id: int) -> GuidelineRule:
    """One guideline rule, or NotFound."""
    return _get(GuidelineRule, rule_id)


def get_priority_rule(rule_id: int) -> PriorityRule:
    """One priority rule, or NotFound."""
    return _get(PriorityRule, rule_id)


def guideline_rule_dict(rule: GuidelineRule) -> dict[str, object]:
    """The API shape of a guideline rule."""
    return {
        "id": rule.id,
        "kind": rule.kind.value,
        "value": rule.value,
        "severity": rule.severity.value if rule.severity else None,
        "enabled": rule.enabled,
    }


def priority_rule_dict(rule: PriorityRule) -> dict[str, object]:
    """The API shape of a priority rule."""
    return {
        "id": rule.id,
        "kind": rule.kind.value,
        "language": rule.language.value,
        "value": rule.value,
        "enabled": rule.enabled,
    }


# --- changing ----------------------------------------------------------------------------


def add_guideline_rule(
    kind: object, value: object, severity: object, *, actor: Employee
) -> GuidelineRule:
    """Add a banned term or an allowed link domain (checks are fixed: edit them instead)."""
    _check_supervisor(actor)
    _ensure_seeded()
    rule_kind = _parse(GuidelineRuleKind, kind, "kind", "invalid_kind")
    if rule_kind is GuidelineRuleKind.CHECK:
        raise InvalidInput(
            "Checks cannot be added; change a check's severity or switch it off instead.",
            code="invalid_kind",
        )
    clean = _clean_guideline_value(rule_kind, value)
    level = _severity_for(rule_kind, severity)
    _refuse_duplicate_guideline(rule_kind, clean, None)
    rule = GuidelineRule(
        kind=rule_kind, value=clean, severity=level, enabled=True, updated_by_id=actor.id
    )
    db.session.add(rule)
    db.session.flush()
    return _recorded("rule.created", "guideline_rule", rule, actor, **_guideline_state(rule))


def update_guideline_rule(
    rule_id: int, value: object, severity: object, *, actor: Employee
) -> GuidelineRule:
    """Change a guideline rule's value and severity (a check keeps its name)."""
    _check_supervisor(actor)
    rule = _get(GuidelineRule, rule_id)
    before = _guideline_state(rule)
    if rule.kind is not GuidelineRuleKind.CHECK:
        clean = _clean_guideline_value(rule.kind, value)
        _refuse_duplicate_guideline(rule.kind, clean, rule.id)
        rule.value = clean
    rule.severity = _severity_for(rule.kind, severity)
    rule.updated_by_id = actor.id
    after = _guideline_state(rule)
    if after == before:
        db.session.rollback()
        return rule
    return _recorded("rule.updated", "guideline_rule", rule, actor, before=before, after=after)


def set_guideline_rule_enabled(rule_id: int, enabled: bool, *, actor: Employee) -> bool:
    """Switch a guideline rule on or off; False when it already was."""
    _check_supervisor(actor)
    return _set_enabled(_get(GuidelineRule, rule_id), enabled, "guideline_rule", actor)


def add_priority_rule(
    kind: object, language: object, value: object, *, actor: Employee
) -> PriorityRule:
    """Add an urgent keyword or a word of angry tone."""
    _check_supervisor(actor)
    _ensure_seeded()
    rule_kind = _parse(PriorityRuleKind, kind, "kind", "invalid_kind")
    if rule_kind is PriorityRuleKind.FOLLOWER_THRESHOLD:
        raise InvalidInput(
            "There is one follower threshold; edit it instead of adding another.",
            code="invalid_kind",
        )
    lang = _parse(RuleLanguage, language, "language", "invalid_language")
    clean = _clean_text(value, "keyword")
    _refuse_duplicate_priority(rule_kind, clean, None)
    rule = PriorityRule(
        kind=rule_kind, language=lang, value=clean, enabled=True, updated_by_id=actor.id
    )
    db.session.add(rule)
    db.session.flush()
    return _recorded("rule.created", "priority_rule", rule, actor, **_priority_state(rule))


def update_priority_rule(
    rule_id: int, language: object, value: object, *, actor: Employee
) -> PriorityRule:
    """Change a keyword and its language, or the follower threshold's count."""
    _check_supervisor(actor)
    rule = _get(PriorityRule, rule_id)
    before = _priority_state(rule)
    if rule.kind is PriorityRuleKind.FOLLOWER_THRESHOLD:
        rule.value = str(_parse_int(value, 1, MAX_FOLLOWERS, "follower threshold"))
    else:
        clean = _clean_text(value, "keyword")
        _refuse_duplicate_priority(rule.kind, clean, rule.id)
        rule.value = clean
        rule.language = _parse(RuleLanguage, language, "language", "invalid_language")
    rule.updated_by_id = actor.id
    after = _priority_state(rule)
    if after == before:
        db.session.rollback()
        return rule
    return _recorded("rule.updated", "priority_rule", rule, actor, before=before, after=after)


def set_priority_rule_enabled(rule_id: int, enabled: bool, *, actor: Employee) -> bool:
    """Switch a priority rule on or off; False when it already was."""
    _check_supervisor(actor)
    return _set_enabled(_get(PriorityRule, rule_id), enabled, "priority_rule", actor)


def set_sla_target(priority: object, seconds: object, *, actor: Employee) -> SlaTarget:
    """Set a priority's time to first response (admins only, as the design says)."""
    if actor is None or not actor.active or not actor.can(Role.ADMIN):
        raise Forbidden("Only admins set SLA targets.", code="forbidden")
    level = _parse(Priority, priority, "priority", "invalid_priority")
    value = _parse_int(seconds, MIN_SLA_SECONDS, MAX_SLA_SECONDS, "SLA in seconds")
    before = current_rules().sla[level]
    target = db.session.get(SlaTarget, level)
    if target is None:
        target = SlaTarget(priority=level, seconds=value, updated_by_id=actor.id)
        db.session.add(target)
    else:
        target.seconds, target.updated_by_id = value, actor.id
    db.session.flush()
    audit.record("sla.updated", "sla_target", level.value, actor=actor, before=before, after=value)
    db.session.commit()
    _changed()
    return target


def check_text(text: object, followers_count: object = None, *, actor: Employee) -> TextCheck:
    """Run a text against the rules in force, storing nothing."""
    _check_supervisor(actor)
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("Write a text to test.", code="invalid_text")
    if len(text) > MAX_TEST_TEXT:
        raise InvalidInput(
            f"A text to test is at most {MAX_TEST_TEXT} characters.", code="text_too_long"
        )
    followers = None
    if followers_count not in (None, ""):
        followers = _parse_int(followers_count, 0, MAX_FOLLOWERS, "follower count")
    rules = current_rules()
    return TextCheck(
        text=text,
        violations=check_reply(text, rules.guideline),
        priority=priority_for(text, followers, rules.priority),
        urgent_terms=list(dict.fromkeys(urgent_terms(text, rules.priority))),
        tone_score=tone_score(text, rules.priority),
    )


# --- helpers -----------------------------------------------------------------------------


def _check_supervisor(actor: Employee | None) -> None:
    if actor is None or not actor.active or not actor.can(Role.SUPERVISOR):
        raise Forbidden("Only supervisors and admins edit the rules.", code="forbidden")


def _get(model: type[_Rule], rule_id: int) -> _Rule:
    rule = db.session.get(model, rule_id)
    if rule is None:
        raise NotFound(f"No rule {rule_id}.", code="not_found")
    return rule


def _parse(enum: type[_Enum], value: object, name: str, code: str) -> _Enum:
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(str(m.value) for m in enum)
        raise InvalidInput(f"The {name} must be one of {choices}.", code=code) from None


def _parse_int(value: object, low: int, high: int, name: str) -> int:
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    if isinstance(value, bool) or not re.fullmatch(r"\d{1,10}", text):
        raise InvalidInput(f"The {name} must be a whole number.", code="invalid_number")
    number = int(text)
    if not low <= number <= high:
        raise InvalidInput(
            f"The {name} must be between {low:,} and {high:,}.", code="invalid_number"
        )
    return number


def _clean_text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"Give the {name} as text.", code="invalid_value")
    clean = re.sub(r"\s+", " ", value).strip()
    if not clean:
        raise InvalidInput(f"The {name} cannot be empty.", code="invalid_value")
    if len(clean) > MAX_VALUE:
        raise InvalidInput(
            f"The {name} can be at most {MAX_VALUE} characters.", code="invalid_value"
        )
    if invisible_characters(clean):
        raise InvalidInput(
            f"The {name} cannot contain control or invisible characters.", code="invalid_value"
        )
    return clean


def _clean_guideline_value(kind: GuidelineRuleKind, value: object) -> str:
    if kind is GuidelineRuleKind.BANNED_TERM:
        return _clean_text(value, "term")
    text = _clean_text(value, "domain").lower().strip(".")
    text = re.sub(r"\Ahttps?://", "", text).split("/", 1)[0]
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidInput(f"{text} is not a domain name.", code="invalid_domain") from None
    if not _DOMAIN.fullmatch(text):
        raise InvalidInput(
            "A domain is a name like support.acme.example, without a path.",
            code="invalid_domain",
        )
    return text


def _severity_for(kind: GuidelineRuleKind, severity: object) -> RuleSeverity | None:
    if kind is GuidelineRuleKind.LINK_DOMAIN:
        return None  # an allowed domain produces no finding of its own
    return _parse(RuleSeverity, severity, "severity", "invalid_severity")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _refuse_duplicate_guideline(kind: GuidelineRuleKind, value: str, own_id: int | None) -> None:
    for rule in db.session.scalars(sa.select(GuidelineRule).where(GuidelineRule.kind == kind)):
        if rule.id != own_id and _fold(rule.value) == _fold(value):
            raise Conflict(f"“{rule.value}” is already a rule.", code="duplicate_rule")


def _refuse_duplicate_priority(kind: PriorityRuleKind, value: str, own_id: int | None) -> None:
    for rule in db.session.scalars(sa.select(PriorityRule).where(PriorityRule.kind == kind)):
        if rule.id != own_id and _fold(rule.value) == _fold(value):
            raise Conflict(f"“{rule.value}” is already a rule.", code="duplicate_rule")


def _guideline_state(rule: GuidelineRule) -> dict[str, object]:
    return {
        "kind": rule.kind.value,
        "value": rule.value,
        "severity": rule.severity.value if rule.severity else None,
    }


def _priority_state(rule: PriorityRule) -> dict[str, object]:
    return {"kind": rule.kind.value, "language": rule.language.value, "value": rule.value}


def _set_enabled(
    rule: GuidelineRule | PriorityRule, enabled: bool, subject: str, actor: Employee
) -> bool:
    if rule.enabled == enabled:
        return False
    rule.enabled, rule.updated_by_id = enabled, actor.id
    action = "rule.enabled" if enabled else "rule.disabled"
    _recorded(action, subject, rule, actor, kind=rule.kind.value, value=rule.value)
    return True
