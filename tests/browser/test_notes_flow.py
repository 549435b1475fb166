"""Internal notes in a real browser, in Japanese: a note names a colleague, who is notified."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import ingest

pytestmark = pytest.mark.browser


def test_a_note_joins_the_conversation_and_notifies_the_colleague_it_names(
    app, x, make_employee, signed_in
):
    """0427 writes a note naming @0900; it shows in the thread after the customer's message,
    refused text gets the form's sentence, and 0900 sees an unread count and the note."""
    make_employee("0427")
    make_employee("0900", role="supervisor")
    (mention_id,) = ingest(x, "@acme_help カメラの電源が入りません")
    page = signed_in("0427", locale="ja-JP")
    page.goto(f"/mentions/{mention_id}")
    page.fill("#note-text", "x" * 2000 + "y")  # the box's maxlength keeps 2,000
    expect(page.locator("#note-text")).to_have_value("x" * 2000)
    page.fill("#note-text", "   ")
    with page.expect_navigation():
        page.click("#note-button")
    expect(page.get_by_test_id("note-refusal")).to_have_text("メモを書いてください。")
    page.fill("#note-text", "@0900 保証期間を過ぎています。交換の判断をお願いします")
    with page.expect_navigation():
        page.click("#note-button")
    note = page.get_by_test_id("note")
    expect(note).to_contain_text("保証期間を過ぎています")
    expect(note).to_contain_text("スタッフのみ")
    thread = page.locator(".thread > li")
    expect(thread.nth(0)).to_contain_text("カメラの電源が入りません")
    expect(thread.nth(1)).to_contain_text("保証期間を過ぎています")

    boss = signed_in("0900", locale="ja-JP")
    expect(boss.get_by_test_id("unread-count")).to_have_text("1")
    with boss.expect_navigation():
        boss.click("#nav-notifications")
    expect(boss.get_by_test_id("notifications")).to_contain_text("交換の判断をお願いします")
    expect(boss.get_by_test_id("unread-count")).to_have_count(0)
    with boss.expect_navigation():
        boss.get_by_role("link", name="0427 のメモ").click()
    expect(boss.get_by_test_id("note")).to_contain_text("保証期間を過ぎています")
    # The refused empty note's page is a 422, which Chromium logs as a failed load.
    assert [e for e in page.errors if "422" not in e] == [] and boss.errors == []
