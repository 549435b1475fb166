"""Rules as data: validation, audit events, the seed, and the cache across apps and processes."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from helpdesk import create_app
from helpdesk.extensions import db
from helpdesk.models import AuditEvent, GuidelineRule, Mention, Priority, PriorityRule
from helpdesk.models.types import utcnow
from helpdesk.services import escalation, rule_cache, rules
from helpdesk.services.errors import Conflict, Forbidden, InvalidInput
from helpdesk.services.guidelines import DEFAULT_POLICY, Severity, blocking, check_reply
from helpdesk.services.priority import DEFAULT_PRIORITY_RULES, priority_for

MIGRATION = (
    Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0007_rules_as_data.py"
)


@pytest.fixture
def supervisor(make_employee):
    """Supervisor 0002."""
    return make_employee("0002", role="supervisor")


def actions() -> list[str]:
    """The audit log's rule and SLA actions, oldest first."""
    query = sa.select(AuditEvent.action).order_by(AuditEvent.id)
    return [a for a in db.session.scalars(query) if a.startswith(("rule.", "sla."))]


def _rule(kind: str, value: str) -> GuidelineRule:
    return db.session.scalars(
        sa.select(GuidelineRule).where(GuidelineRule.kind == kind, GuidelineRule.value == value)
    ).one()


def test_the_migration_seeds_exactly_todays_code_defaults():
    """Migration 0007's literal seed rows are the code's defaults (guideline and priority)."""
    namespace: dict[str, object] = {}
    exec(compile(MIGRATION.read_text(), str(MIGRATION), "exec"), namespace)  # noqa: S102
    guideline = [
        (r["kind"], r["value"], r["severity"]) for r in rule_cache.default_guideline_rows()
    ]
    priority = [(r["kind"], r["language"], r["value"]) for r in rule_cache.default_priority_rows()]
    assert namespace["GUIDELINE_SEED"] == guideline
    assert namespace["PRIORITY_SEED"] == priority


def test_an_unseeded_table_reads_as_the_defaults_and_the_first_list_seeds_it(app):
    """Empty tables give the code defaults; listing seeds the same values as rows."""
    assert rule_cache.current_guideline_policy().banned_terms == DEFAULT_POLICY.banned_terms
    assert rule_cache.current_priority_rules() == DEFAULT_PRIORITY_RULES
    listed = rules.list_rules("guideline")
    assert len(listed) == len(rule_cache.default_guideline_rows())
    assert len(rules.list_rules("priority")) == len(rule_cache.default_priority_rows())
    seeded = rule_cache.load_rules()
    assert seeded.guideline.banned_terms == DEFAULT_POLICY.banned_terms
    assert seeded.guideline.allowed_domains == DEFAULT_POLICY.allowed_domains
    for key in DEFAULT_POLICY.severities:
        assert seeded.guideline.severity(key) is DEFAULT_POLICY.severity(key)
    assert seeded.guideline.disabled == frozenset()
    assert seeded.priority.urgent_keywords == DEFAULT_PRIORITY_RULES.urgent_keywords
    assert seeded.priority.negative_tone == DEFAULT_PRIORITY_RULES.negative_tone
    assert seeded.priority.follower_threshold == DEFAULT_PRIORITY_RULES.follower_threshold


def test_a_banned_term_added_blocks_then_disabled_passes_with_audit_events(app, supervisor):
    """Adding, editing, disabling and enabling a term each change check_reply and are audited."""
    rule = rules.add_rule(
        "guideline",
        {"kind": "banned_term", "value": "  Project   Falcon ", "severity": "block"},
        actor=supervisor,
    )
    assert rule.value == "Project Falcon"
    policy = rule_cache.current_guideline_policy()
    assert "confidential" in policy.banned_terms  # the defaults stay: the table was seeded
    assert [v.rule for v in blocking(check_reply("project falcon ships ^1", policy))] == [
        "banned_term"
    ]
    rules.update_rule(
        "guideline", rule.id, {"value": "Project Falcon", "severity": "warn"}, actor=supervisor
    )
    [finding] = check_reply("project falcon ships ^1", rule_cache.current_guideline_policy())
    assert finding.severity is Severity.WARN
    assert rules.set_rule_enabled("guideline", rule.id, False, actor=supervisor) is True
    assert rules.set_rule_enabled("guideline", rule.id, False, actor=supervisor) is False
    assert check_reply("project falcon ships ^1", rule_cache.current_guideline_policy()) == []
    rules.set_rule_enabled("guideline", rule.id, True, actor=supervisor)
    assert check_reply("project falcon ships ^1", rule_cache.current_guideline_policy())
    assert actions() == ["rule.created", "rule.updated", "rule.disabled", "rule.enabled"]
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "rule.updated")
    ).one()
    details = json.loads(event.details)
    assert details["before"]["severity"] == "block" and details["after"]["severity"] == "warn"
    assert event.actor_number == "0002"


