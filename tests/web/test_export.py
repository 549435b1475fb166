"""The supervisors' mentions CSV: formulas neutralised, text else exact, BOM, access, periods."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Mention
from helpdesk.services import export, inbox, periods, replies, tagging
from helpdesk.services.errors import Forbidden
from helpdesk.services.ingest import ingest_mentions
from helpdesk.x.sandbox import BRAND_USERNAME
from tests.hostile_corpus import CORPUS, FORMULA_PREFIXES, starts_like_a_formula
from tests.support.app import run_jobs
from tests.support.routing import make_tags

EN = {"Accept-Language": "en"}


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES, ids=ascii)
def test_safe_cell_neutralises_each_formula_prefix(prefix):
    """A cell starting with = + - @ tab CR or a full-width ＝＋－＠ gets one ' in front, no more."""
    value = f'{prefix}HYPERLINK("https://evil.example","x")'
    assert export.safe_cell(value) == "'" + value


@pytest.mark.parametrize("entry", CORPUS, ids=lambda e: e.name)
def test_safe_cell_keeps_every_corpus_entry_otherwise_exact(entry):
    """Corpus values come back unchanged unless a spreadsheet would run them; then a ' is added."""
    cell = export.safe_cell(entry.stored)
    if starts_like_a_formula(entry.stored):
        assert cell == "'" + entry.stored
    else:
        assert cell == entry.stored


def test_safe_cell_leaves_harmless_cells_alone():
    """Numbers, empty cells, inner formula characters, a leading space or quote stay as they are."""
    assert export.safe_cell(None) == ""
    assert export.safe_cell("") == ""
    assert export.safe_cell(123) == "123"
    for value in ("1-2", "a=b", " =1+1", "'=1+1", "ー長音", "メール: a@b.example"):
        assert export.safe_cell(value) == value


def read_csv(response) -> list[dict[str, str]]:
    """The rows of an export, decoded as Excel would (UTF-8 after the BOM)."""
    text = response.get_data().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def undo(cell: str, original: str) -> str:
    """The customer's value back from a cell: the one ' safe_cell adds before a formula."""
    return cell[1:] if starts_like_a_formula(original) else cell


@pytest.fixture
def supervisor(make_employee, login):
    """Supervisor 0900, signed in."""
    employee = make_employee("0900", role="supervisor")
    login("0900")
    return employee


def today() -> str:
    return datetime.now(UTC).astimezone(ZoneInfo("Asia/Tokyo")).date().isoformat()


def test_the_export_holds_the_corpus_exactly_and_neutralises_formulas(app, x, client, supervisor):
    """Every hostile text, name and handle is in the CSV as stored; formula cells carry one '."""
    leading = [e for e in CORPUS if e.field == "text" and starts_like_a_formula(e.stored)]
    assert {e.stored[0] for e in leading} == {"=", "+", "＝"}
    sent = {}
    for k, entry in enumerate(CORPUS):
        username = entry.stored if entry.field == "username" else f"person_{k}"
        name = entry.stored if entry.field == "name" else f"Person {k}"
        # The brand's handle last, so a text can start with a formula character.
        text = (
            f"{entry.stored} @{BRAND_USERNAME}" if entry.field == "text" else f"hi {k} @acme_help"
        )
        tweet = x.state.add_customer_tweet(username, name, text)
        sent[str(tweet.id)] = (username, name, text)
    for k, prefix in enumerate(FORMULA_PREFIXES):  # one text starting with each
        text = f"{prefix}prefix {k} @{BRAND_USERNAME}"
        tweet = x.state.add_customer_tweet(f"prefix_{k}", f"Prefix {k}", text)
        sent[str(tweet.id)] = (f"prefix_{k}", f"Prefix {k}", text)
    ingest_mentions()

    response = client.get("/supervise/mentions.csv", query_string={"from": today(), "to": today()})
    assert response.status_code == 200, response.text
    assert response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="mentions-{today()}-{today()}.csv"'
    )
    body = response.get_data()
    assert body.startswith(codecs.BOM_UTF8) and not body.startswith(codecs.BOM_UTF8 * 2)
    rows = read_csv(response)
    assert list(rows[0]) == list(export.COLUMNS)
    assert sorted(row["tweet_id"] for row in rows) == sorted(sent)
    for row in rows:
        username, name, text = sent[row["tweet_id"]]
        for column, original in (
            ("author_username", username),
            ("author_name", name),
            ("text", text),
        ):
            cell = row[column]
            assert cell == export.safe_cell(original), (column, original[:40])
            assert undo(cell, original) == original
    cells = [cell for row in rows for cell in row.values()]
    assert not [c for c in cells if starts_like_a_formula(c)], "a cell a spreadsheet would run"


