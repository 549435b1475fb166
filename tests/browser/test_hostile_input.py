"""Hostile customer input (tests/hostile_corpus.py) is inert and exact on every page, in Chromium.

The corpus goes in through the X sandbox and the real ingest code: what X would accept through
the sandbox's control route, what X itself would refuse (markup in usernames, 10,000-character
names) straight into the sandbox's state, and lone surrogates as the JSON escapes X sends them.
Pages open with CSP bypassed, so what is proven is the escaping itself, not the CSP behind it;
a trap defined before any page script counts anything that runs.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask

from helpdesk.extensions import db
from helpdesk.models import Employee, Escalation, Mention, Reply, ReplyStatus, XUser
from helpdesk.services import escalation, inbox, replies
from helpdesk.services.export import safe_cell
from helpdesk.services.ingest import ingest_mentions
from helpdesk.x.sandbox import BRAND_USERNAME
from helpdesk.x.sandbox.state import USERNAME_RE
from tests.hostile_corpus import CORPUS, Hostile, stored
from tests.support.app import PASSWORD, run_jobs
from tests.support.sandbox import RunningSandbox

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1280, "height": 860}
SLACK_PX = 4  # rounding, scrollbars: anything wider than this is an overflow

# Runs before any page script in every frame: anything that executes leaves a mark here.
TRAP = """
(() => {
  const pwned = [];
  Object.defineProperty(window, "__pwned", { value: pwned, writable: false });
  for (const name of ["alert", "confirm", "prompt", "print", "open"]) {
    window[name] = (...args) => { pwned.push(name + ":" + args.join(" ")); return null; };
  }
})();
"""

# Every element, attribute and URL of the page: no handler, no foreign URL, no injected element.
DOM_AUDIT = """
() => {
  const problems = [];
  const origin = location.origin;
  if (document.baseURI !== location.href) problems.push("base URL changed to " + document.baseURI);
  const urlAttrs = ["href", "src", "action", "formaction", "srcdoc", "background", "poster",
                    "xlink:href", "data"];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.getAttributeNames()) {
      if (attr.toLowerCase().startsWith("on")) problems.push(el.tagName + " has " + attr);
      // Chart.js sizes its canvas through the CSSOM (allowed by the CSP), never from markup.
      const drawn = el.closest("svg") || el.matches("canvas[data-chart]");
      if (attr === "style" && !drawn) problems.push(el.tagName + " has a style");
    }
    for (const attr of urlAttrs) {
      const raw = el.getAttribute(attr);
      if (raw === null) continue;
      if (el.tagName === "LINK" && el.rel === "icon" && raw === "data:,") continue;
      let url = null;
      try { url = new URL(raw, location.href); } catch (e) { /* reported below */ }
      if (!url || url.origin !== origin || /^\\s*javascript:/i.test(raw)) {
        problems.push(el.tagName + " " + attr + "=" + raw.slice(0, 80) + " leaves the app");
      }
    }
  }
  // Only the elements our templates make; anything else in <main> came from somewhere else.
  const ours = new Set(["a", "aside", "button", "code", "dd", "div", "dl", "dt", "form", "h1",
    "h2", "h3", "header", "input", "kbd", "label", "li", "nav", "ol", "optgroup", "option",
    "output", "p", "section", "select", "small", "span", "strong", "table", "tbody", "td",
    "textarea", "th", "thead", "time", "tr", "ul", "svg", "canvas", "details", "summary"]);
  const chart = new Set(["g", "line", "rect", "text", "title"]);
  for (const el of document.querySelector("main").querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    const inChart = el.closest("svg[data-chart]") && el.tagName !== "svg";
    const json = tag === "script" && el.type === "application/json";
    const strings = json && (el.id === "i18n-strings" || /^chart-[a-z]+-data$/.test(el.id));
    if (strings) continue;  // the page's words or a chart's numbers, as JSON data
    if (inChart ? !chart.has(tag) : !ours.has(tag) || (tag === "svg" && !el.dataset.chart)) {
      problems.push("an injected <" + tag + "> in main");
    }
  }
  for (const script of document.scripts) {
    const fromUs = script.src ? new URL(script.src).origin === origin
                              : script.type === "application/json";
    if (!fromUs) problems.push("a script that is not ours: " + script.outerHTML.slice(0, 80));
  }
  return problems;
}
"""

# Nothing wider than the viewport or than <main>; each control is the topmost element at its
# centre (nothing customer-made covers it).
LAYOUT_AUDIT = """
([controls, slack]) => {
  const problems = [];
  const root = document.documentElement;
  const width = root.clientWidth;
  if (root.scrollWidth > width + slack) {
    problems.push("the page is " + root.scrollWidth + "px wide in a " + width + "px viewport");
  }
  const main = document.querySelector("main").getBoundingClientRect();
  for (const el of document.querySelectorAll("main *")) {
    const box = el.getBoundingClientRect();
    if (!box.width && !box.height) continue;
    const out = Math.max(box.right - main.right, main.left - box.left);
    if (out > slack) {
      const name = el.tagName.toLowerCase() + "." + el.className;
      problems.push(name + " sticks out of main by " + Math.round(out) + "px");
    }
  }
  for (const selector of controls) {
    for (const el of document.querySelectorAll(selector)) {
      if (el.closest("[hidden]")) continue;  // not shown now (a composer while a reply waits)
      el.scrollIntoView({ block: "center", inline: "center" });
      const box = el.getClientRects()[0];  // an inline link's first line, not its bounding box
      if (!box || !box.width || !box.height) {
        problems.push(selector + " has no size");
        continue;
      }
      const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      if (!hit || !(hit === el || el.contains(hit))) {
        const cover = hit ? hit.outerHTML.slice(0, 80) : "nothing";
        problems.push(selector + " is covered by " + cover);
      }
    }
  }
  window.scrollTo(0, 0);
  return problems;
}
"""

TOPBAR_CONTROLS = [
    "header.topbar a.brand",
    "header.topbar .mainnav a",
    ".langswitch button",
    ".logout button",
]


def html_text(value: str) -> str:
    """What a page's DOM holds for `value`: HTML parsing turns CR LF and lone CR into LF."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


