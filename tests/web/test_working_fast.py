"""Working fast: priority sort and the escalated tab, canned variables and their gaps, the
customer's earlier conversations beside the composer (web and API)."""

from __future__ import annotations

import html as html_lib
import re

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Mention, Priority, Reply
from helpdesk.services import escalation, inbox
from helpdesk.services.canned import create_canned, fill_variables
from helpdesk.services.replies import unfilled_gaps
from tests.support.web import csrf_from

HOSTILE = '<img src=x onerror=alert(1)>"'


def row_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-mention-id="(\d+)"', html)]


def make_high(*ids: int) -> None:
    db.session.execute(sa.update(Mention).where(Mention.id.in_(ids)).values(priority=Priority.HIGH))
    db.session.commit()


def expected_by_priority(newest_first: bool) -> list[int]:
    """Every mention of the desk, high first, then by the customer's time (then tweet id)."""
    rows = db.session.execute(
        sa.select(Mention.id, Mention.priority, Mention.created_at, Mention.tweet_id)
    ).all()
    time_sorted = sorted(rows, key=lambda r: (r.created_at, r.tweet_id), reverse=newest_first)
    return [r.id for r in sorted(time_sorted, key=lambda r: r.priority != Priority.HIGH)]


@pytest.fixture
def desk(mentions):
    """Seven open mentions, three of them (not neighbours) high priority."""
    ids = mentions(*(f"question {n}" for n in range(7)))
    make_high(ids[1], ids[4], ids[6])
    return ids


def walk(status: str, sort: str, limit: int) -> list[int]:
    """Every page of the service's list in that order, concatenated."""
    seen, cursor = [], None
    while True:
        page = inbox.list_mentions(status, limit=limit, cursor=cursor, sort=sort)
        seen += [m.id for m in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen


@pytest.mark.parametrize("limit", [1, 2, 3, 50])
def test_priority_sort_pages_by_keyset_high_first_then_the_customers_time(app, desk, limit):
    """Pages of any size follow one order: high first, then oldest (open) or newest (all);
    nothing is repeated or skipped at a page's edge."""
    assert walk("open", "priority", limit) == expected_by_priority(newest_first=False)
    assert walk("all", "priority", limit) == expected_by_priority(newest_first=True)
    # The default orders still hold beside it.
    assert walk("open", "oldest", limit) == desk
    assert walk("all", "newest", limit) == desk[::-1]


def test_a_cursor_only_continues_the_order_it_came_from(app, desk, api_as):
    """A time cursor under sort=priority (or the other way round) is refused, never misread."""
    api = api_as("0427")
    by_time = api.get("/mentions", limit=2).get_json()["next_cursor"]
    by_priority = api.get("/mentions", limit=2, sort="priority").get_json()["next_cursor"]
    assert by_time and by_priority and by_time != by_priority
    refused = api.get("/mentions", limit=2, sort="priority", cursor=by_time)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "invalid_cursor"
    assert api.get("/mentions", limit=2, cursor=by_priority).status_code == 400
    bad = api.get("/mentions", sort="urgent")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_sort"


def test_the_api_pages_by_priority(app, desk, api_as):
    api = api_as("0427")
    seen, cursor = [], None
    while True:
        body = api.get(
            "/mentions", limit=2, sort="priority", **({"cursor": cursor} if cursor else {})
        ).get_json()
        seen += [item["id"] for item in body["items"]]
        assert [item["priority"] for item in body["items"]] == sorted(
            (item["priority"] for item in body["items"]), key=lambda p: p != "high"
        )
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == expected_by_priority(newest_first=False)


def test_the_inbox_sorts_by_priority_and_refuses_a_made_up_sort(client, desk, make_employee, login):
    make_employee("0427")
    login("0427")
    page = client.get("/inbox?sort=priority", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert row_ids(page.text) == expected_by_priority(newest_first=False)
    assert 'data-testid="sort-priority" class="active"' in page.text
    assert client.get("/inbox?sort=urgent").status_code == 400
    assert client.get("/inbox/live?sort=priority").status_code == 200
    time_cursor = inbox.encode_cursor(db.session.get(Mention, desk[0]))
    assert client.get(f"/inbox?sort=priority&cursor={time_cursor}").status_code == 400


@pytest.mark.parametrize(("lang", "tab"), [("en", "Escalated"), ("ja", "エスカレーション中")])
def test_the_escalated_tab_lists_open_escalated_mentions(
    client, mentions, make_employee, login, lang, tab
):
    """Only open, escalated mentions, with the tab named in the reader's language."""
    ids = mentions("fine", "angry one", "another angry one", "spam")
    agent = make_employee("0427")
    escalation.escalate(ids[1], agent, "refund over the limit")
    escalation.escalate(ids[2], agent, "threatens to cancel")
    login("0427")
    page = client.get("/inbox?status=escalated", headers={"Accept-Language": lang})
    assert page.status_code == 200
    assert row_ids(page.text) == [ids[1], ids[2]]
    assert re.search(r'aria-current="page">' + tab + "<", page.text)
    assert page.text.count('data-testid="row-escalated"') == 2
    both = client.get("/inbox?status=escalated&sort=priority", headers={"Accept-Language": lang})
    assert sorted(row_ids(both.text)) == sorted([ids[1], ids[2]])


# --- canned replies: variables and gaps ----------------------------------------------------


def test_variables_are_filled_and_other_words_in_braces_stay_gaps():
    values = {"name": "花子", "username": "hanako_t", "number": "0427"}
    body = "{name}様 (@{username}) ご注文 {order} を確認します ^{number} {Name} {nickname}"
    filled = fill_variables(body, values)
    assert filled == "花子様 (@hanako_t) ご注文 {order} を確認します ^0427 {Name} {nickname}"
    assert fill_variables("{name}", {"name": None}) == "{name}"  # unnamed author: a gap
    assert fill_variables("{name}", {"name": ""}) == "{name}"
    assert unfilled_gaps(filled) == ["{order}", "{Name}", "{nickname}"]
    assert unfilled_gaps("注文 ｛order｝ と { order } と {order}") == [
        "｛order｝",
        "{ order }",
        "{order}",
    ]
    assert unfilled_gaps("{} {1} {{ }} a{b c} 😀 {}") == []
    assert unfilled_gaps("") == []


def test_the_composer_offers_canned_replies_filled_for_this_customer(
    client, x, make_employee, login
):
    """{name}, {username} and {number} come filled in (customer text escaped); {order} stays."""
    boss = make_employee("0002", role="supervisor")
    create_canned("Order", "Hi {name} (@{username}), order {order}? ^{number}", "en", actor=boss)
    x.mention("where is my order", username="evil_user", name=HOSTILE)
    from helpdesk.services.ingest import ingest_mentions

    ingest_mentions()
    mention_id = db.session.scalar(sa.select(Mention.id))
    make_employee("0427")
    login("0427")
    page = client.get(f"/mentions/{mention_id}", headers={"Accept-Language": "en"}).text
    body = re.search(r'data-body="([^"]*)"', page).group(1)
    assert html_lib.unescape(body) == f"Hi {HOSTILE} (@evil_user), order {{order}}? ^0427"
    assert "<img src=x" not in body  # escaped in the attribute, never markup


def _mention_for_reply(mentions, make_employee, login):
    (mention_id,) = mentions("where is my parcel")
    agent = make_employee("0427")
    inbox.claim(mention_id, agent)
    login("0427")
    return mention_id


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("en", "The reply still has {order} to fill in"),
        ("ja", "返信に未記入の空欄 {order} が残っています"),
    ],
)
def test_the_page_refuses_a_reply_with_a_gap_and_says_which(
    client, mentions, make_employee, login, lang, sentence
):
    mention_id = _mention_for_reply(mentions, make_employee, login)
    token = csrf_from(client.get(f"/mentions/{mention_id}").text)
    answer = client.post(
        f"/mentions/{mention_id}/reply",
        data={"text": "Your order {order} ships today.", "csrf_token": token},
        headers={"Accept-Language": lang},
    )
    assert answer.status_code == 422
    assert sentence in html_lib.unescape(answer.text)
    assert "Your order {order} ships today." in html_lib.unescape(answer.text)  # the draft stays
    assert db.session.scalar(sa.select(sa.func.count(Reply.id))) == 0
    assert db.session.get(Mention, mention_id).status.value == "open"


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("en", "The reply still has {order}, ｛note｝ to fill in"),
        ("ja", "返信に未記入の空欄 {order}, ｛note｝ が残っています"),
    ],
)
def test_the_api_refuses_a_reply_with_a_gap(mentions, make_employee, client, lang, sentence):
    from helpdesk.services.employees import create_token

    (mention_id,) = mentions("where is my parcel")
    token = create_token(make_employee("0427"))
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": lang}
    text = {"text": "Order {order} ships today. ｛note｝", "confirm_warnings": True}
    answer = client.post(f"/api/v1/mentions/{mention_id}/replies", json=text, headers=headers)
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["code"] == "unfilled_gap"
    assert error["gaps"] == ["{order}", "｛note｝"]
    assert error["message"].startswith(sentence)
    assert [v["rule"] for v in error["violations"]] == ["unfilled_gap"]
    assert db.session.scalar(sa.select(sa.func.count(Reply.id))) == 0
    # The live check says so before sending: not valid, the gap named.
    preview = client.post(
        "/api/v1/replies/preview",
        json={"text": text["text"], "mention_id": mention_id},
        headers=headers,
    ).get_json()
    assert preview["valid"] is False
    assert preview["violations"][0]["rule"] == "unfilled_gap"
    assert preview["violations"][0]["severity"] == "block"
    # Filled in, the same reply goes through.
    filled = {"text": "Order A-1234 ships today.", "confirm_warnings": True}
    sent = client.post(f"/api/v1/mentions/{mention_id}/replies", json=filled, headers=headers)
    assert sent.status_code == 202, sent.get_json()