def test_the_columns_carry_the_claim_and_the_posted_reply(
    app, x, client, supervisor, make_employee, mentions
):
    """Status, priority, the live claim's number, the reply as posted, its X id and time, in UTC."""
    agent = make_employee("0427")
    ids = dict(
        db.session.execute(
            sa.select(Mention.text, Mention.id).where(
                Mention.id.in_(mentions("Where is my order?", "Refund now!", "spam"))
            )
        ).all()
    )
    answered, claimed, dismissed = (
        ids[f"@acme_help {t}"] for t in ("Where is my order?", "Refund now!", "spam")
    )
    replies.create_reply(answered, agent, "It ships today.")
    inbox.claim(claimed, agent)
    inbox.dismiss(dismissed, agent, "spam")
    make_tags("返金", "=cmd", "配送")
    tagging.set_mention_tags(claimed, ["配送", "返金"], agent)
    tagging.set_mention_tags(dismissed, ["=cmd"], agent)
    db.session.rollback()
    run_jobs(app)

    rows = {
        int(row["mention_id"]): row
        for row in read_csv(
            client.get("/supervise/mentions.csv", query_string={"from": today(), "to": today()})
        )
    }
    posted = db.session.get(Mention, answered)
    reply = inbox.replies_for([answered])[0]
    assert rows[answered] == {
        "mention_id": str(answered),
        "tweet_id": str(posted.tweet_id),
        "received_at": posted.created_at.isoformat().replace("+00:00", "Z"),
        "author_username": "hanako_t",
        "author_name": "田中 花子",
        "text": "'@acme_help Where is my order?",  # a leading @ is a formula to Excel
        "status": "answered",
        "priority": "normal",
        "claimed_by": "",
        "reply_text": "It ships today. ^0427",
        "reply_status": "posted",
        "reply_tweet_id": str(reply.x_tweet_id),
        "answered_at": reply.posted_at.isoformat().replace("+00:00", "Z"),
        "tags": "",
    }
    assert rows[claimed]["tags"] == "返金; 配送"  # sorted, joined by "; "
    assert rows[dismissed]["tags"] == "'=cmd"  # a tag read as a formula is quoted too
    assert rows[claimed]["claimed_by"] == "0427" and rows[claimed]["status"] == "open"
    assert rows[claimed]["reply_text"] == rows[claimed]["answered_at"] == ""
    assert rows[dismissed]["status"] == "dismissed"


def test_the_period_is_whole_days_in_the_desks_zone(app, x, client, supervisor, mentions):
    """from..to are days in Asia/Tokyo, both included: a microsecond outside is left out."""
    mentions("before", "first", "last", "after")
    start = datetime(2026, 2, 28, 15, tzinfo=UTC)  # 2026-03-01 00:00 in Tokyo
    end = datetime(2026, 3, 2, 15, tzinfo=UTC)  # 2026-03-03 00:00 in Tokyo
    tick = timedelta(microseconds=1)
    moments = {"before": start - tick, "first": start, "last": end - tick, "after": end}
    for word, at in moments.items():
        db.session.execute(
            sa.update(Mention).where(Mention.text == f"@acme_help {word}").values(created_at=at)
        )
    db.session.commit()

    response = client.get("/supervise/mentions.csv?from=2026-03-01&to=2026-03-02")
    rows = sorted(read_csv(response), key=lambda row: row["received_at"])
    assert [(row["text"], row["received_at"]) for row in rows] == [
        ("'@acme_help first", "2026-02-28T15:00:00Z"),
        ("'@acme_help last", "2026-03-02T14:59:59.999999Z"),
    ]
    one_day = read_csv(client.get("/supervise/mentions.csv?from=2026-03-02&to=2026-03-02"))
    assert [row["text"] for row in one_day] == ["'@acme_help last"]
    empty = client.get("/supervise/mentions.csv?from=2025-01-01&to=2025-01-01")
    assert empty.status_code == 200 and read_csv(empty) == []
    assert empty.get_data().decode("utf-8-sig").splitlines() == [",".join(export.COLUMNS)]


