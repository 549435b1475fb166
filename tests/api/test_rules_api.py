"""The rules through the API: every change the rules page makes, same validation and audit."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import AuditEvent
from helpdesk.services import rule_cache


def rule_actions() -> list[tuple[str, str]]:
    """The audit log's rule and SLA events as (action, subject), oldest first."""
    query = sa.select(AuditEvent.action, AuditEvent.subject_type).order_by(AuditEvent.id)
    return [
        (action, subject)
        for action, subject in db.session.execute(query)
        if action.startswith(("rule.", "sla."))
    ]


def find(listing: dict, table: str, kind: str, value: str) -> dict:
    """One rule of GET /rules by kind and value."""
    return next(r for r in listing[table] if r["kind"] == kind and r["value"] == value)


def test_banned_terms_and_domains_are_added_changed_and_switched_off(api_as):
    """A supervisor adds, edits and switches off guideline rules; each change is audited."""
    api = api_as("0002", role="supervisor")
    added = api.post(
        "/rules/guideline", {"kind": "banned_term", "value": "  Project  X ", "severity": "warn"}
    )
    assert added.status_code == 201
    term = added.get_json()["rule"]
    assert term | {"id": 0} == {
        "id": 0,
        "kind": "banned_term",
        "value": "Project X",
        "severity": "warn",
        "enabled": True,
    }
    preview = api.post("/replies/preview", {"text": "About project x"}).get_json()
    assert [v["severity"] for v in preview["violations"]] == ["warn"]
    edited = api.post(f"/rules/guideline/{term['id']}", {"value": "Project Y", "severity": "block"})
    assert edited.status_code == 200 and edited.get_json()["rule"]["value"] == "Project Y"
    assert api.post("/replies/preview", {"text": "About project y"}).get_json()["valid"] is False
    off = api.post(f"/rules/guideline/{term['id']}/disable").get_json()
    assert off["changed"] is True and off["rule"]["enabled"] is False
    assert api.post(f"/rules/guideline/{term['id']}/disable").get_json()["changed"] is False
    assert api.post("/replies/preview", {"text": "About project y"}).get_json()["valid"] is True
    domain = api.post(
        "/rules/guideline", {"kind": "link_domain", "value": "https://Help.Acme.Example/faq"}
    ).get_json()["rule"]
    assert domain["value"] == "help.acme.example" and domain["severity"] is None
    assert rule_actions() == [
        ("rule.created", "guideline_rule"),
        ("rule.updated", "guideline_rule"),
        ("rule.disabled", "guideline_rule"),
        ("rule.created", "guideline_rule"),
    ]


def test_personal_data_detectors_switch_and_change_severity(api_as):
    """A check is switched off and on and moved between block and warn, as on the page."""
    api = api_as("0002", role="supervisor")
    phone = find(api.get("/rules").get_json(), "guideline", "check", "personal_data.phone")
    text = {"text": "Call 090-1234-5678"}
    assert api.post("/replies/preview", text).get_json()["valid"] is False
    warn = api.post(f"/rules/guideline/{phone['id']}", {"severity": "warn"}).get_json()["rule"]
    assert warn["severity"] == "warn" and warn["value"] == "personal_data.phone"
    assert api.post("/replies/preview", text).get_json()["valid"] is True
    api.post(f"/rules/guideline/{phone['id']}/disable")
    assert api.post("/replies/preview", text).get_json()["violations"] == []
    on = api.post(f"/rules/guideline/{phone['id']}/enable").get_json()
    assert on["changed"] is True and on["rule"]["enabled"] is True
    assert [a for a, _ in rule_actions()] == ["rule.updated", "rule.disabled", "rule.enabled"]