def test_checks_switch_off_and_change_severity(app, supervisor):
    """A personal-data detector switched off finds nothing; a severity change applies at once."""
    rules.list_rules("guideline")
    phone = _rule("check", "personal_data.phone")
    assert blocking(check_reply("090-1234-5678 ^1", rule_cache.current_guideline_policy()))
    rules.set_rule_enabled("guideline", phone.id, False, actor=supervisor)
    assert check_reply("090-1234-5678 ^1", rule_cache.current_guideline_policy()) == []
    postal = _rule("check", "personal_data.postal_code")
    rules.update_rule(
        "guideline", postal.id, {"value": "ignored", "severity": "block"}, actor=supervisor
    )
    assert _rule("check", "personal_data.postal_code").value == "personal_data.postal_code"
    assert blocking(check_reply("〒100-0001 ^1", rule_cache.current_guideline_policy()))


def test_link_domains_are_validated_and_allowed(app, supervisor):
    """A domain is normalised (scheme, case, IDN) and then allowed; junk is refused."""
    rule = rules.add_rule(
        "guideline",
        {"kind": "link_domain", "value": "HTTPS://Shop.Acme.Test/", "severity": None},
        actor=supervisor,
    )
    assert rule.value == "shop.acme.test" and rule.severity is None
    assert check_reply("https://shop.acme.test/x ^1", rule_cache.current_guideline_policy()) == []
    assert rules.add_rule(
        "guideline", {"kind": "link_domain", "value": "例え.jp", "severity": None}, actor=supervisor
    ).value == ("xn--r8jz45g.jp")
    for junk in ("not a domain", "localhost", "a..b", "-x.com"):
        with pytest.raises(InvalidInput):
            rules.add_rule(
                "guideline",
                {"kind": "link_domain", "value": junk, "severity": None},
                actor=supervisor,
            )


@pytest.mark.parametrize(
    ("kind", "value", "severity", "code"),
    [
        ("banned_term", "", "block", "invalid_value"),
        ("banned_term", "   ", "block", "invalid_value"),
        ("banned_term", "x" * 101, "block", "invalid_value"),
        ("banned_term", "zero\u200bwidth", "block", "invalid_value"),
        ("banned_term", 42, "block", "invalid_value"),
        ("banned_term", "ok", "stop", "invalid_severity"),
        ("regex", "ok", "block", "invalid_kind"),
        ("check", "personal_data.phone", "block", "invalid_kind"),
    ],
)
def test_bad_guideline_input_is_refused_with_a_clear_code(
    app, supervisor, kind, value, severity, code
):
    """Empty, too long, invisible, unknown kinds and severities are refused; nothing is stored."""
    with pytest.raises(InvalidInput) as refused:
        rules.add_rule(
            "guideline", {"kind": kind, "value": value, "severity": severity}, actor=supervisor
        )
    assert refused.value.code == code
    db.session.rollback()
    assert actions() == []


def test_duplicates_are_refused_across_case_and_width(app, supervisor):
    """A term that folds to an existing one (case, full width), even a disabled one, is refused."""
    with pytest.raises(Conflict):
        rules.add_rule(
            "guideline",
            {"kind": "banned_term", "value": "ＣＯＮＦＩＤＥＮＴＩＡＬ", "severity": "block"},
            actor=supervisor,
        )
    made = rules.add_rule(
        "priority",
        {"kind": "urgent_keyword", "language": "en", "value": "Recall"},
        actor=supervisor,
    )
    rules.set_rule_enabled("priority", made.id, False, actor=supervisor)
    with pytest.raises(Conflict):
        rules.add_rule(
            "priority",
            {"kind": "urgent_keyword", "language": "en", "value": "recall"},
            actor=supervisor,
        )


def test_priority_rules_change_the_priority_of_new_mentions(app, supervisor):
    """A new urgent keyword makes a text high; the threshold can be raised or switched off."""
    assert (
        priority_for("product recall?", None, rule_cache.current_priority_rules())
        is Priority.NORMAL
    )
    rules.add_rule(
        "priority",
        {"kind": "urgent_keyword", "language": "en", "value": "recall"},
        actor=supervisor,
    )
    assert (
        priority_for("product recall?", None, rule_cache.current_priority_rules()) is Priority.HIGH
    )
    threshold = db.session.scalars(
        sa.select(PriorityRule).where(PriorityRule.kind == "follower_threshold")
    ).one()
    rules.update_rule(
        "priority", threshold.id, {"language": "any", "value": "50,000"}, actor=supervisor
    )
    assert rule_cache.current_priority_rules().follower_threshold == 50_000
    with pytest.raises(InvalidInput):
        rules.update_rule(
            "priority", threshold.id, {"language": "any", "value": "lots"}, actor=supervisor
        )
    rules.set_rule_enabled("priority", threshold.id, False, actor=supervisor)
    assert priority_for("hi", 10**8, rule_cache.current_priority_rules()) is Priority.NORMAL
    with pytest.raises(InvalidInput):
        rules.add_rule(
            "priority",
            {"kind": "follower_threshold", "language": "any", "value": "5"},
            actor=supervisor,
        )