# -- putting the corpus into the sandbox --------------------------------------------------


@dataclass(frozen=True)
class Customer:
    """Who posted one corpus mention and what it said, as sent to X."""

    entry: Hostile
    username: str
    name: str
    text: str

    @property
    def stored(self) -> tuple[str, str, str]:
        """The (text, name, username) the helpdesk should hold."""
        return stored(self.text), stored(self.name), stored(self.username)

    @property
    def x_accepts(self) -> bool:
        """What the sandbox's control route takes: X's own rules for handles and names."""
        return bool(USERNAME_RE.match(self.username)) and 0 < len(self.name) <= 50


@dataclass
class Desk:
    """The corpus ingested: mention id -> what was sent, and corpus name -> mention id."""

    mentions: dict[int, Customer]
    by_entry: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.by_entry = {c.entry.name: i for i, c in self.mentions.items()}

    def stored(self, mention_id: int) -> tuple[str, str, str]:
        return self.mentions[mention_id].stored


THREAD_AUTHORS = [("thread_a", "Customer A"), ("thread_b", "Customer B"), ("thread_c", "顧客 C")]


def customers() -> list[Customer]:
    """One mention per corpus entry; the hostile texts are spread over three customers' threads."""
    made = []
    texts = [e for e in CORPUS if e.field == "text"]
    for k, entry in enumerate(texts):
        username, name = THREAD_AUTHORS[k % len(THREAD_AUTHORS)]
        if entry.needs_json_escapes:  # served by a page of its own, from its own X user
            username, name = f"wire_{k}", f"Wire {k}"
        made.append(Customer(entry, username, name, f"@{BRAND_USERNAME} {entry.value}"))
    for k, entry in enumerate(e for e in CORPUS if e.field != "text"):
        username = entry.value if entry.field == "username" else f"person_{k}"
        name = entry.value if entry.field == "name" else f"Person {k}"
        made.append(Customer(entry, username, name, f"@{BRAND_USERNAME} Where is order {k}?"))
    return made


