"""Supervisors approve trainees' replies, resolve escalations, read coverage, in a browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from helpdesk.extensions import db
from helpdesk.services import escalation, inbox, replies
from tests.support.app import run_jobs
from tests.support.browser import HOSTILE, ingest

pytestmark = pytest.mark.browser


def brand_posts(x) -> list[dict]:
    return x.get("/_sandbox/tweets", author="brand").json()["data"]


def test_a_trainee_reply_waits_for_approval_then_posts(app, x, make_employee, signed_in):
    """A trainee's reply waits, nothing posts; the supervisor approves it and it posts once."""
    make_employee("0311", role="trainee")
    make_employee("0900", role="supervisor")
    customer_text = "My parcel came damaged, what should I do?"
    (mention_id,) = ingest(x, customer_text)
    tweet_id = str(inbox.get_mention(mention_id).tweet_id)
    db.session.rollback()

    trainee = signed_in("0311")
    expect(trainee.locator("#nav-supervise")).to_have_count(0)
    trainee.click(f'tr[data-mention-id="{mention_id}"] td.text a')
    trainee.click("#claim-button")
    expect(trainee.locator("#claim-holder")).to_contain_text("You are working on this")
    trainee.fill("#reply-text", "Sorry to hear that! We will send a replacement.")
    trainee.click("#send-button")
    expect(trainee.locator(".flash")).to_contain_text("waiting for a supervisor's approval")
    state = trainee.locator("[data-reply-state]")
    expect(state).to_have_text("waiting for approval")
    run_jobs(app)  # nothing may be queued before the approval
    assert brand_posts(x) == []

    supervisor = signed_in("0900")
    supervisor.click("#nav-supervise")
    expect(supervisor.locator("h1")).to_have_text("Supervise")
    item = supervisor.locator("#pending .reply-item")
    expect(item).to_have_count(1)
    expect(item.locator(".quote")).to_contain_text(customer_text)
    expect(item.locator(".tweet-text")).to_have_text(
        "Sorry to hear that! We will send a replacement. ^0311"
    )
    expect(item.locator(".meta")).to_contain_text("by 0311")
    item.get_by_role("button", name="Approve").click()
    expect(supervisor.locator(".flash")).to_have_text("Reply approved; it is queued for posting.")
    expect(supervisor.locator("#pending .reply-item")).to_have_count(0)
    expect(supervisor.locator("#pending .count")).to_have_text("0")

    run_jobs(app)
    posted = brand_posts(x)
    assert [(t["text"], t["in_reply_to_tweet_id"]) for t in posted] == [
        ("Sorry to hear that! We will send a replacement. ^0311", tweet_id)
    ]
    expect(state).to_have_text("posted")  # the trainee's page poll, no reload
    expect(trainee.locator("#mention-status")).to_have_text("answered")
    assert trainee.errors == [] and supervisor.errors == []
    assert trainee.dialogs == [] and supervisor.dialogs == []


def test_an_agent_escalates_and_the_supervisor_resolves_it(app, x, make_employee, signed_in):
    """The agent's escalation reaches the supervisor's queue; resolving it with a note closes it."""
    make_employee("0427")
    make_employee("0900", role="supervisor")
    (mention_id,) = ingest(x, "I want a refund of 50,000 yen, now.")
    agent = signed_in("0427")
    agent.goto(f"/mentions/{mention_id}")
    agent.fill("#escalate-reason", "Refund above the agent limit")
    agent.click("#escalate-button")
    expect(agent.locator(".flash")).to_have_text("Escalated to the supervisors.")
    expect(agent.get_by_test_id("open-escalation")).to_contain_text("Refund above the agent limit")
    expect(agent.locator("#escalate-button")).to_have_count(0)

    supervisor = signed_in("0900")
    supervisor.goto("/supervise")
    row = supervisor.locator(f'#escalations tr[data-mention-id="{mention_id}"]')
    expect(row).to_have_count(1)
    expect(row.locator(".why .reason")).to_have_text("Refund above the agent limit")
    expect(row.locator(".why .by")).to_have_text("by 0427")
    expect(row.locator(".why .badge")).to_have_text("raised by hand")
    expect(row.locator("td.text")).to_contain_text("I want a refund of 50,000 yen, now.")
    row.locator("input[name=note]").fill("Refund approved by phone")
    row.get_by_role("button", name="Resolve").click()
    expect(supervisor.locator(".flash")).to_have_text("Escalation resolved.")
    expect(supervisor.locator("#escalations tr[data-escalation-id]")).to_have_count(0)
    expect(supervisor.locator("#escalations .empty")).to_have_text("No escalations here.")

    supervisor.goto("/supervise?status=resolved")
    row = supervisor.locator(f'#escalations tr[data-mention-id="{mention_id}"]')
    expect(row.locator(".resolved")).to_contain_text("Resolved by 0900")
    expect(row.locator(".note")).to_have_text("Refund approved by phone")
    agent.reload()
    expect(agent.get_by_test_id("open-escalation")).to_have_count(0)
    assert agent.errors == [] and supervisor.errors == []


def test_an_agent_gets_the_403_page_and_no_supervise_link(app, x, make_employee, signed_in):
    """An agent has no "Supervise" link; /supervise and its coverage answer a plain 403 page."""
    make_employee("0427")
    page = signed_in("0427")
    expect(page.locator("header.topbar .mainnav")).to_be_visible()
    expect(page.locator("#nav-supervise")).to_have_count(0)
    expect(page.locator("header.topbar")).not_to_contain_text("Supervise")
    for path in ("/supervise/", "/supervise/coverage"):
        response = page.goto(path)
        assert response is not None and response.status == 403
        expect(page.locator(".errorpage h1")).to_have_text("403")
        expect(page.locator(".errorpage a")).to_have_text("Back to the inbox")
        assert "Traceback" not in page.content()
        expect(page.locator("#escalations")).to_have_count(0)