def test_sla_targets_override_the_settings_for_the_sweep(app, make_employee, supervisor):
    """An admin's SLA target replaces the setting for the sweep; supervisors may not set one."""
    admin = make_employee("0001", role="admin")
    settings = app.config["HELPDESK"]
    assert escalation.sla_seconds(Priority.HIGH) == settings.sla_high_seconds
    with pytest.raises(Forbidden):
        rules.set_sla_target("high", 600, actor=supervisor)
    with pytest.raises(InvalidInput):
        rules.set_sla_target("high", 5, actor=admin)
    rules.set_sla_target("high", 120, actor=admin)
    assert escalation.sla_seconds(Priority.HIGH) == 120
    assert [t["from_settings"] for t in rules.list_sla_targets()] == [False, True]
    assert actions()[-1] == "sla.updated"
    mention = Mention(tweet_id=1, conversation_id=1, author_x_id=5, text="x", priority="high")
    mention.created_at = utcnow() - timedelta(seconds=180)
    assert escalation.due_at(mention) < utcnow()


def test_only_supervisors_and_admins_change_rules_or_test_texts(app, make_employee):
    """Agents and trainees are refused by the service itself."""
    for role in ("agent", "trainee"):
        employee = make_employee(f"05{len(role):02d}", role=role)
        with pytest.raises(Forbidden):
            rules.add_rule(
                "guideline",
                {"kind": "banned_term", "value": "x", "severity": "block"},
                actor=employee,
            )
        with pytest.raises(Forbidden):
            rules.check_text("hello", actor=employee)


def test_check_text_reports_findings_and_priority_and_stores_nothing(app, supervisor):
    """A trial returns the findings and priority and writes no row or audit event."""
    result = rules.check_text("社外秘です、至急！", "12", actor=supervisor)
    assert [v.rule for v in result.violations] == ["banned_term"]
    assert result.priority is Priority.HIGH and result.urgent_terms == ["至急"]
    assert rules.check_text("hi", "10000", actor=supervisor).priority is Priority.HIGH
    for bad in ("", "x" * 601):
        with pytest.raises(InvalidInput):
            rules.check_text(bad, actor=supervisor)
    with pytest.raises(InvalidInput):
        rules.check_text("hi", "-3", actor=supervisor)
    assert actions() == []


def test_a_change_reaches_another_app_instance_at_once(app, environ, supervisor):
    """A second app (its own cache, as another gunicorn worker) sees a change on its next read."""
    other = create_app({"TESTING": True, "RATELIMIT_ENABLED": False}, environ=environ)
    with other.app_context():
        assert "project heron" not in other_terms()
    rules.add_rule(
        "guideline",
        {"kind": "banned_term", "value": "project heron", "severity": "block"},
        actor=supervisor,
    )
    with other.app_context():
        assert "project heron" in other_terms()
        db.session.remove()


def other_terms() -> tuple[str, ...]:
    """The banned terms as the current app's cache gives them."""
    return rule_cache.current_guideline_policy().banned_terms


READER = """
import sys, time, warnings
warnings.simplefilter("ignore")
from helpdesk import create_app
from helpdesk.extensions import db
from helpdesk.services import rule_cache

def terms():
    # Each read in its own app context and transaction, as each request or job is: the
    # rules are read once per request or job (SQLite locks otherwise).
    with app.app_context():
        try:
            return rule_cache.current_guideline_policy().banned_terms
        finally:
            db.session.remove()

app = create_app({"TESTING": True})
print("heron" in terms(), flush=True)
sys.stdin.readline()
reads = 1
while "heron" not in terms():
    if reads >= 100:
        print("stale", reads, flush=True)
        sys.exit(1)
    reads += 1
    time.sleep(0.05)
print("seen", reads, flush=True)
"""


def test_rules_are_read_once_per_request_or_job(app, supervisor):
    """Within one app context the Redis token is read once, however many rows ask for an SLA;
    a change made in that context is seen by its own later reads."""
    first = rule_cache.current_rules()
    # Another process changes the rules: this request keeps what it read (no look at Redis
    # per row); the next request or job reads the new token and reloads.
    app.extensions["redis"].set(rule_cache.VERSION_KEY, "changed-by-another-process")
    assert all(rule_cache.current_rules() is first for _ in range(500))
    db.session.commit()  # end this context's read (SQLite's single writer) before the next one
    with app.app_context():
        assert rule_cache.current_rules() is not first
    rules.add_rule(
        "guideline",
        {"kind": "banned_term", "value": "project egret", "severity": "block"},
        actor=supervisor,
    )
    assert "project egret" in rule_cache.current_guideline_policy().banned_terms


def test_a_change_reaches_another_process_within_seconds(app, environ, supervisor):
    """A separate process that cached the rules sees a new term after the change commits."""
    reader = subprocess.Popen(
        [sys.executable, "-c", READER],
        env={**environ, "PATH": "/usr/bin:/bin"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "False"
        rules.add_rule(
            "guideline",
            {"kind": "banned_term", "value": "heron", "severity": "block"},
            actor=supervisor,
        )
        reader.stdin.write("go\n")
        reader.stdin.flush()
        # The first read after the commit reloads: the token changed, no waiting for an expiry.
        assert reader.stdout.readline().split() == ["seen", "1"]
    finally:
        reader.kill()
        reader.wait()