def test_priority_keywords_tone_words_and_threshold(api_as):
    """Urgent keywords (ja, en) and tone words are added, edited, switched; the threshold edited."""
    api = api_as("0002", role="supervisor")
    ja = api.post("/rules/priority", {"kind": "urgent_keyword", "language": "ja", "value": "異臭"})
    assert ja.status_code == 201
    keyword = ja.get_json()["rule"]
    assert (
        api.post("/rules/test", {"text": "充電器から異臭がします"}).get_json()["priority"] == "high"
    )
    en = api.post(f"/rules/priority/{keyword['id']}", {"language": "en", "value": "odor"})
    assert en.get_json()["rule"] | {"id": 0} == {
        "id": 0,
        "kind": "urgent_keyword",
        "language": "en",
        "value": "odor",
        "enabled": True,
    }
    tone = api.post(
        "/rules/priority", {"kind": "negative_tone", "language": "en", "value": "outraged"}
    )
    assert tone.status_code == 201
    api.post(f"/rules/priority/{tone.get_json()['rule']['id']}/disable")
    threshold = find(api.get("/rules").get_json(), "priority", "follower_threshold", "10000")
    changed = api.post(f"/rules/priority/{threshold['id']}", {"value": "5,000"}).get_json()
    assert changed["rule"]["value"] == "5000"
    assert rule_cache.current_priority_rules().follower_threshold == 5000
    assert [a for a, _ in rule_actions()] == [
        "rule.created",
        "rule.updated",
        "rule.created",
        "rule.disabled",
        "rule.updated",
    ]


def test_sla_is_set_by_admins_only(api_as):
    """Admins set an SLA in seconds (audited); supervisors get 403 and nothing changes."""
    admin, supervisor = api_as("0001", role="admin"), api_as("0002", role="supervisor")
    refused = supervisor.post("/rules/sla", {"priority": "high", "seconds": 1200})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    answer = admin.post("/rules/sla", {"priority": "high", "seconds": 1200})
    assert answer.status_code == 200
    assert {"priority": "high", "seconds": 1200, "from_settings": False} in answer.get_json()["sla"]
    bad = admin.post("/rules/sla", {"priority": "high", "seconds": 5})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_number"
    assert (
        admin.post("/rules/sla", {"priority": "urgent", "seconds": 600}).get_json()["error"]["code"]
        == "invalid_priority"
    )
    assert rule_actions() == [("sla.updated", "sla_target")]


def test_refusals_are_4xx_with_the_page_codes(api_as):
    """Bad kinds, values, severities, duplicates, unknown ids and agents get 4xx JSON codes."""
    api = api_as("0002", role="supervisor")
    cases = [
        (
            "/rules/guideline",
            {"kind": "check", "value": "x", "severity": "block"},
            400,
            "invalid_kind",
        ),
        (
            "/rules/guideline",
            {"kind": "banned_term", "value": "ok", "severity": "loud"},
            400,
            "invalid_severity",
        ),
        (
            "/rules/guideline",
            {"kind": "banned_term", "value": "a\x00b", "severity": "block"},
            400,
            "invalid_value",
        ),
        (
            "/rules/guideline",
            {"kind": "banned_term", "value": ["x"], "severity": "block"},
            400,
            "invalid_value",
        ),
        (
            "/rules/guideline",
            {"kind": "link_domain", "value": "not a domain"},
            400,
            "invalid_domain",
        ),
        (
            "/rules/guideline",
            {"kind": "link_domain", "value": "help.acme.example", "severity": "loud"},
            400,
            "invalid_severity",
        ),
        (
            "/rules/guideline",
            {"kind": "banned_term", "value": "CONFIDENTIAL", "severity": "block"},
            409,
            "duplicate_rule",
        ),
        (
            "/rules/priority",
            {"kind": "follower_threshold", "language": "any", "value": "5"},
            400,
            "invalid_kind",
        ),
        (
            "/rules/priority",
            {"kind": "urgent_keyword", "language": "fr", "value": "x"},
            400,
            "invalid_language",
        ),
        ("/rules/guideline/999999", {"value": "x", "severity": "block"}, 404, "not_found"),
        ("/rules/priority/999999/disable", {}, 404, "not_found"),
    ]
    for path, body, status, code in cases:
        answer = api.post(path, body)
        assert (path, answer.status_code, answer.get_json()["error"]["code"]) == (
            path,
            status,
            code,
        )
    not_json = api.client.post(
        "/api/v1/rules/guideline", data="x", headers={"Authorization": f"Bearer {api.token}"}
    )
    assert not_json.status_code == 400 and not_json.get_json()["error"]["code"] == "invalid_request"
    agent = api_as("0427")
    refused = agent.post(
        "/rules/guideline", {"kind": "banned_term", "value": "x", "severity": "block"}
    )
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert rule_actions() == []
