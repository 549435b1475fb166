"""DMs in a real browser (Chromium via Playwright), in English and Japanese: an agent answers
a customer's DM, and moves a public mention to DM."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from helpdesk.extensions import db
from helpdesk.models import Mention
from helpdesk.services.dms import ingest_dms
from tests.support.app import run_jobs
from tests.support.browser import HOSTILE, ingest

pytestmark = pytest.mark.browser

WORDS = {
    "en-US": {
        "send": "Send DM",
        "moved": "moved to DM",
        "posted": "posted",
        "by_channel": "By channel",
        "channels": ["Public posts", "Direct messages"],
    },
    "ja-JP": {
        "send": "DMを送信",
        "moved": "DMへ移行",
        "posted": "投稿済み",
        "by_channel": "チャネル別",
        "channels": ["公開投稿", "ダイレクトメッセージ"],
    },
}
PHONE = {"width": 390, "height": 844}


def dm_item(x, text: str, username: str = "hanako_t") -> int:
    x.dm(text, username=username, name="田中 花子")
    ingest_dms()
    found = db.session.scalar(sa.select(Mention.id).where(Mention.kind == "dm"))
    db.session.rollback()  # let the server's threads write (SQLite's single writer)
    return found


@pytest.mark.parametrize("locale", sorted(WORDS))
def test_an_agent_answers_a_dm_by_dm(app, x, make_employee, signed_in, locale):
    """Filter DMs, open one (hostile text shown as text), claim, answer with a phone number
    (allowed in a DM), and see it sent as a DM, unsigned, exactly once."""
    words = WORDS[locale]
    make_employee("0427")
    ingest(x, "a public question", username="someone")
    dm_id = dm_item(x, f"注文番号 ORD-123456 {HOSTILE}")
    page = signed_in("0427", locale=locale)
    page.get_by_test_id("kind-filter").locator('[data-kind="dm"]').click()
    expect(page.locator("tr[data-mention-id]")).to_have_count(1)
    expect(page.get_by_test_id("kind-dm")).to_be_visible()
    page.click(f'tr[data-mention-id="{dm_id}"] td.text a')
    expect(page.locator(".tweet.current .tweet-text")).to_contain_text(HOSTILE)
    page.click("#claim-button")
    counter = page.locator("#counter")
    text = "お電話 03-1234-5678 までご連絡ください"
    page.fill("#reply-text", text)
    expect(counter).to_have_text(f"{len(text)} / 10000")
    expect(page.locator(".finding-block")).to_have_count(0)
    expect(page.locator("#send-button")).to_have_text(words["send"])
    page.click("#send-button")
    state = page.locator("[data-reply-state]")
    expect(state).to_be_visible()
    run_jobs(app)
    expect(state).to_have_text(words["posted"])
    sent = [e for e in x.conversation("hanako_t") if e["sender"] == "brand"]
    assert [e["text"] for e in sent] == [text]
    assert page.errors == [] and page.dialogs == []


@pytest.mark.parametrize("locale", sorted(WORDS))
def test_an_agent_moves_a_public_mention_to_dm(app, x, make_employee, signed_in, locale):
    """The Move to DM button posts the invitation with the brand's DM link; the customer's
    DM that follows is linked to the case; the supervisor's coverage shows it by channel and
    as moved to DM, also on a phone without sideways scrolling."""
    words = WORDS[locale]
    make_employee("0427")
    (mention_id,) = ingest(x, "注文番号を言っても大丈夫ですか？", username="taro")
    page = signed_in("0427", locale=locale)
    page.goto(f"/mentions/{mention_id}")
    page.click("#claim-button")
    page.get_by_test_id("move-to-dm").click()
    expect(page.get_by_test_id("moved-to-dm")).to_have_text(words["moved"])
    run_jobs(app)
    expect(page.locator("[data-reply-state]")).to_have_text(words["posted"])
    posts = x.get("/_sandbox/tweets", author="brand").json()["data"]
    assert len(posts) == 1
    assert f"https://x.com/messages/compose?recipient_id={x.brand_id}" in posts[0]["text"]
    x.dm("注文番号は ORD-123456 です", username="taro")
    ingest_dms()
    linked = db.session.scalar(sa.select(Mention.dm_of_mention_id).where(Mention.kind == "dm"))
    db.session.rollback()
    assert linked == mention_id
    page.goto("/inbox?kind=dm")
    expect(page.locator("tr[data-mention-id]")).to_have_count(1)
    assert page.errors == [] and page.dialogs == []
    make_employee("0900", role="supervisor")
    boss = signed_in("0900", locale=locale)
    boss.set_viewport_size(PHONE)
    boss.goto("/supervise/coverage?period=7d")
    panel = boss.locator("#by-channel")
    expect(panel.locator("h2")).to_have_text(words["by_channel"])
    expect(panel.locator("tr[data-channel] td.name")).to_have_text(words["channels"])
    expect(panel.locator('tr[data-channel="post"] [data-figure="total"]')).to_have_text("1")
    expect(panel.locator('tr[data-channel="dm"] [data-figure="total"]')).to_have_text("1")
    moved = boss.locator("#moved-to-dm")
    expect(moved.locator('[data-figure="moved"]')).to_have_text("1")
    expect(moved.locator('[data-figure="dm_received"]')).to_contain_text("1")
    expect(moved.locator('[data-figure="dm_answered"]')).to_contain_text("0")
    width = boss.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] == PHONE["width"]
    assert boss.errors == []
