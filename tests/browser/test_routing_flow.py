"""Next in a real browser, in Japanese and English: the button claims and opens the most urgent
fitting mention; with nothing left it says so; a supervisor edits skills at phone width."""

from __future__ import annotations

import pytest

from helpdesk.extensions import db
from helpdesk.models import Mention
from helpdesk.services import routing
from tests.browser.test_phone_width import OVERFLOW
from tests.support.browser import HOSTILE, ingest
from tests.support.routing import forget_presence_writes, make_tags

pytestmark = pytest.mark.browser

WORDS = {
    "ja-JP": {
        "next": "次へ",
        "mine": "この投稿の担当になりました。",
        "none": "今あなたに合う投稿はありません",
    },
    "en-US": {
        "next": "Next",
        "mine": "This mention is yours now.",
        "none": "Nothing fits you right now",
    },
}


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_next_claims_the_oldest_then_says_nothing_fits(app, x, make_employee, signed_in, locale):
    """Pressing Next twice: the oldest mention opens as mine, then the inbox says nothing fits."""
    forget_presence_writes(app)
    agent = make_employee("0427")
    [oldest, newer] = ingest(x, f"@acme_help 届きません {HOSTILE}", "@acme_help 返品したい")
    agent.capacity = 5
    db.session.commit()
    words = WORDS[locale]
    page = signed_in("0427", locale=locale)
    page.get_by_role("button", name=words["next"], exact=True).click()
    page.wait_for_url(f"**/mentions/{oldest}")
    assert words["mine"] in page.inner_text(".flashes")
    assert HOSTILE in page.inner_text("main")  # shown as text, never run
    page.goto("/inbox")
    page.get_by_role("button", name=words["next"], exact=True).click()
    page.wait_for_url(f"**/mentions/{newer}")
    page.goto("/inbox")
    page.get_by_role("button", name=words["next"], exact=True).click()
    page.wait_for_url("**/inbox")
    assert words["none"] in page.inner_text(".flashes")
    assert page.dialogs == [] and page.errors == []
    db.session.expire_all()
    assert {db.session.get(Mention, i).claimed_by_id for i in (oldest, newer)} == {agent.id}


def test_a_supervisor_sets_skills_and_next_mode_at_phone_width(app, x, make_employee, signed_in):
    """At 390 px a supervisor ticks a topic and a capacity for an agent and switches the desk
    to next mode; the agent then sees no Claim button on the list's mentions."""
    forget_presence_writes(app)
    make_employee("0002", "supervisor")
    agent = make_employee("0427")
    make_tags("配送", "返品")
    [mention_id] = ingest(x, "@acme_help 配送について")
    boss = signed_in("0002", locale="ja-JP")
    boss.set_viewport_size({"width": 390, "height": 844})
    boss.goto("/supervise/employees")
    row = boss.locator("#employee-0427")
    row.locator("summary").click()
    row.get_by_label("返品").check()
    row.locator("input[name=capacity]").fill("6")
    row.get_by_role("button", name="スキルを保存").click()
    boss.wait_for_url("**/supervise/employees*")
    assert "0427 の振り分けスキルを保存しました。" in boss.inner_text(".flashes")
    assert "返品" in boss.inner_text("#employee-0427 [data-skills]")
    assert boss.evaluate("document.documentElement.scrollWidth") <= 390, boss.evaluate(OVERFLOW)
    boss.select_option("[data-testid=routing-mode]", "next")
    boss.get_by_role("button", name="保存", exact=True).click()
    boss.wait_for_url("**/supervise/employees")
    db.session.expire_all()
    assert routing.routing_mode().value == "next"
    assert db.session.get(type(agent), agent.id).capacity == 6
    db.session.rollback()  # let the server's threads write (SQLite's single writer)
    worker = signed_in("0427", locale="ja-JP")
    worker.goto(f"/mentions/{mention_id}")
    assert worker.locator("#claim-button").count() == 0
    worker.goto("/inbox")
    assert worker.locator("[data-testid=routing-next]").is_visible()
