"""A supervisor edits the rules in a real browser, in Japanese and English; replies follow."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import ingest

pytestmark = pytest.mark.browser

CASES = {
    "ja-JP": ("ファルコン計画", "ルールを追加", "禁止語"),
    "en-US": ("Project Falcon", "Add rule", "Banned term"),
}


@pytest.mark.parametrize("locale", list(CASES))
def test_a_banned_term_added_in_the_ui_blocks_a_reply_until_switched_off(
    app, x, make_employee, signed_in, locale
):
    """A term added is found in a trial and blocks a reply; switched off, the reply is sent."""
    term, add_label, kind_label = CASES[locale]
    make_employee("0002", role="supervisor")
    make_employee("0427")
    (mention_id,) = ingest(x, "新製品について教えてください")
    boss = signed_in("0002", locale=locale)
    boss.goto("/supervise/")
    boss.click("a[href='/supervise/rules']")
    form = boss.locator("#add-guideline-form")
    form.locator("[name=kind]").select_option("banned_term")
    form.locator("[name=value]").fill(term)
    form.locator("[name=severity]").select_option("block")
    form.get_by_role("button", name=add_label).click()
    row = boss.locator(f'tr[data-rule-value="{term}"]')
    expect(row).to_contain_text(kind_label)

    boss.fill("#test-text-form textarea[name=text]", f"{term}は来月発表です")
    boss.click("#test-text-form button[data-action=test]")
    expect(boss.locator('[data-testid=test-findings] li[data-rule="banned_term"]')).to_be_visible()
    shots = os.environ.get("HELPDESK_SCREENSHOTS_DIR")
    if shots:
        name = "rules-ja.png" if locale.startswith("ja") else "rules-en.png"
        boss.screenshot(path=str(Path(shots) / name), full_page=True)

    agent = signed_in("0427", locale=locale)
    agent.goto(f"/mentions/{mention_id}")
    agent.click("#claim-button")
    agent.fill("#reply-text", f"{term}の詳細は近日中にお知らせします。")
    expect(agent.locator(".finding-block")).to_be_visible()
    expect(agent.locator("#send-button")).to_be_disabled()

    boss.locator(f'tr[data-rule-value="{term}"] button[data-action=disable]').click()
    expect(boss.locator(f'tr[data-rule-value="{term}"]')).to_have_class("rule-off")

    agent.fill("#reply-text", f"{term}の詳細は近日中にお知らせします。 ")
    expect(agent.locator(".finding-block")).to_have_count(0)
    expect(agent.locator("#send-button")).to_be_enabled()
    agent.click("#send-button")
    expect(agent.locator("[data-reply-state]")).to_be_visible()
    assert boss.errors == [] and agent.errors == []
