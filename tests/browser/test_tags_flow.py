"""Tags in a real browser, in both languages: an agent sets a suggested tag on a mention, then
filters the inbox by it (the Japanese run at phone width)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import ingest
from tests.support.routing import make_tags

pytestmark = pytest.mark.browser

WORDS = {
    "en-US": {"suggested": "suggested", "saved": "Tags saved.", "show": "Show"},
    "ja-JP": {"suggested": "おすすめ", "saved": "タグを保存しました。", "show": "表示"},
}


@pytest.mark.parametrize("locale", ["en-US", "ja-JP"])
def test_an_agent_sets_a_suggested_tag_then_filters_the_inbox_by_it(
    app, x, make_employee, signed_in, locale
):
    """配送 is suggested first for a text about delivery; ticking it and saving shows it on the
    mention and its inbox row; the inbox's tag filter then lists that mention alone."""
    words = WORDS[locale]
    make_employee("0427")
    make_tags("PC", "カメラ", "返品", "配送")
    delivery, other = ingest(
        x, "@acme_help 配送予定日を過ぎても荷物が届きません", "@acme_help PCの調子が悪い"
    )
    page = signed_in("0427", locale=locale)
    if locale == "ja-JP":
        page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/mentions/{delivery}")
    first = page.get_by_test_id("tag-choice").first
    expect(first).to_have_attribute("data-tag", "配送")
    expect(first.get_by_test_id("suggested")).to_have_text(words["suggested"])
    first.locator("input[type=checkbox]").check()
    with page.expect_navigation():
        page.click("#tags-button")
    expect(page.locator(".flash, .alert").filter(has_text=words["saved"])).to_have_count(1)
    expect(page.get_by_test_id("mention-tag")).to_have_text(["配送"])
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]

    page.goto("/inbox")
    row = page.locator(f'tr[data-mention-id="{delivery}"]')
    expect(row.get_by_test_id("row-tag")).to_have_text(["配送"])
    expect(page.locator(f'tr[data-mention-id="{other}"]')).to_have_count(1)
    page.select_option("#tag-select", "配送")
    with page.expect_navigation():
        page.get_by_role("button", name=words["show"], exact=True).click()
    assert "tag=" in page.url
    expect(page.locator(f'tr[data-mention-id="{delivery}"]')).to_have_count(1)
    expect(page.locator(f'tr[data-mention-id="{other}"]')).to_have_count(0)
    expect(page.locator("#tag-select")).to_have_value("配送")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert page.errors == []
