"""Rules as data, the edit side: supervisors list, add, change and switch off guideline and
priority rules through one path for both families, set SLA targets, and test a text.

Every change is audited, committed, and announced to every process through
`rule_cache.rules_changed` (the read side lives in `rule_cache`). The first list or change
seeds a never-seeded table with the code defaults, so one change never drops the others.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, TypeVar

import sqlalchemy as sa

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
from helpdesk.services.guidelines import Violation, check_reply, invisible_characters
from helpdesk.services.priority import priority_for, tone_score, urgent_terms
from helpdesk.services.rule_cache import (
    current_rules,
    default_guideline_rows,
    default_priority_rows,
    rules_changed,
)

Rule = GuidelineRule | PriorityRule
Family = Literal["guideline", "priority"]
_Enum = TypeVar("_Enum", bound=StrEnum)

MAX_TEST_TEXT = 600
MAX_FOLLOWERS = 1_000_000_000
MIN_SLA_SECONDS = 60
MAX_SLA_SECONDS = 7 * 24 * 3600

_DOMAIN = re.compile(
    r"(?=.{1,100}\Z)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}"
)


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


@dataclass(frozen=True)
class _Family:
    """What differs between rule families; everything else is the one path below."""

    model: type[GuidelineRule] | type[PriorityRule]
    kinds: type[GuidelineRuleKind] | type[PriorityRuleKind]
    subject: str  # the audit log's subject type
    fixed: Mapping[StrEnum, str]  # kinds that cannot be added, with why
    # (kind, the submitted fields, own id or None) -> the checked column values
    clean: Callable[[StrEnum, Mapping[str, object], int | None], dict[str, object]]
    state: Callable[[Rule], dict[str, object]]  # what the audit log and the API show


# --- listing -----------------------------------------------------------------------------


def list_rules(family: Family) -> list[Rule]:
    """Every rule of a family, disabled ones too, by kind then id."""
    model = _FAMILIES[family].model
    _ensure_seeded()
    return list(db.session.scalars(sa.select(model).order_by(model.kind, model.id)))


def get_rule(family: Family, rule_id: int) -> Rule:
    """One rule of a family, or NotFound."""
    rule = db.session.get(_FAMILIES[family].model, rule_id)
    if rule is None:
        raise NotFound(f"No rule {rule_id}.", code="not_found")
    return rule


def rule_dict(rule: Rule) -> dict[str, object]:
    """The API shape of a rule of either family."""
    return {"id": rule.id, **_family_of(rule).state(rule), "enabled": rule.enabled}


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


# --- changing: one path for every family ---------------------------------------------------


def add_rule(family: Family, fields: Mapping[str, object], *, actor: Employee) -> Rule:
    """Add a rule from the submitted fields: a banned term or allowed link domain (kind,
    value, severity), an urgent keyword or word of angry tone (kind, language, value)."""
    _check_supervisor(actor)
    _ensure_seeded()
    spec = _FAMILIES[family]
    kind = _parse(spec.kinds, fields.get("kind"), "kind", "invalid_kind")
    if kind in spec.fixed:
        raise InvalidInput(spec.fixed[kind], code="invalid_kind")
    values = spec.clean(kind, fields, None)
    rule = spec.model(kind=kind, enabled=True, updated_by_id=actor.id, **values)
    db.session.add(rule)
    db.session.flush()
    return _recorded("rule.created", spec.subject, rule, actor, **spec.state(rule))


def update_rule(
    family: Family, rule_id: int, fields: Mapping[str, object], *, actor: Employee
) -> Rule:
    """Change a rule from the submitted fields (its kind stays; a check keeps its name, the
    follower threshold takes only a count); nothing is recorded when nothing changed."""
    _check_supervisor(actor)
    spec = _FAMILIES[family]
    rule = get_rule(family, rule_id)
    before = spec.state(rule)
    for name, value in spec.clean(rule.kind, fields, rule.id).items():
        setattr(rule, name, value)
    rule.updated_by_id = actor.id
    after = spec.state(rule)
    if after == before:
        db.session.rollback()
        return rule
    return _recorded("rule.updated", spec.subject, rule, actor, before=before, after=after)


def set_rule_enabled(family: Family, rule_id: int, enabled: bool, *, actor: Employee) -> bool:
    """Switch a rule on or off; False when it already was."""
    _check_supervisor(actor)
    rule = get_rule(family, rule_id)
    if rule.enabled == enabled:
        return False
    rule.enabled, rule.updated_by_id = enabled, actor.id
    action = "rule.enabled" if enabled else "rule.disabled"
    _recorded(
        action, _FAMILIES[family].subject, rule, actor, kind=rule.kind.value, value=rule.value
    )
    return True


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
    rules_changed()
    return target


def check_text(text: object, followers_count: object = None, *, actor: Employee) -> TextCheck:
    """Run a text against the rules in force, storing nothing."""
    _check_supervisor(actor)
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("Write a text to test.", code="invalid_text", subject="rules")
    if len(text) > MAX_TEST_TEXT:
        raise InvalidInput(
            f"A text to test is at most {MAX_TEST_TEXT} characters.",
            code="text_too_long",
            subject="rules",
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


def _recorded(action: str, subject: str, rule: Rule, actor: Employee, **details: object) -> Rule:
    """Audit a change to a rule, commit it, and tell every process to reload."""
    audit.record(action, subject, rule.id, actor=actor, **details)
    db.session.commit()
    rules_changed()
    return rule


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


# --- the two families ----------------------------------------------------------------------


def _clean_guideline(
    kind: GuidelineRuleKind, fields: Mapping[str, object], own_id: int | None
) -> dict[str, object]:
    """A term or domain (a check keeps its name) and its severity (none for a domain)."""
    values: dict[str, object] = {}
    if kind is not GuidelineRuleKind.CHECK:
        values["value"] = _clean_guideline_value(kind, fields.get("value"))
    values["severity"] = _severity_for(kind, fields.get("severity"))
    if "value" in values:
        _refuse_duplicate(GuidelineRule, kind, values["value"], own_id)
    return values


def _clean_priority(
    kind: PriorityRuleKind, fields: Mapping[str, object], own_id: int | None
) -> dict[str, object]:
    """A keyword and its language, or the follower threshold's count alone."""
    if kind is PriorityRuleKind.FOLLOWER_THRESHOLD:
        count = _parse_int(fields.get("value"), 1, MAX_FOLLOWERS, "follower threshold")
        return {"value": str(count)}
    language = _parse(RuleLanguage, fields.get("language"), "language", "invalid_language")
    value = _clean_text(fields.get("value"), "keyword")
    _refuse_duplicate(PriorityRule, kind, value, own_id)
    return {"language": language, "value": value}


