"""Every page an agent or a supervisor can open fits a phone (390x844) without sideways scrolling.

The desk is seeded so that every table has rows: long Japanese text with no space to break at,
15-character usernames, 50-character display names, long reasons, rules and canned replies.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from helpdesk import queue
from helpdesk.extensions import db
from helpdesk.models import Employee, Reply, ReplyStatus
from helpdesk.services import canned, escalation, notes, replies, rules, skills, tagging
from helpdesk.services.employees import create_token
from helpdesk.services.errors import ServiceError
from tests.support.app import run_jobs
from tests.support.browser import ingest

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LONG_JA = (
    "ご注文の充電器が届きません。配送状況を見ると返品受付中と出ています。至急確認してください" * 3
)
LONG_NAME = "株式会社ロングネーム・カスタマーサクセス統括本部長代理補佐見習い兼任担当者様"[:50]

# Elements reaching past the right edge of the window, widest first: what to fix when it fails.
OVERFLOW = """
() => {
  const limit = window.innerWidth;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > limit + 1) {
      const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "");
      out.push(`${name}.${[...el.classList].join(".")} right=${Math.round(box.right)}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, inner: limit, wide: out.slice(0, 8)};
}
"""

# The narrowest customer text on the page: a column squeezed to a few characters shows here.
NARROWEST_TEXT = """
() => Math.min(
  ...[...document.querySelectorAll(".mentions td.text, .tweet-text, .reply-item .quote")]
    .map((el) => el.getBoundingClientRect().width).filter((w) => w > 0),
  9999)
"""


def shoot(page, name: str) -> None:
    """A full-page PNG in HELPDESK_SCREENSHOTS_DIR, when that is set."""
    folder = os.environ.get("HELPDESK_SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"\W+", "-", name)
        page.screenshot(path=str(Path(folder) / f"phone-{slug}.png"), full_page=True)


@pytest.fixture
def desk(app, x, make_employee):
    """A desk with rows everywhere: mentions, an escalation, waiting, posted and failed replies,
    a canned reply, a banned term, tokens, badges and ingest runs; returns a mention id."""
    agent = make_employee("0427", name=LONG_NAME)
    supervisor = make_employee("0900", role="supervisor", name="長谷川" + LONG_NAME)
    trainee = make_employee("031199", role="trainee", name="研修生" + LONG_NAME)
    make_employee("0512", role="agent", name="Alexandria-Montgomery Featherstonehaugh-Cholmondeley")
    author = {"username": "abcdefghijklmno", "name": LONG_NAME}
    ids = ingest(x, *(f"@acme_help {n} {LONG_JA} #返品受付 #配送状況" for n in range(6)), **author)
    ingest(x, "@acme_help " + "https://example.com/" + "a" * 200, username="x" * 15)
    escalation.escalate(ids[0], agent, "返金額が上限を超えているため判断をお願いします。" * 8)
    replies.create_reply(ids[1], trainee, "申し訳ございません。" + "確認いたします。" * 12)
    replies.create_reply(ids[2], agent, "お問い合わせありがとうございます。" * 7)
    replies.create_reply(ids[3], agent, "ご迷惑をおかけしております。" * 8)
    run_jobs(app)  # posts both agents' replies: coverage has a row per employee
    failed = db.session.scalar(sa.select(Reply.id).where(Reply.mention_id == ids[3]))
    db.session.execute(
        sa.update(Reply)
        .where(Reply.id == failed)
        .values(status=ReplyStatus.FAILED, last_error="X refused: " + "x" * 300)
    )
    db.session.commit()
    boss = db.session.get(Employee, supervisor.id)
    canned.create_canned("配送状況のご案内(長いタイトル)" * 3, LONG_JA[:130], "ja", actor=boss)
    rules.add_rule(
        "guideline",
        {"kind": "banned_term", "value": "絶対に使ってはいけない表現" * 7, "severity": "block"},
        actor=boss,
    )
    rules.add_rule(
        "guideline",
        {
            "kind": "link_domain",
            "value": "support-" + "a" * 50 + ".customer-" + "b" * 20 + ".example.jp",
            "severity": None,
        },
        actor=boss,
    )
    with pytest.raises(ServiceError):  # blocked, as meant: coverage's rules table gets a row
        replies.create_reply(ids[4], agent, "絶対に使ってはいけない表現" * 7)
    for name in ("配送", "返品", "カメラ・レンズ・アクセサリー・修理受付" * 2):
        skills.create_tag(name[:50], actor=boss)
    skills.set_skills(agent, ["ja", "en"], skills.known_tag_names(), 20, actor=boss)
    for mention_id in ids[:3]:  # inbox rows, the mention page and the reports show tags
        tagging.set_mention_tags(mention_id, skills.known_tag_names(), boss)
    notes.add_note(ids[0], boss, "@0427 " + LONG_JA + " https://example.com/" + "n" * 120)
    notes.add_note(ids[0], boss, "常連のお客様" * 20, "customer")
    create_token(agent, "スマートフォン用の連携トークン" * 3)
    create_token(boss, "a" * 100)
    queue.get_queue(queue.DEFAULT).enqueue(
        "workers.jobs.compute_badges", job_id="badges-phone", job_timeout=600
    )
    run_jobs(app)
    db.session.rollback()
    return ids[0]


AGENT_PAGES = [
    "/inbox",
    "/inbox?status=all",
    "/inbox?q=abcdefghijklmno",
    "/inbox?status=escalated&sort=priority",
    "/notifications",
    "/account",
]
SUPERVISOR_PAGES = [
    "/supervise/",
    "/supervise/?status=all",
    "/supervise/coverage",
    "/supervise/coverage?period=7d",
    "/supervise/listening",
    "/supervise/listening?period=28d",
    "/supervise/coverage/proof",
    "/supervise/employees",
    "/supervise/canned",
    "/supervise/rules",
    "/supervise/costs",
    "/supervise/audit",
    "/supervise/audit?action=x",
    "/account",
    "/inbox?status=all",
    "/supervise/no-such-page",
]


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_every_page_fits_a_phone(desk, signed_in, locale):
    """At 390x844 no page an agent or a supervisor opens scrolls sideways, and customer text
    keeps at least half the width of the screen."""
    mention = f"/mentions/{desk}"
    problems = {}
    for number, paths in (
        ("0427", [*AGENT_PAGES, mention]),
        ("0900", [*SUPERVISOR_PAGES, mention]),
    ):
        page = signed_in(number, locale=locale)
        page.set_viewport_size(PHONE)
        for path in paths:
            page.goto(path)
            page.wait_for_load_state("load")
            shoot(page, f"{locale}-{number}-{path}")
            measured = page.evaluate(OVERFLOW)
            if measured["scroll"] > measured["inner"]:
                problems[f"{number} {path}"] = measured
            narrowest = page.evaluate(NARROWEST_TEXT)
            if narrowest < PHONE["width"] / 2:
                problems[f"{number} {path} text"] = narrowest
        assert [e for e in page.errors if "404" not in e] == [], page.errors
    page.context.clear_cookies()
    page.goto("/auth/login")
    measured = page.evaluate(OVERFLOW)
    if measured["scroll"] > measured["inner"]:
        problems["login"] = measured
    assert not problems, "\n".join(f"{where}: {what}" for where, what in problems.items())