def test_rows_come_in_chunks_each_exactly_once(app, x, client, supervisor, mentions, monkeypatch):
    """Fetched a few rows at a time (keyset on the tweet id), every mention comes once, in order."""
    mentions(*(f"message {k}" for k in range(7)))
    ids = list(db.session.scalars(sa.select(Mention.id).order_by(Mention.tweet_id)))
    monkeypatch.setattr(export, "CHUNK", 3)
    period = periods.parse(periods.EXPORT, None, today(), today(), "Asia/Tokyo")
    pieces = list(export.mentions_csv(period.start, period.end, supervisor))
    assert len(pieces) == 1 + 3  # the header, then 3 + 3 + 1 rows
    rows = read_csv(client.get(f"/supervise/mentions.csv?from={today()}&to={today()}"))
    assert [int(row["mention_id"]) for row in rows] == ids


@pytest.mark.parametrize(
    "query",
    [
        "",
        "from=2026-03-01",
        "to=2026-03-01",
        "from=soon&to=2026-03-01",
        "from=2026-13-01&to=2026-12-31",
        "from=2026-02-30&to=2026-03-01",
        "from=2026-3-1&to=2026-03-02",
        "from=2026-03-01T00:00:00Z&to=2026-03-02",
        "from=2026-03-02&to=2026-03-01",
        "from=%0d%0aSet-Cookie:x=1&to=2026-03-01",
        "from=<script>&to=2026-03-01",
        "from=２０２６-０３-０１&to=2026-03-02",
    ],
)
def test_bad_dates_get_a_clear_400(client, supervisor, query):
    """A missing, malformed or reversed date: a 400 page saying what to give, never a traceback."""
    response = client.get(f"/supervise/mentions.csv?{query}", headers=EN)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    reversed_ = query == "from=2026-03-02&to=2026-03-01"
    said = "To must be after From." if reversed_ else "give a date like 2026-01-31"
    assert said in response.text
    assert "Traceback" not in response.text and "<script>" not in response.text
    assert "Content-Disposition" not in response.headers
    assert not any(c.startswith("x=") for c in response.headers.getlist("Set-Cookie"))


def test_a_period_over_366_days_is_refused(client, supervisor):
    """A year and a day is too long; 366 days is the most, in both languages."""
    longest = client.get("/supervise/mentions.csv?from=2025-01-01&to=2026-01-01")
    assert longest.status_code == 200
    too_long = client.get("/supervise/mentions.csv?from=2025-01-01&to=2026-01-02", headers=EN)
    assert too_long.status_code == 400 and "at most 366 days" in too_long.text
    ja = client.get(
        "/supervise/mentions.csv?from=2025-01-01&to=2026-01-02", headers={"Accept-Language": "ja"}
    )
    assert ja.status_code == 400 and "最大366日" in ja.text


@pytest.mark.parametrize(("role", "status"), [("trainee", 403), ("agent", 403), ("admin", 200)])
def test_only_supervisors_and_admins_export(client, make_employee, login, role, status):
    """Trainees and agents get a 403; admins may export like supervisors."""
    make_employee("0427", role=role)
    login("0427")
    response = client.get(f"/supervise/mentions.csv?from={today()}&to={today()}")
    assert response.status_code == status
    if status == 403:
        assert not response.get_data().startswith(codecs.BOM_UTF8)


def test_anonymous_visitors_are_sent_to_sign_in(client, app):
    """Without a session the export redirects to the login form."""
    response = client.get("/supervise/mentions.csv?from=2026-03-01&to=2026-03-01")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_service_refuses_below_supervisor(app, make_employee):
    """The service checks the role itself, whoever calls it."""
    period = periods.parse(periods.EXPORT, None, "2026-03-01", "2026-03-01", "Asia/Tokyo")
    with pytest.raises(Forbidden):
        export.mentions_csv(period.start, period.end, make_employee("0427", role="agent"))


def test_the_coverage_page_links_the_export_of_its_period(client, supervisor, mentions):
    """Coverage for a custom range links the CSV of exactly those days, in English and Japanese."""
    mentions("hello")
    page = client.get(
        "/supervise/coverage?period=custom&from=2026-03-01&to=2026-03-05", headers=EN
    ).text
    link = 'href="/supervise/mentions.csv?from=2026-03-01&amp;to=2026-03-05"'
    assert link in page and "Download these mentions with their replies (CSV)" in page
    today_page = client.get("/supervise/coverage", headers={"Accept-Language": "ja"}).text
    assert f"/supervise/mentions.csv?from={today()}&amp;to={today()}" in today_page
    assert "この期間のメンションと返信をダウンロード" in today_page
    rows = read_csv(client.get(f"/supervise/mentions.csv?from={today()}&to={today()}"))
    assert [row["text"] for row in rows] == ["'@acme_help hello"]