def test_a_canned_reply_may_hold_gaps(client, make_employee):
    """The gap is refused in a reply, not in the canned reply that leaves it."""
    boss = make_employee("0002", role="supervisor")
    canned = create_canned("Order", "ご注文番号 {order} を確認します", "ja", actor=boss)
    assert canned.body == "ご注文番号 {order} を確認します"


# --- the customer's earlier conversations ----------------------------------------------------


def test_earlier_conversations_of_the_same_customer_are_beside_the_composer(
    client, mentions, make_employee, login
):
    first = mentions("my camera broke last week", username="hanako_t", name="花子")[-1]
    mentions("unrelated question", username="someone_else", name="Other")
    ids = mentions("now the charger is missing", username="hanako_t", name="花子")
    current = ids[-1]
    agent = make_employee("0427")
    inbox.claim(first, agent)
    from helpdesk.services import replies

    replies.create_reply(first, agent, "We are sorry; a DM is on its way.")
    login("0427")
    page = client.get(f"/mentions/{current}", headers={"Accept-Language": "en"}).text
    section = page.split('data-testid="customer-history"', 1)[1].split("</section>", 1)[0]
    assert "Earlier conversations with this customer" in page
    assert re.findall(r'data-history-id="(\d+)"', section) == [str(first)]
    assert "my camera broke last week" in section
    assert "We are sorry; a DM is on its way." in section
    assert "unrelated question" not in section
    # The first mention's own page has no earlier conversation to show.
    assert 'data-testid="customer-history"' not in client.get(f"/mentions/{first}").text
