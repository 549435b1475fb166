"""The composer on the mention page, in a browser: it comes back when a supervisor turns a
trainee's reply down, prefilled with the draft."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import ingest

pytestmark = pytest.mark.browser

DRAFT = "Sorry to hear that! We will send a replacement today."


def test_a_rejected_trainee_gets_the_composer_back_live_with_the_draft(x, make_employee, signed_in):
    """When the supervisor rejects a trainee's reply, the trainee's open page shows the composer
    again without a reload, holding the draft without the signature; a reload offers it too."""
    make_employee("0311", role="trainee")
    make_employee("0900", role="supervisor")
    (mention_id,) = ingest(x, "My parcel came damaged, what should I do?")

    trainee = signed_in("0311")
    trainee.goto(f"/mentions/{mention_id}")
    with trainee.expect_navigation():  # the claimed page loaded, its scripts listening
        trainee.click("#claim-button")
    trainee.fill("#reply-text", DRAFT)
    trainee.click("#send-button")
    expect(trainee.locator("[data-reply-state]")).to_have_text("waiting for approval")
    expect(trainee.locator("#reply-text")).to_be_hidden()
    expect(trainee.locator("#send-button")).to_be_hidden()

    supervisor = signed_in("0900")
    supervisor.goto("/supervise/")
    item = supervisor.locator("#pending .reply-item")
    item.locator("input[name=reason]").fill("Offer a refund instead.")
    item.get_by_role("button", name="Reject").click()
    expect(supervisor.locator("#pending .reply-item")).to_have_count(0)

    # The trainee's page was not reloaded: its poll brings the composer back.
    reply = trainee.locator("[data-reply-id]")
    expect(reply).to_have_attribute("data-reply-status", "rejected")
    expect(reply.locator("[data-reply-error]")).to_have_text("Offer a refund instead.")
    expect(trainee.locator("#reply-text")).to_be_visible()
    expect(trainee.locator("#reply-text")).to_have_value(DRAFT)
    expect(trainee.locator("#send-button")).to_be_enabled()

    trainee.reload()
    expect(trainee.locator("#reply-text")).to_have_value(DRAFT)
    trainee.fill("#reply-text", "We are sorry! We can refund the parcel in full.")
    trainee.click("#send-button")
    expect(trainee.locator(".flash")).to_contain_text("waiting for a supervisor's approval")
    assert trainee.errors == [] and supervisor.errors == []


@pytest.mark.parametrize(
    ("locale", "cut", "full"),
    [
        ("en-US", "150 characters of your paste were left out", "at most 600 characters"),
        ("ja-JP", "150文字は入りませんでした", "600文字まで"),
    ],
)
def test_a_paste_past_the_limit_says_what_was_cut(x, make_employee, signed_in, locale, cut, full):
    """Pasting 750 characters keeps 600 and says, in the reader's language, that 150 were left
    out; typing at the limit says the box is full; shortening the text takes the notice away."""
    make_employee("0427")
    (mention_id,) = ingest(x, "Is the store open on Sunday?")
    agent = signed_in("0427", locale=locale)
    agent.context.grant_permissions(["clipboard-read", "clipboard-write"])
    agent.goto(f"/mentions/{mention_id}")
    with agent.expect_navigation():  # the claimed page loaded, its scripts listening
        agent.click("#claim-button")
    box, notice = agent.locator("#reply-text"), agent.locator("#limit-notice")
    expect(notice).to_be_hidden()

    agent.evaluate("(text) => navigator.clipboard.writeText(text)", "a" * 700 + "\r\n" + "b" * 49)
    box.fill("")
    box.focus()
    agent.keyboard.press("Control+V")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(cut)
    assert len(box.input_value()) == 600

    box.press("End")
    box.press("Backspace")
    expect(notice).to_be_hidden()
    box.press("End")
    agent.keyboard.type("cd")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(full)
    assert box.input_value().endswith("c") and len(box.input_value()) == 600
    assert agent.errors == []
