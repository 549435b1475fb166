"""The rules page: forms add, edit, switch off and test; errors re-render; text is escaped."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, GuidelineRule
from tests.support.web import csrf_from

PAGE = "/supervise/rules"
EN = {"Accept-Language": "en"}
JA = {"Accept-Language": "ja"}
HOSTILE = '<img src=x onerror=alert(1)>"'
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


def post_form(client, path: str, data: dict, headers: dict = EN):
    """POST a form the way a browser does, with the rules page's CSRF token."""
    token = csrf_from(client.get(PAGE).text)
    return client.post(path, data={**data, "csrf_token": token}, headers=headers)


def term(value: str) -> GuidelineRule | None:
    """The banned term row with this value, fresh from the database."""
    db.session.expire_all()
    return db.session.scalar(
        sa.select(GuidelineRule).where(
            GuidelineRule.kind == "banned_term", GuidelineRule.value == value
        )
    )


def test_agents_are_refused_the_page_and_its_forms(client, make_employee, login):
    """An agent gets 403 on the page and on adding a rule; nothing is stored."""
    make_employee("0427")
    login("0427")
    assert client.get(PAGE).status_code == 403
    token = csrf_from(client.get("/inbox").text)
    data = {"kind": "banned_term", "value": "x", "severity": "block", "csrf_token": token}
    assert client.post(PAGE + "/guideline", data=data).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GuidelineRule)) == 0


def test_the_page_lists_the_seeded_rules_in_both_languages(client, supervisor):
    """The defaults are listed with Japanese or English labels."""
    ja = client.get(PAGE, headers=JA).text
    assert "社外秘" in ja and "禁止語" in ja and "support.acme.example" in ja
    en = client.get(PAGE, headers=EN).text
    assert "Banned term" in en and "Personal data: phone numbers" in en and "至急" in en


def test_add_test_disable_a_banned_term(client, supervisor):
    """A term added blocks a text in the trial; switched off, the trial finds nothing."""
    added = post_form(
        client, PAGE + "/guideline", {"kind": "banned_term", "value": "Falcon", "severity": "block"}
    )
    assert added.status_code == 302
    rule = term("Falcon")
    assert rule is not None and rule.enabled
    trial = post_form(client, PAGE + "/test", {"text": "The Falcon launch", "followers": ""})
    assert trial.status_code == 200
    assert 'data-rule="banned_term"' in trial.text and "blocks sending" in trial.text
    off = post_form(client, f"{PAGE}/guideline/{rule.id}/disable", {})
    assert off.status_code == 302 and not term("Falcon").enabled
    trial = post_form(client, PAGE + "/test", {"text": "The Falcon launch", "followers": ""})
    assert 'data-testid="test-clean"' in trial.text
    assert "normal" in trial.text
    actions = list(db.session.scalars(sa.select(AuditEvent.action)))
    assert actions.count("rule.created") == 1 and actions.count("rule.disabled") == 1


def test_bad_input_re_renders_with_a_message_and_keeps_the_text(client, supervisor):
    """An empty term, a bad domain, a duplicate and a long trial text each say what is wrong."""
    empty = post_form(
        client, PAGE + "/guideline", {"kind": "banned_term", "value": " ", "severity": "block"}
    )
    assert empty.status_code == 400 and "1 to 100 characters" in empty.text
    domain = post_form(
        client,
        PAGE + "/guideline",
        {"kind": "link_domain", "value": "not a domain", "severity": "block"},
        headers=JA,
    )
    assert domain.status_code == 400 and "support.acme.example のような名前" in domain.text
    assert 'value="not a domain"' in domain.text
    duplicate = post_form(
        client, PAGE + "/guideline", {"kind": "banned_term", "value": "機密", "severity": "warn"}
    )
    assert duplicate.status_code == 409 and "exists already" in duplicate.text
    long = post_form(client, PAGE + "/test", {"text": "x" * 601})
    assert long.status_code == 400 and "at most 600 characters" in long.text
    followers = post_form(client, PAGE + "/test", {"text": "hi", "followers": "many"})
    assert followers.status_code == 400 and "whole number" in followers.text
    keyword = post_form(
        client, PAGE + "/priority", {"kind": "urgent_keyword", "language": "xx", "value": "recall"}
    )
    assert keyword.status_code == 400 and "Choose Japanese, English" in keyword.text


def test_hostile_rule_text_and_trial_text_are_escaped(client, supervisor):
    """A term or a trial text with markup is shown as text, never as HTML."""
    post_form(
        client, PAGE + "/guideline", {"kind": "banned_term", "value": HOSTILE, "severity": "warn"}
    )
    page = client.get(PAGE, headers=EN).text
    assert ESCAPED in page and HOSTILE not in page
    trial = post_form(client, PAGE + "/test", {"text": HOSTILE})
    assert ESCAPED in trial.text and HOSTILE not in trial.text


def test_priority_rules_and_the_trial_priority(client, supervisor):
    """A new urgent keyword makes the trial high; the threshold is edited in place."""
    post_form(
        client, PAGE + "/priority", {"kind": "urgent_keyword", "language": "en", "value": "recall"}
    )
    trial = post_form(client, PAGE + "/test", {"text": "Is there a recall?"})
    assert 'data-testid="test-priority">high<' in trial.text
    trial = post_form(client, PAGE + "/test", {"text": "hello", "followers": "10000"})
    assert 'data-testid="test-priority">high<' in trial.text


def test_supervisors_see_but_cannot_set_sla_targets(client, supervisor):
    """A supervisor sees the SLA minutes but gets no form, and 403 on posting one."""
    page = client.get(PAGE, headers=EN).text
    assert 'name="minutes"' not in page and "(from the server settings)" in page
    refused = post_form(client, PAGE + "/sla", {"priority": "high", "minutes": "20"})
    assert refused.status_code == 403


def test_admins_set_sla_targets_in_minutes(client, make_employee, login):
    """An admin sets the SLA in whole minutes; anything else re-renders with a message."""
    make_employee("0001", role="admin")
    login("0001")
    bad = post_form(client, PAGE + "/sla", {"priority": "high", "minutes": "soon"})
    assert bad.status_code == 400 and "whole number of minutes" in bad.text
    low = post_form(client, PAGE + "/sla", {"priority": "high", "minutes": "0"})
    assert low.status_code == 400 and "range shown" in low.text
    saved = post_form(client, PAGE + "/sla", {"priority": "high", "minutes": "20"})
    assert saved.status_code == 302
    assert 'value="20"' in client.get(PAGE).text


def test_the_api_lists_rules_and_tests_a_text(api_as):
    """GET /api/v1/rules lists the rules; POST /rules/test returns findings and priority."""
    api = api_as("0002", role="supervisor")
    listed = api.get("/rules")
    assert listed.status_code == 200
    assert {"kind": "banned_term", "value": "社外秘"}.items() <= listed.json["guideline"][4].items()
    tried = api.post("/rules/test", {"text": "社外秘、至急", "followers_count": 3})
    assert tried.status_code == 200
    assert tried.json["priority"] == "high"
    assert [v["rule"] for v in tried.json["violations"]] == ["banned_term"]
    bad = api.post("/rules/test", {"text": ""})
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_text"
    agent = api_as("0427", role="agent")
    assert agent.get("/rules").status_code == 403