def wire_page(batch: list[Customer], first_id: int) -> str:
    """A mentions page in X's JSON; lone surrogates go out as \\udXXX escapes (json.dumps)."""
    created = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    tweets, users = [], []
    for k, c in enumerate(batch):
        tweet_id, user_id = str(first_id + k), str(7_100_000_000_000_000_000 + k)
        tweets.append(
            {
                "id": tweet_id,
                "text": c.text,
                "author_id": user_id,
                "conversation_id": tweet_id,
                "created_at": created,
                "edit_history_tweet_ids": [tweet_id],
                "lang": "en",
            }
        )
        users.append({"id": user_id, "username": c.username, "name": c.name})
    tweets.reverse()  # newest first, as X pages
    meta = {
        "result_count": len(tweets),
        "newest_id": tweets[0]["id"],
        "oldest_id": tweets[-1]["id"],
    }
    return json.dumps({"data": tweets, "includes": {"users": users}, "meta": meta})


def ingest_corpus(x: RunningSandbox) -> dict[int, Customer]:
    """Post every corpus mention to the sandbox, ingest, and map mention ids to what was sent."""
    made = customers()
    on_wire = [c for c in made if c.entry.needs_json_escapes]
    for c in made:
        if c in on_wire:
            continue
        if c.x_accepts:
            x.mention(c.text, username=c.username, name=c.name)
        else:  # beyond X's rules: straight into the sandbox's state, served like any user
            x.state.add_customer_tweet(c.username, c.name, c.text)
    ingest_mentions()
    newest = db.session.scalar(sa.select(sa.func.max(Mention.tweet_id)))
    mentions_path = f"/2/users/{x.brand_id}/mentions"
    x.fault(path=mentions_path, body=wire_page(on_wire, newest + 1000), count=1)
    ingest_mentions()
    rows = db.session.execute(
        sa.select(Mention.id, Mention.text, XUser.username).join(XUser).order_by(Mention.id)
    ).all()
    by_stored = {(c.stored[0], c.stored[2]): c for c in made}
    assert len(by_stored) == len(made) == len(rows)
    return {row.id: by_stored[(row.text, row.username)] for row in rows}


@pytest.fixture
def desk(app: Flask, x: RunningSandbox, make_employee) -> Desk:
    """The corpus ingested; every mention escalated, a few resolved; trainee replies waiting on
    hostile mentions, and failed replies (one with a hostile error from X) on two more."""
    agent = make_employee("0427")
    make_employee("0105")
    trainee = make_employee("0311", role="trainee")
    supervisor = make_employee("0900", role="supervisor")
    found = Desk(ingest_corpus(x))
    for mention_id in found.mentions:
        escalation.escalate(mention_id, agent, "Customer text to check")
    for name in RESOLVED:
        mention_id = found.by_entry[name]
        held = db.session.scalar(sa.select(Escalation).where(Escalation.mention_id == mention_id))
        escalation.resolve(held.id, supervisor, "Checked")
    for name in WAITING:
        replies.create_reply(found.by_entry[name], trainee, "We are looking into it.")
    # X refuses both: the first with markup in its error, the second (a post X never served
    # through its state) as an unknown in_reply_to_tweet_id.
    refusal = {
        "title": "Forbidden",
        "status": 403,
        "type": "about:blank",
        "detail": "<img src=x onerror=__pwned.push('x-error')> refused",
    }
    x.fault(status=403, path="/2/tweets", method="POST", count=1, body=json.dumps(refusal))
    for name in FAILED:
        replies.create_reply(found.by_entry[name], agent, "Thanks, sorted.")
    run_jobs(app)
    statuses = db.session.scalars(sa.select(Reply.status).where(Reply.author_id == agent.id))
    assert list(statuses) == [ReplyStatus.FAILED] * len(FAILED)
    db.session.rollback()  # let the server's threads write (SQLite's single writer)
    return found


RESOLVED = ("script-tag", "long-word", "name-10000", "user-path", "zalgo")
WAITING = ("img-onerror", "long-url", "rtl-override-text", "attr-double-quote")
FAILED = ("svg-onload", "lone-surrogate-text")


# -- the browser -------------------------------------------------------------------------