def _guideline_state(rule: GuidelineRule) -> dict[str, object]:
    return {
        "kind": rule.kind.value,
        "value": rule.value,
        "severity": rule.severity.value if rule.severity else None,
    }


def _priority_state(rule: PriorityRule) -> dict[str, object]:
    return {"kind": rule.kind.value, "language": rule.language.value, "value": rule.value}


_FAMILIES: dict[str, _Family] = {
    "guideline": _Family(
        model=GuidelineRule,
        kinds=GuidelineRuleKind,
        subject="guideline_rule",
        fixed={
            GuidelineRuleKind.CHECK: "Checks cannot be added; change a check's severity or "
            "switch it off instead."
        },
        clean=_clean_guideline,
        state=_guideline_state,
    ),
    "priority": _Family(
        model=PriorityRule,
        kinds=PriorityRuleKind,
        subject="priority_rule",
        fixed={
            PriorityRuleKind.FOLLOWER_THRESHOLD: "There is one follower threshold; edit it "
            "instead of adding another."
        },
        clean=_clean_priority,
        state=_priority_state,
    ),
}


def _family_of(rule: Rule) -> _Family:
    return _FAMILIES["guideline" if isinstance(rule, GuidelineRule) else "priority"]


# --- checking what was submitted ---------------------------------------------------------


def _check_supervisor(actor: Employee | None) -> None:
    if actor is None or not actor.active or not actor.can(Role.SUPERVISOR):
        raise Forbidden("Only supervisors and admins edit the rules.", code="forbidden")


def _parse(enum: type[_Enum], value: object, name: str, code: str) -> _Enum:
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(str(m.value) for m in enum)
        raise InvalidInput(
            f"The {name} must be one of {choices}.", code=code, subject="rules"
        ) from None


def _parse_int(value: object, low: int, high: int, name: str) -> int:
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    if isinstance(value, bool) or not re.fullmatch(r"\d{1,10}", text):
        raise InvalidInput(
            f"The {name} must be a whole number.", code="invalid_number", subject="rules"
        )
    number = int(text)
    if not low <= number <= high:
        raise InvalidInput(
            f"The {name} must be between {low:,} and {high:,}.",
            code="invalid_number",
            subject="rules",
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
    if kind is GuidelineRuleKind.LINK_DOMAIN and severity is None:
        return None
    parsed = _parse(RuleSeverity, severity, "severity", "invalid_severity")
    # An allowed domain produces no finding of its own: a given severity is checked, not kept.
    return None if kind is GuidelineRuleKind.LINK_DOMAIN else parsed


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _refuse_duplicate(model: type[Rule], kind: StrEnum, value: str, own_id: int | None) -> None:
    """Refuse a value that folds (case, width) to another rule of its kind, disabled ones too."""
    for rule in db.session.scalars(sa.select(model).where(model.kind == kind)):
        if rule.id != own_id and _fold(rule.value) == _fold(value):
            raise Conflict(f"“{rule.value}” is already a rule.", code="duplicate_rule")
