"""Working fast in a real browser, in Japanese and English: keyboard shortcuts on the inbox and
the mention page (never while typing), a canned reply's gap the server refuses to send, the
escalated tab and the priority sort."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from helpdesk.extensions import db
from helpdesk.models import Mention, Priority, Reply
from helpdesk.services import escalation
from helpdesk.services.canned import create_canned
from tests.browser.test_phone_width import OVERFLOW
from tests.support.browser import HOSTILE, ingest
from tests.support.routing import forget_presence_writes

pytestmark = pytest.mark.browser

WORDS = {
    "ja-JP": {
        "help": "キーボードショートカット",
        "mine": "この投稿の担当になりました。",
        "working": "あなたが",
        "escalated": "エスカレーション中",
        "gap": "未記入の空欄 {order}",
        "refused": "返信に未記入の空欄 {order} が残っています",
        "queued": "返信を送信待ちに入れました。",
    },
    "en-US": {
        "help": "Keyboard shortcuts",
        "mine": "This mention is yours now.",
        "working": "You are working on this until",
        "escalated": "Escalated",
        "gap": "still has {order} to fill in",
        "refused": "The reply still has {order} to fill in",
        "queued": "Your reply is queued for posting.",
    },
}


def selected_row(page) -> str | None:
    return page.evaluate(
        "() => { const r = document.querySelector('#inbox tr.selected');"
        " return r ? r.dataset.mentionId : null; }"
    )


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_shortcuts_move_claim_reply_and_escalate_but_never_while_typing(
    app, x, make_employee, signed_in, locale
):
    """j/k move on the inbox, ? shows the list, c claims the selected mention; on its page
    r goes to the reply box, where j, k, c, e, n and ? are just letters; Esc leaves the box
    and e goes to the escalation's reason."""
    forget_presence_writes(app)
    make_employee("0427")
    ids = ingest(x, f"@acme_help first {HOSTILE}", "@acme_help second", "@acme_help third")
    words = WORDS[locale]
    page = signed_in("0427", locale=locale)
    help_box = page.locator("#shortcut-help")
    expect(help_box).to_be_hidden()

    page.keyboard.press("j")
    assert selected_row(page) == str(ids[0])
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")  # stays on the last row
    assert selected_row(page) == str(ids[2])
    page.keyboard.press("k")
    assert selected_row(page) == str(ids[1])

    page.keyboard.press("Shift+Slash")  # "?"
    expect(help_box).to_be_visible()
    expect(help_box.locator("h2")).to_have_text(words["help"])
    page.keyboard.press("Escape")
    expect(help_box).to_be_hidden()

    # Typing in the search box: the letters go into the field, nothing moves, no list opens.
    page.locator("input[name=q]").click()
    page.keyboard.type("jkc?")
    expect(page.locator("input[name=q]")).to_have_value("jkc?")
    assert selected_row(page) == str(ids[1])
    expect(help_box).to_be_hidden()
    page.keyboard.press("Escape")  # leaves the box: shortcuts work again

    page.keyboard.press("c")
    page.wait_for_url(f"**/mentions/{ids[1]}")
    expect(page.locator("#claim-holder")).to_contain_text(words["working"])
    db.session.expire_all()
    assert db.session.get(Mention, ids[1]).claimed_by is not None
    db.session.rollback()

    # On the mention page: r goes to the reply box; letters typed there are text.
    page.keyboard.press("r")
    reply = page.locator("#reply-text")
    expect(reply).to_be_focused()
    page.keyboard.type("jkcen?")
    expect(reply).to_have_value("jkcen?")
    expect(help_box).to_be_hidden()
    assert page.url.endswith(f"/mentions/{ids[1]}")
    page.keyboard.press("Escape")
    expect(reply).not_to_be_focused()
    page.keyboard.press("e")
    expect(page.locator("#escalate-reason")).to_be_focused()
    page.keyboard.type("n?")
    expect(page.locator("#escalate-reason")).to_have_value("n?")
    page.keyboard.press("Escape")
    page.keyboard.press("j")  # the thread's items
    expect(page.locator("ol.thread > li.selected")).to_have_count(1)
    assert page.dialogs == [] and page.errors == []
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Reply.id))) == 0  # nothing was sent


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_n_takes_the_next_mention_and_r_opens_the_reply_box_from_the_inbox(
    app, x, make_employee, signed_in, locale
):
    """n presses Next (the oldest fitting mention opens, mine); back on the inbox, r on a
    selected row opens its page with the reply box focused."""
    forget_presence_writes(app)
    make_employee("0427")
    ids = ingest(x, "@acme_help oldest", "@acme_help newer")
    page = signed_in("0427", locale=locale)
    page.keyboard.press("n")
    page.wait_for_url(f"**/mentions/{ids[0]}")
    assert WORDS[locale]["mine"] in page.inner_text(".flashes")
    page.goto("/inbox")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("r")
    page.wait_for_url(f"**/mentions/{ids[1]}#reply")
    assert page.errors == []


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_a_canned_gap_is_selected_flagged_and_refused_until_filled(
    app, x, make_employee, signed_in, locale
):
    """The canned reply arrives with the customer's name filled in and {order} selected; the
    live check blocks sending; sent anyway (the button forced), the server refuses it with the
    gap named; typed over, the reply is queued."""
    forget_presence_writes(app)
    boss = make_employee("0002", role="supervisor")
    make_employee("0427")
    create_canned("Order", "Hi {name}, order {order} ships today.", "en", actor=boss)
    (mention_id,) = ingest(x, "@acme_help where is my parcel", name="Hanako", username="hanako_t")
    words = WORDS[locale]
    page = signed_in("0427", locale=locale)
    page.goto(f"/mentions/{mention_id}")
    with page.expect_navigation():  # the claimed page loaded, its scripts listening
        page.click("#claim-button")
    page.locator("#canned-select").select_option(label="Order")
    reply = page.locator("#reply-text")
    expect(reply).to_have_value("Hi Hanako, order {order} ships today.")
    assert (
        page.evaluate(
            "() => { const t = document.getElementById('reply-text');"
            " return t.value.slice(t.selectionStart, t.selectionEnd); }"
        )
        == "{order}"
    )
    expect(page.locator("#findings")).to_contain_text(words["gap"])
    expect(page.locator("#send-button")).to_be_disabled()

    # The server's own refusal, whatever the page's script said.
    page.evaluate("() => { document.getElementById('send-button').disabled = false; }")
    page.click("#send-button")
    expect(page.locator("[data-testid=refusal]")).to_contain_text(words["refused"])
    page.wait_for_load_state()  # the refusal's page has its scripts listening again
    expect(reply).to_have_value("Hi Hanako, order {order} ships today.")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Reply.id))) == 0
    db.session.rollback()  # let the server's threads write (SQLite's single writer)

    page.locator("#canned-select").select_option(label="Order")  # appended, gap selected
    reply.fill("")
    page.locator("#canned-select").select_option(label="Order")
    page.keyboard.type("A-1234")  # replaces the selected gap
    expect(reply).to_have_value("Hi Hanako, order A-1234 ships today.")
    expect(page.locator("#findings")).to_have_text("")
    expect(page.locator("#send-button")).to_be_enabled()
    page.click("#send-button")
    assert words["queued"] in page.inner_text(".flashes")
    # The refused send's page came with its 422: the browser logs that, and nothing else.
    assert page.dialogs == [] and [e for e in page.errors if "422" not in e] == []


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_the_escalated_tab_and_the_priority_sort_at_phone_width(
    app, x, make_employee, signed_in, locale
):
    """At 390 px: the escalated tab lists the escalated mention only; priority first puts the
    high one on top; the shortcut list fits the screen."""
    forget_presence_writes(app)
    agent = make_employee("0427")
    ids = ingest(x, "@acme_help calm", "@acme_help urgent one", "@acme_help escalated one")
    db.session.execute(
        sa.update(Mention).where(Mention.id == ids[1]).values(priority=Priority.HIGH)
    )
    db.session.commit()
    escalation.escalate(ids[2], agent, "refund over the limit")
    db.session.rollback()
    words = WORDS[locale]
    page = signed_in("0427", locale=locale)
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name=words["escalated"], exact=True).click()
    page.wait_for_url(re.compile(r".*status=escalated.*"))
    rows = page.locator("#inbox tbody tr[data-mention-id]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-mention-id", str(ids[2]))
    page.goto("/inbox?sort=priority")
    expect(rows.first).to_have_attribute("data-mention-id", str(ids[1]))
    page.keyboard.press("Shift+Slash")
    expect(page.locator("#shortcut-help")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.evaluate(OVERFLOW)
    box = page.locator("#shortcut-help").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.errors == []
