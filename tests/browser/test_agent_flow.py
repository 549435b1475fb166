"""An agent answers a customer in a real browser (Chromium via Playwright)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from helpdesk.extensions import db
from helpdesk.services import inbox
from tests.support.app import run_jobs
from tests.support.browser import HOSTILE, ingest

pytestmark = pytest.mark.browser


def test_agent_claims_types_sends_and_sees_it_posted(app, x, make_employee, signed_in):
    """Log in, claim, watch the counter follow the typing, send, and see the reply posted."""
    make_employee("0427")
    (mention_id,) = ingest(x, "My order hasn't arrived yet, can you check?")
    page = signed_in("0427")
    expect(page.get_by_test_id("whoami")).to_contain_text("0427")
    page.click(f'tr[data-mention-id="{mention_id}"] td.text a')
    page.click("#claim-button")
    expect(page.locator("#claim-holder")).to_contain_text("You are working on this")

    counter = page.locator("#counter")
    expect(counter).to_have_text("6 / 280")  # the signature " ^0427" alone
    page.type("#reply-text", "Sorry!", delay=20)
    expect(counter).to_have_text("12 / 280")
    page.fill("#reply-text", "ご不便をおかけしております")  # 13 CJK characters count 2 each
    expect(counter).to_have_text("32 / 280")
    page.fill("#reply-text", "Sorry for the wait, it ships today.")
    expect(counter).to_have_text("41 / 280")

    page.click("#send-button")
    state = page.locator("[data-reply-state]")
    expect(state).to_have_text(re.compile("queued|posting|posted"))
    run_jobs(app)
    expect(state).to_have_text("posted")  # updated by the page's poll, no reload
    posted = x.get("/_sandbox/tweets", author="brand").json()["data"]
    assert [t["text"] for t in posted] == ["Sorry for the wait, it ships today. ^0427"]
    assert page.errors == [] and page.dialogs == []


def test_guideline_findings_appear_while_typing(app, x, make_employee, signed_in):
    """A blocking finding shows live and disables send; a warning asks for "send anyway"."""
    make_employee("0427")
    (mention_id,) = ingest(x, "help please")
    page = signed_in("0427")
    page.goto(f"/mentions/{mention_id}")
    page.fill("#reply-text", "Mail me at someone@example.com")
    expect(page.locator(".finding-block")).to_be_visible()
    expect(page.locator("#send-button")).to_be_disabled()
    page.fill("#reply-text", "Our partner @otherbrand can help.")
    expect(page.locator(".finding-warn")).to_be_visible()
    expect(page.locator("#confirm-wrap")).to_be_visible()
    page.check("#confirm-warnings")
    page.click("#send-button")
    expect(page.locator("[data-reply-state]")).to_be_visible()
    assert page.errors == []


def test_a_second_agent_sees_the_claim_and_cannot_take_it(app, x, make_employee, signed_in):
    """Agent 0501's inbox shows 0427's claim live; claiming anyway names 0427."""
    make_employee("0427")
    make_employee("0501")
    (mention_id,) = ingest(x, "Is the store open on Sunday?")
    first = signed_in("0427")
    second = signed_in("0501")
    holder_cell = second.locator(f'tr[data-mention-id="{mention_id}"] [data-holder]')
    expect(holder_cell).to_have_text("—")

    first.goto(f"/mentions/{mention_id}")
    first.click("#claim-button")
    expect(holder_cell).to_have_text("0427")  # the inbox's poll, no reload

    second.goto(f"/mentions/{mention_id}")
    expect(second.locator("#claim-holder")).to_contain_text("Employee 0427 is working on this.")
    expect(second.locator("#composer")).to_have_count(0)
    second.click("#claim-button")
    expect(second.get_by_test_id("refusal")).to_have_text("Employee 0427 is working on this.")
    db.session.expire_all()
    assert inbox.get_mention(mention_id).claimed_by.number == "0427"


def test_the_pages_in_japanese(app, x, make_employee, signed_in):
    """A Japanese browser gets Japanese pages; the switch changes to English and back."""
    make_employee("0427")
    (mention_id,) = ingest(x, "日曜日は営業していますか？")
    page = signed_in("0427", locale="ja-JP")
    expect(page.locator("h1")).to_have_text("受信箱")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    page.click(f'tr[data-mention-id="{mention_id}"] td.text a')
    expect(page.locator("#claim-button")).to_have_text("担当する")
    expect(page.locator("#send-button")).to_have_text("返信を送信")
    page.click("button[name=language][value=en]")
    expect(page.locator("#send-button")).to_have_text("Send reply")
    page.click("button[name=language][value=ja]")
    expect(page.locator("#send-button")).to_have_text("返信を送信")


def test_hostile_text_and_names_render_as_text_and_run_nothing(app, x, make_employee, signed_in):
    """A tweet and display name of <img onerror> show literally; no dialog opens, no image loads."""
    make_employee("0427")
    (mention_id,) = ingest(x, HOSTILE, name=HOSTILE, username="mallory")
    page = signed_in("0427")
    row = page.locator(f'tr[data-mention-id="{mention_id}"]')
    expect(row.locator(".display-name")).to_have_text(HOSTILE)
    expect(row.locator("td.text")).to_contain_text(HOSTILE)
    assert page.locator("main img").count() == 0
    page.goto(f"/mentions/{mention_id}")
    expect(page.locator(".tweet.current .tweet-text")).to_contain_text(HOSTILE)
    expect(page.locator("h1 .display-name")).to_have_text(HOSTILE)
    assert page.locator("main img").count() == 0
    page.wait_for_timeout(1200)  # let the page's polls run over the hostile data too
    assert page.dialogs == [] and page.errors == []


def test_screenshots(app, x, make_employee, signed_in, tmp_path):
    """Inbox and mention page in Japanese and English (HELPDESK_SCREENSHOT_DIR=docs/screenshots)."""
    out = Path(os.environ.get("HELPDESK_SCREENSHOT_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    make_employee("0427", name="佐藤 美咲")
    colleague = make_employee("0105", name="Ken Ito")
    ids = ingest(
        x,
        "注文した商品がまだ届きません。確認してもらえますか？",
        name="田中 花子",
        username="hanako_t",
    )
    ids = ingest(
        x,
        "My headphones stopped charging after a week. Any fix?",
        name="Sam Carter",
        username="samc",
    )
    ids = ingest(x, "店舗の営業時間を教えてください", name="鈴木 一郎", username="ichiro_s")
    ids = ingest(x, "Is the Shibuya store open on Sunday?", name="Emma W", username="emmaw")
    inbox.claim(ids[1], colleague)
    db.session.rollback()
    for locale, lang in (("ja-JP", "ja"), ("en-US", "en")):
        page = signed_in("0427", locale=locale)
        page.screenshot(path=str(out / f"inbox-{lang}.png"), full_page=True)
        page.goto(f"/mentions/{ids[0]}")
        page.click("#claim-button")
        page.fill(
            "#reply-text",
            "ご不便をおかけし申し訳ございません。ご注文状況をDMでお知らせいただけますか？"
            if lang == "ja"
            else "Sorry about that! Could you DM us your order details?",
        )
        expect(page.locator("#counter")).not_to_have_text("6 / 280")
        page.screenshot(path=str(out / f"mention-{lang}.png"), full_page=True)
    assert len(list(out.glob("*.png"))) >= 4
