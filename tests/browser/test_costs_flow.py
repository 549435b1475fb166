"""What X costs, in a browser: the supervisor's costs page in Japanese and English (also at
phone width), a price changed and a bad one refused, and the composer's note on a link."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_phone_width import OVERFLOW, PHONE, shoot
from tests.support.browser import ingest
from tests.support.costs import seed_prices

pytestmark = pytest.mark.browser

WORDS = {
    "ja-JP": {
        "title": "X の費用",
        "saved": "の料金を保存しました",
        "negative": "料金をマイナスにはできません。",
        "note": "約 20 倍",
    },
    "en-US": {
        "title": "X costs",
        "saved": "saved",
        "negative": "A price cannot be negative.",
        "note": "about 20 times a plain reply",
    },
}


@pytest.fixture
def desk(x, make_employee):
    """X's prices, a supervisor and an agent, and two mentions ingested (owned reads spent)."""
    seed_prices()
    make_employee("0900", role="supervisor")
    make_employee("0427")
    return ingest(x, "@acme_help 充電器が届きません", "@acme_help where is my parcel?")


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_a_supervisor_reads_and_edits_what_x_costs(desk, signed_in, locale):
    """The nav leads to the costs page: today's spend from the ingest, the cap, the prices; a
    new price is saved, a negative one refused in the reader's language; it fits a phone."""
    words = WORDS[locale]
    page = signed_in("0900", locale=locale)
    page.goto("/supervise/")
    page.click("#nav-costs")
    expect(page.locator("h1")).to_have_text(words["title"])
    today = page.locator('[data-figure="today"]')
    expect(today).to_contain_text("$0.0")
    assert today.inner_text() != "$0.00"
    expect(page.locator('#kinds-table tr[data-kind="owned_read"]')).to_be_visible()
    expect(page.locator('[data-figure="post_reads"]')).to_contain_text("3,000,000")
    shoot(page, f"costs-{locale[:2]}.png")

    row = page.locator('tr[data-price-kind="reply"]')
    row.locator("input[name=usd]").fill("0.012")
    row.locator("button[data-action=save]").click()
    expect(page.locator(".flash")).to_contain_text(words["saved"])
    expect(page.locator('tr[data-price-kind="reply"] input[name=usd]')).to_have_value("0.012")

    row = page.locator('tr[data-price-kind="post"]')
    row.locator("input[name=usd]").fill("-1")
    row.locator("button[data-action=save]").click()
    expect(page.locator('[data-testid="refusal"]')).to_have_text(words["negative"])

    page.set_viewport_size(PHONE)
    page.goto("/supervise/costs")
    measured = page.evaluate(OVERFLOW)
    assert measured["scroll"] <= measured["inner"], measured
    assert [e for e in page.errors if "400" not in e] == []  # the refused price's own answer


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_the_composer_says_a_link_costs_more(desk, signed_in, locale):
    """Typing a link into a reply shows, before sending, what X charges for it from the price
    table and how many plain replies that is; taking the link out takes the note away."""
    page = signed_in("0427", locale=locale)
    page.goto(f"/mentions/{desk[0]}")
    page.click("#claim-button")
    note = page.locator('[data-testid="cost-note"]')
    page.fill("#reply-text", "Please see https://acme.co.jp/faq")
    expect(note).to_be_visible()
    expect(note).to_contain_text("$0.20")
    expect(note).to_contain_text(WORDS[locale]["note"])
    page.fill("#reply-text", "Please check your order page.")
    expect(note).to_be_hidden()
    assert page.errors == []