def test_coverage_for_today_counts_what_was_created(app, x, make_employee, signed_in):
    """Today's figures show the three mentions: one answered, one dismissed, one open."""
    agent = make_employee("0427")
    make_employee("0900", role="supervisor")
    answered, dismissed, still_open = ingest(x, "Where is my order?", "spam spam", "Open Sunday?")
    replies.create_reply(answered, agent, "It ships today.")
    inbox.dismiss(dismissed, agent, "spam")
    db.session.rollback()
    run_jobs(app)
    assert [t["text"] for t in brand_posts(x)] == ["It ships today. ^0427"]

    page = signed_in("0900")
    page.goto("/supervise")
    page.click("a.filter:text('Coverage')")
    page.wait_for_url("**/supervise/coverage")
    expect(page.locator("h1")).to_have_text("Coverage")
    page.click("a.filter:text('Today')")
    page.wait_for_url("**/supervise/coverage?period=today")
    figure = page.locator("#figures [data-figure]")
    expect(figure).to_have_count(10)

    def shown(name: str):
        return page.locator(f'#figures [data-figure="{name}"]')

    expect(shown("total")).to_have_text("3")
    expect(shown("answered")).to_have_text("1")
    expect(shown("answered_elsewhere")).to_have_text("0")
    expect(shown("dismissed")).to_have_text("1")
    expect(shown("open")).to_have_text("1")
    expect(shown("response_rate")).to_have_text("50.0%")
    expect(shown("oldest_open").locator("a")).to_have_attribute("href", f"/mentions/{still_open}")
    chart = page.locator('canvas[data-chart="volume"][data-drawn="true"]')
    expect(chart).to_have_count(1)
    sums = chart.evaluate(
        "c => Chart.getChart(c).data.datasets.map(d => d.data.reduce((n, v) => n + v, 0))"
    )
    assert sums == [3, 1]  # received, answered: the bars Chart.js drew for the 24 hours
    assert chart.evaluate("c => Chart.getChart(c).data.labels.length") == 24
    person = page.locator('#per-employee tr[data-employee="0427"] td')
    expect(person.nth(2)).to_have_text("1")
    assert page.errors == []


def test_hostile_names_and_text_render_as_text_on_supervise(app, x, make_employee, signed_in):
    """An escalated <img onerror> mention and its pending reply show literally; no dialog opens."""
    agent = make_employee("0427")
    trainee = make_employee("0311", role="trainee")
    make_employee("0900", role="supervisor")
    (mention_id,) = ingest(x, HOSTILE, name=HOSTILE, username="mallory")
    escalation.escalate(mention_id, agent, HOSTILE)
    replies.create_reply(mention_id, trainee, "Thanks, we are looking into it.")
    db.session.rollback()

    page = signed_in("0900")
    page.goto("/supervise")
    row = page.locator(f'#escalations tr[data-mention-id="{mention_id}"]')
    expect(row.locator(".display-name")).to_have_text(HOSTILE)
    expect(row.locator("td.text")).to_contain_text(HOSTILE)
    expect(row.locator(".why .reason")).to_have_text(HOSTILE)
    expect(page.locator("#pending .reply-item .quote")).to_contain_text(HOSTILE)
    assert page.locator("main img").count() == 0
    page.wait_for_timeout(500)  # give a would-be onerror handler its chance to fire
    assert page.dialogs == [] and page.errors == []


def test_a_supervisor_answers_an_escalation_and_it_settles_when_posted(
    app, x, make_employee, signed_in
):
    """Hand-over, "Answer it myself", the reply's progress in the queue, settled once on X."""
    make_employee("0427")
    make_employee("0900", role="supervisor")
    (mention_id,) = ingest(x, "The charger got hot and melted!")
    agent = signed_in("0427")
    agent.goto(f"/mentions/{mention_id}")
    agent.click("#claim-button")
    expect(agent.locator("#claim-holder")).to_contain_text("You are working on this")
    agent.fill("#escalate-reason", "Safety: needs a supervisor")
    agent.click("#escalate-button")
    expect(agent.locator(".flash")).to_have_text("Escalated to the supervisors.")
    expect(agent.locator("#claim-holder")).to_contain_text("Nobody is working on this.")
    expect(agent.locator("#dismiss-button")).to_have_count(0)
    expect(agent.get_by_test_id("dismiss-blocked")).to_be_visible()

    supervisor = signed_in("0900", locale="ja-JP")
    supervisor.goto("/supervise")
    row = supervisor.locator(f'#escalations tr[data-mention-id="{mention_id}"]')
    row.get_by_role("button", name="自分で回答する").click()
    supervisor.wait_for_url(f"**/mentions/{mention_id}#composer")
    expect(supervisor.locator("#claim-holder")).to_have_attribute("data-holder", "0900")
    supervisor.fill("#reply-text", "Please stop using it; we will replace it today.")
    supervisor.click("#send-button")
    supervisor.goto("/supervise")
    expect(row.get_by_test_id("reply-state")).to_contain_text("0900")
    expect(row.locator("td.status")).to_contain_text("回答済み")

    run_jobs(app)
    assert [t["text"] for t in brand_posts(x)] == [
        "Please stop using it; we will replace it today. ^0900"
    ]
    supervisor.reload()
    expect(supervisor.locator("#escalations tr[data-escalation-id]")).to_have_count(0)
    supervisor.goto("/supervise?status=resolved")
    expect(row.locator(".resolved")).to_contain_text("0900")
    expect(row.locator(".note")).to_contain_text("Answered: reply #")
    assert agent.errors == [] and supervisor.errors == []
