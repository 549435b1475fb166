"""An agent answers with a canned reply in a real browser (Chromium via Playwright)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from helpdesk.services.canned import create_canned
from tests.support.app import run_jobs
from tests.support.browser import ingest

pytestmark = pytest.mark.browser


def test_agent_picks_a_canned_reply_the_counter_follows_and_it_is_posted(
    app, x, make_employee, signed_in
):
    """Picking a canned reply fills the box, the counter recounts, a second one appends; sent."""
    supervisor = make_employee("0002", role="supervisor")
    make_employee("0427")
    create_canned("Thanks", "Thank you for the kind words!", "en", actor=supervisor)
    create_canned("お礼", "ありがとうございます", "ja", actor=supervisor)
    (mention_id,) = ingest(x, "Love the new store!")
    page = signed_in("0427")
    page.goto(f"/mentions/{mention_id}")
    with page.expect_navigation():  # the claimed page loaded, its scripts listening
        page.click("#claim-button")
    counter = page.locator("#counter")
    expect(counter).to_have_text("6 / 280")  # the signature " ^0427" alone

    select = page.locator("#canned-select")
    expect(select.locator("optgroup").first).to_have_attribute("data-language", "en")
    select.select_option(label="Thanks")
    expect(page.locator("#reply-text")).to_have_value("Thank you for the kind words!")
    expect(counter).to_have_text("35 / 280")
    expect(select).to_have_value("")  # ready for the next pick
    select.select_option(label="お礼")  # 10 CJK characters count 2 each, plus the line break
    expect(page.locator("#reply-text")).to_have_value(
        "Thank you for the kind words!\nありがとうございます"
    )
    expect(counter).to_have_text("56 / 280")

    page.click("#send-button")
    state = page.locator("[data-reply-state]")
    expect(state).to_have_text(re.compile("queued|posting|posted"))
    run_jobs(app)
    expect(state).to_have_text("posted")
    posted = x.get("/_sandbox/tweets", author="brand").json()["data"]
    assert [t["text"] for t in posted] == [
        "Thank you for the kind words!\nありがとうございます ^0427"
    ]
    assert page.errors == [] and page.dialogs == []
