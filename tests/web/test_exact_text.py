"""Customer text, names and usernames are stored and shown exactly as X sent them."""

from __future__ import annotations

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from markupsafe import escape

from helpdesk.extensions import db
from helpdesk.models import Mention, Priority
from helpdesk.services.employees import create_token
from helpdesk.services.ingest import ingest_mentions
from tests.support.app import narrow_window

# Each would be changed by NFKC, NFC, width folding, trimming or newline fixing.
TEXTS = [
    "@acme_help 確認してもらえますか？",
    "@acme_help ＡＢＣ１２３の在庫は？　全角スペースも",
    "@acme_help ｶﾀｶﾅ半角 ① ㈱ ﾟ",
    "@acme_help cafe\u0301 vs café, \u212b vs Å",
    "@acme_help trailing spaces   ",
    "@acme_help line one\r\nline two\rline three",
    "@acme_help \u200bzero\u200dwidth\ufeff \u202eright-to-left\u202c",
    "@acme_help 👨\u200d👩\u200d👧 👍🏽 ！！",
    "@acme_help <b>bold</b> &amp; \"quotes\" 'single'",
    # X serves these escaped (&amp; &lt; &gt;) and the link as t.co: the boundary undoes both.
    "@acme_help Q&A <重要> https://example.com/a?b=1&c=2",
    "@acme_help typed &amp;amp; &lt;not a tag&gt; https://acme.example/x and https://a.co/y?z=<>",
]
NAMES = ["Ｈａｎａｋｏ　田中？", "e\u0301mile \u202ename", "ﾀﾅｶ ﾊﾅｺ", "  spaced  "]


def _ingest_corpus(x) -> dict[int, tuple[str, str, str]]:
    """Post TEXTS through the sandbox and ingest them; {tweet id: (text, username, name)}."""
    sent = {}
    for i, text in enumerate(TEXTS):
        username, name = f"exact_{i}", NAMES[i % len(NAMES)]
        sent[int(x.mention(text, username=username, name=name))] = (text, username, name)
    ingest_mentions()
    return sent


def test_stored_byte_for_byte_as_x_sent_it(app, x):
    """The database holds the very code points X sent: no width folding, no NFC, no trim."""
    sent = _ingest_corpus(x)
    rows = db.session.execute(
        sa.text(
            "SELECT m.tweet_id, m.text, u.username, u.name FROM mentions m "
            "JOIN x_users u ON u.x_user_id = m.author_x_id"
        )
    ).all()
    assert len(rows) == len(sent)
    for row in rows:
        text, username, name = sent[int(row.tweet_id)]
        assert row.text.encode("utf-8") == text.encode("utf-8"), ascii(row.text)
        assert (row.username, row.name) == (username, name)


def test_gap_repair_from_search_keeps_the_exact_text_too(app, x):
    """Mentions that come through search/recent (past the window) are stored exactly too."""
    with narrow_window(app, x, 5):
        x.mention("@acme_help before the outage")
        ingest_mentions()
        sent = {int(x.mention(t, username=f"gap_{i}")): t for i, t in enumerate(TEXTS)}
        summary = ingest_mentions()
    assert summary.gap_detected and summary.gap_repaired
    stored = dict(
        db.session.execute(
            sa.select(Mention.tweet_id, Mention.text).where(Mention.tweet_id.in_(sent))
        ).all()
    )
    assert stored == sent


def test_the_api_returns_the_exact_text_and_names(app, x, client, make_employee):
    """The JSON API carries the text, username and name exactly as stored."""
    sent = _ingest_corpus(x)
    token = create_token(make_employee("0427"))
    auth = {"Authorization": f"Bearer {token}"}
    items = client.get("/api/v1/mentions", query_string={"limit": 100}, headers=auth).get_json()
    got = {
        int(m["tweet_id"]): (m["text"], m["author"]["username"], m["author"]["name"])
        for m in items["items"]
    }
    assert got == sent


def _shown(page: str, css_class: str) -> list[str]:
    """The unescaped contents of every element with `css_class` (they hold no markup)."""
    found = re.findall(rf'class="{css_class}"[^>]*>(.*?)</', page, flags=re.S)
    return [html.unescape(part) for part in found]


def test_pages_show_the_exact_text_and_names(app, x, client, make_employee, login):
    """The inbox and the mention page show each text and name exactly (escaped, not altered)."""
    sent = _ingest_corpus(x)
    make_employee("0427")
    login("0427")
    inbox = client.get("/?status=all", headers={"Accept-Language": "ja"}).text
    assert sorted(_shown(inbox, "display-name")) == sorted(name for _, _, name in sent.values())
    ids = dict(db.session.execute(sa.select(Mention.tweet_id, Mention.id)).all())
    for tweet_id, (text, username, name) in sent.items():
        page = client.get(f"/mentions/{ids[tweet_id]}").text
        assert text in _shown(page, "tweet-text")
        assert name in _shown(page, "display-name")
        assert f"@{username}" in _shown(page, "username")
    assert "<b>bold</b>" not in inbox  # escaped, never markup


def test_normalisation_is_only_for_matching(app, x):
    """A full-width keyword still matches the priority rules, while the text stays full-width."""
    text = "@acme_help ＵＲＧＥＮＴ：画面が割れました！"
    x.mention(text)
    ingest_mentions()
    mention = db.session.scalar(sa.select(Mention))
    assert mention.text == text
    assert mention.priority is Priority.HIGH


DONE_WHEN = "Q&A <重要> https://example.com/a?b=1&c=2"


def test_a_mention_with_x_entities_and_a_link_shows_as_typed_everywhere(
    app, x, client, make_employee, login
):
    """`Q&A <重要> https://example.com/a?b=1&c=2` is exactly that in the inbox, the mention
    page, the API and the export, with its t.co link kept beside it and no customer href."""
    x.mention(DONE_WHEN, username="done_when")
    ingest_mentions()
    mention = db.session.scalar(sa.select(Mention))
    assert mention.text == f"@acme_help {DONE_WHEN}"
    (link,) = mention.links
    assert link["expanded_url"] == "https://example.com/a?b=1&c=2"
    assert link["url"].startswith("https://t.co/")
    assert mention.text[link["start"] : link["end"]] == link["expanded_url"]
    make_employee("0900", role="supervisor")
    login("0900")
    inbox = client.get("/?status=all").text
    page = client.get(f"/mentions/{mention.id}").text
    assert DONE_WHEN in " ".join(_shown(page, "tweet-text"))
    for shown in (inbox, page):
        assert str(escape(DONE_WHEN)) in shown  # escaped once, by us, as any text
        assert 'href="https://example.com' not in shown and "t.co/" not in shown
    token = create_token(make_employee("0427"))
    api = client.get(
        f"/api/v1/mentions/{mention.id}", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    assert api["text"] == f"@acme_help {DONE_WHEN}"
    day = datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat()
    csv_body = client.get("/supervise/mentions.csv", query_string={"from": day, "to": day})
    csv_body = csv_body.get_data().decode("utf-8-sig")
    assert f"@acme_help {DONE_WHEN}" in csv_body