@pytest.fixture
def open_page(browser, live_server: str):
    """open_page("0427", locale="en-US") -> a signed-in page with the trap and its listeners.

    page.problems collects dialogs, console errors, page errors and requests to other origins.
    """
    contexts = []

    def make(number: str, locale: str = "en-US", viewport: dict | None = None):
        context = browser.new_context(
            base_url=live_server, locale=locale, viewport=viewport or VIEWPORT, bypass_csp=True
        )
        contexts.append(context)
        context.add_init_script(TRAP)
        page = context.new_page()
        page.problems = []

        def outside(route) -> None:
            page.problems.append(f"request to {route.request.url[:100]}")
            route.abort()

        context.route(lambda url: not url.startswith(live_server), outside)
        page.on("dialog", lambda d: (page.problems.append(f"dialog {d.message}"), d.dismiss()))
        page.on("pageerror", lambda error: page.problems.append(f"page error {error}"))
        page.on(
            "console",
            lambda msg: (
                page.problems.append(f"console {msg.text}") if msg.type == "error" else None
            ),
        )
        page.set_default_timeout(15_000)
        page.goto("/auth/login")
        page.fill("#number", number)
        page.fill("#password", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url("**/inbox")
        return page

    yield make
    for context in contexts:
        context.close()


def assert_inert(page, where: str, controls: list[str] | None = None) -> None:
    """Nothing ran, nothing was injected, nothing left the app and the layout holds."""
    pwned = [frame.evaluate("window.__pwned ? [...window.__pwned] : []") for frame in page.frames]
    assert [mark for marks in pwned for mark in marks] == [], where
    assert page.problems == [], where
    injected = page.evaluate(DOM_AUDIT)
    assert injected == [], (where, injected[:10])
    layout = page.evaluate(LAYOUT_AUDIT, [TOPBAR_CONTROLS + (controls or []), SLACK_PX])
    assert layout == [], (where, layout[:10])


def texts(page, selector: str) -> list[str]:
    return page.locator(selector).evaluate_all("els => els.map(e => e.textContent)")


# -- the tests ---------------------------------------------------------------------------


def test_the_corpus_is_stored_as_sent_with_lone_surrogates_replaced(desk):
    """Texts, names and usernames are stored exactly as sent; lone surrogates and NUL as U+FFFD."""
    assert sorted(c.entry.name for c in desk.mentions.values()) == sorted(e.name for e in CORPUS)
    assert len(CORPUS) >= 40
    for mention_id, c in desk.mentions.items():
        mention = db.session.get(Mention, mention_id)
        held = (mention.text, mention.author.name, mention.author.username)
        assert held == c.stored, c.entry.name
    surrogate = db.session.get(Mention, desk.by_entry["lone-surrogate-text"])
    assert surrogate.text.endswith("half of an emoji: \ufffd and a lone low \ufffd end")
    nul = db.session.get(Mention, desk.by_entry["null-byte"])
    assert nul.text.endswith("before\ufffd<script>__pwned.push('null-byte')</script>after")


ROW_CELLS = """row => [row.querySelector("td.text a").textContent,
                       row.querySelector(".display-name").textContent,
                       row.querySelector(".username").textContent]"""


def assert_rows_exact(page, desk: Desk, selector: str) -> set[int]:
    """Each row's text, display name and @handle are the stored ones; returns the mention ids."""
    seen = set()
    for row in page.locator(selector).all():
        mention_id = int(row.get_attribute("data-mention-id"))
        text, name, username = desk.stored(mention_id)
        assert row.evaluate(ROW_CELLS) == [html_text(text), name, "@" + username], mention_id
        assert row.locator(".display-name").is_visible(), mention_id
        seen.add(mention_id)
    return seen


@pytest.mark.parametrize("locale", ["en-US", "ja-JP"])
def test_inbox_pages_show_every_hostile_mention_as_text(desk, open_page, locale):
    """Every inbox page (open and all, page by page) shows names, handles and texts exactly."""
    page = open_page("0427", locale=locale)
    controls = [
        ".filters a",
        ".search input[type=search]",
        ".search button",
        ".sort a",
        "tbody td.status",
        "tbody td.holder",
        ".pager a",
    ]
    for status in ("open", "all"):
        seen: set[int] = set()
        page.goto(f"/inbox?status={status}")
        while True:
            assert_inert(page, page.url, controls)
            seen |= assert_rows_exact(page, desk, "tbody tr[data-mention-id]")
            following = page.locator(".pager a.next")
            if not following.count():
                break
            following.click()
            page.wait_for_load_state()
        assert seen == set(desk.mentions), status


MENTION_HEAD = """() => [document.querySelector(".tweet.current .tweet-text").textContent,
                         document.querySelector("h1 .display-name").textContent,
                         document.querySelector("h1 .username").textContent,
                         document.querySelector(".tweet.current .display-name").textContent,
                         document.title]"""


def test_every_mention_page_shows_its_thread_exactly_and_runs_nothing(desk, open_page):
    """Each mention page: text, name, @handle and title exactly, its whole thread, no overflow."""
    page = open_page("0427")
    controls = [
        ".back a",
        "#claim-button",
        "#reply-text",
        "#send-button",
        "#escalate-reason",
        "#dismiss-reason",
        "#dismiss-button",
    ]
    tweet_ids = dict(db.session.execute(sa.select(Mention.id, Mention.tweet_id)).all())
    db.session.rollback()  # let the server's threads write (SQLite's single writer)
    for mention_id, c in desk.mentions.items():
        where = f"/mentions/{mention_id} ({c.entry.name})"
        page.goto(f"/mentions/{mention_id}")
        text, name, username = c.stored
        shown = page.evaluate(MENTION_HEAD)
        assert shown[:4] == [html_text(text), name, "@" + username, name], where
        assert shown[4].startswith(f"@{username} · "), where
        thread = sorted(
            (i for i, other in desk.mentions.items() if other.username == c.username),
            key=tweet_ids.__getitem__,
        )
        assert texts(page, ".tweet.customer .tweet-text") == [
            html_text(desk.stored(i)[0]) for i in thread
        ], where
        assert_inert(page, where, controls)


def test_long_names_and_words_hold_on_a_phone_width(desk, open_page):
    """At 390 px the mention page still wraps 10,000-character names and 5,000-character words."""
    page = open_page("0427", viewport={"width": 390, "height": 844})
    for name in ("long-word", "long-url", "name-10000", "name-10000-words", "zalgo", "user-path"):
        page.goto(f"/mentions/{desk.by_entry[name]}")
        assert_inert(page, name, ["#claim-button", "#reply-text", "#send-button"])


# Does the text in `selector` read left to right (its first letter left of its last)?
READS_LEFT_TO_RIGHT = """
(selector) => {
  const node = document.querySelector(selector).firstChild;
  const text = node.textContent;
  const first = text.search(/\\S/);
  const last = text.length - 1 - [...text].reverse().join("").search(/\\S/);
  const box = (i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                       return r.getBoundingClientRect(); };
  return box(first).left < box(last).left;
}
"""


def test_an_rtl_override_in_a_name_does_not_turn_the_handle_around(desk, open_page):
    """U+202E in a display name stays inside it: the @handle shown after it reads left to right."""
    page = open_page("0427")
    page.goto(f"/mentions/{desk.by_entry['name-rtl-override']}")
    assert page.evaluate(READS_LEFT_TO_RIGHT, "h1 .username")


def test_search_links_carry_hostile_usernames_url_escaped(desk, open_page):
    """Searching a hostile @handle: each link keeps it as one escaped query value, same origin."""
    page = open_page("0427")
    for c in desk.mentions.values():
        if c.entry.field != "username":
            continue
        query = ("@" + c.stored[2]).strip()[:100]
        page.goto("/inbox?" + urlencode({"status": "all", "q": query}))
        assert page.locator("input[type=search]").input_value() == query, c.entry.name
        assert_rows_exact(page, desk, "tbody tr[data-mention-id]")
        hrefs = page.locator("main a[href]").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        assert any("q=" in href for href in hrefs), c.entry.name
        for href in hrefs:
            parts = urlsplit(href)
            assert href.startswith("/") and not parts.scheme and not parts.netloc, href
            assert not set(href) & set(' "<>\\`'), href
            assert parse_qs(parts.query).get("q", [query]) == [query], href
        assert_inert(page, c.entry.name)


def test_live_updates_and_the_composer_check_stay_inert(desk, open_page):
    """The inbox poll, the mention page's poll and the composer's live check run harmlessly."""
    page = open_page("0427")
    mention_id = int(
        page.locator("tbody tr[data-mention-id]").first.get_attribute("data-mention-id")
    )
    colleague = db.session.scalar(sa.select(Employee).where(Employee.number == "0105"))
    inbox.claim(mention_id, colleague)
    db.session.rollback()
    holder = page.locator(f'tr[data-mention-id="{mention_id}"] [data-holder]')
    holder.filter(has_text="0105").wait_for()  # the inbox's poll, no reload
    assert_inert(page, "the inbox after its poll")

    page.goto(f"/mentions/{desk.by_entry['script-breakout']}")
    third_party = "<img src=x onerror=__pwned.push('composer')> @evil\"><svg onload=alert(1)>"
    page.fill("#reply-text", third_party)
    page.locator("#findings .finding-warn").wait_for()
    personal = "Mail me: a@b.example </textarea><script>__pwned.push('c')</script>"
    page.fill("#reply-text", personal)
    page.locator("#findings .finding-block").wait_for()
    assert page.locator("#reply-text").input_value() == personal
    page.wait_for_timeout(1200)  # a few of the page's polls
    assert_inert(page, "the mention page after its polls and live check")


@pytest.mark.parametrize("locale", ["en-US", "ja-JP"])
def test_supervisor_pages_show_hostile_mentions_and_replies_as_text(desk, open_page, locale):
    """The desk (open, resolved, all), waiting and failed replies, and coverage: exact and inert."""
    page = open_page("0900", locale=locale)
    controls = [
        ".filters a",
        "#escalations button",
        "#escalations input:not([type=hidden])",
        "#pending button",
        "#pending input:not([type=hidden])",
        "#failed .quote a",
    ]
    for query in ("?limit=500", "?status=resolved&limit=500", "?status=all&limit=500"):
        page.goto(f"/supervise/{query}")  # every row at once (the queue shows 50 a step)
        assert_inert(page, f"/supervise/{query}", controls)
        seen = assert_rows_exact(page, desk, "#escalations tr[data-mention-id]")
        resolved = {desk.by_entry[name] for name in RESOLVED}
        listed = {
            "?limit=500": set(desk.mentions) - resolved,
            "?status=resolved&limit=500": resolved,
        }
        assert seen == listed.get(query, set(desk.mentions)), query

    def quotes(panel: str) -> list[list[str]]:
        return page.locator(f"#{panel} .reply-item .quote a").evaluate_all(
            "links => links.map(a => [a.getAttribute('href'), a.textContent])"
        )

    def expected(names: tuple[str, ...]) -> list[list[str]]:
        ids = [desk.by_entry[name] for name in names]
        return sorted([f"/mentions/{i}", html_text(desk.stored(i)[0])] for i in ids)

    assert sorted(quotes("pending")) == expected(WAITING)
    assert sorted(quotes("failed")) == expected(FAILED)
    errors = texts(page, "#failed .reply-error")
    assert any("<img src=x onerror=__pwned.push('x-error')> refused" in e for e in errors)
    for query in ("", "?period=7d"):
        page.goto(f"/supervise/listening{query}")  # the corpus's words as terms and hashtags
        assert_inert(page, f"/supervise/listening{query}", [".filters a", ".figure-csv"])
        page.goto(f"/supervise/coverage{query}")
        controls = [".filters a", ".period button", "#export-mentions"]
        assert_inert(page, f"/supervise/coverage{query}", controls)

    with page.expect_download() as download:  # today's mentions, as the coverage page links them
        page.click("#export-mentions")
    body = Path(download.value.path()).read_bytes()
    assert body.startswith(codecs.BOM_UTF8)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert len(rows) == len(desk.mentions)
    for row in rows:
        text, name, username = desk.stored(int(row["mention_id"]))
        assert (row["text"], row["author_name"], row["author_username"]) == (
            safe_cell(text),
            safe_cell(name),
            safe_cell(username),
        )
