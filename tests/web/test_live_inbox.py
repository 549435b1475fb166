"""The inbox's live rows: ETag and 304 on a quiet desk, rows that come and go, filters, access."""

from __future__ import annotations

import re

import pytest

from helpdesk.services import inbox, live_inbox
from tests.web.test_query_counts import counted


def row_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-mention-id="(\d+)"', html)]


@pytest.fixture
def agent(make_employee, login):
    """Agent 0427, signed in."""
    employee = make_employee("0427")
    login("0427")
    return employee


def test_a_quiet_desk_answers_304_without_sql(app, client, agent, mentions):
    """The second poll with the first one's ETag is a 304 that runs no statement but the login's."""
    ids = mentions("one", "two")
    first = client.get("/inbox/live")
    assert first.status_code == 200
    assert first.headers["X-Inbox-Rows"] == "2"
    assert row_ids(first.text) == ids
    etag = first.headers["ETag"]
    with counted(app) as seen:
        again = client.get("/inbox/live", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["ETag"] == etag
    assert again.data == b""
    assert not any("mentions" in statement for statement in seen)
    assert len(seen) <= 1  # the signed-in employee's row


def test_a_claim_or_an_ingest_moves_the_etag_and_the_rows(client, agent, mentions, make_employee):
    """An ingest and a claim each change the ETag and the rows; a dismissed row leaves."""
    (first_id,) = mentions("first")
    etag = client.get("/inbox/live").headers["ETag"]
    ids = mentions("second")
    changed = client.get("/inbox/live", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert row_ids(changed.text) == ids
    etag = changed.headers["ETag"]
    inbox.claim(first_id, agent)
    mine = client.get("/inbox/live?status=mine")
    assert row_ids(mine.text) == [first_id]
    claimed = client.get("/inbox/live", headers={"If-None-Match": etag})
    assert claimed.status_code == 200
    assert 'class="holder-number">0427<' in claimed.text
    inbox.dismiss(ids[1], make_employee("0428"), "spam")
    assert row_ids(client.get("/inbox/live").text) == [first_id]
    assert client.get("/inbox/live?status=dismissed").headers["X-Inbox-Rows"] == "1"


def test_the_version_moves_once_per_commit_that_touches_mentions(app, agent, mentions):
    """Ingest and a claim each bump the counter after their commit; a read does not."""
    before = live_inbox.version()
    (mention_id,) = mentions("hello")
    after_ingest = live_inbox.version()
    assert after_ingest > before
    inbox.list_mentions("open", limit=5)
    assert live_inbox.version() == after_ingest
    inbox.claim(mention_id, agent)
    assert live_inbox.version() == after_ingest + 1


def test_filters_are_respected_and_bad_ones_refused(client, agent, mentions):
    """Search and sort apply to the live rows as to the page; an unknown filter is a 400."""
    mentions("where is my parcel", "the app crashes")
    live = client.get("/inbox/live?q=parcel")
    assert "where is my parcel" in live.text and "the app crashes" not in live.text
    newest = client.get("/inbox/live?sort=newest")
    assert newest.text.index("the app crashes") < newest.text.index("where is my parcel")
    assert client.get("/inbox/live?status=nope").status_code == 400
    assert client.get("/inbox/live?kind=fax").status_code == 400


def test_each_employee_has_their_own_etag(client, mentions, make_employee, login):
    """'Mine' differs per employee, so one employee's ETag never answers 304 to another."""
    make_employee("0427")
    make_employee("0201", role="trainee")
    (mention_id,) = mentions("help")
    login("0427")
    etag = client.get("/inbox/live?status=mine").headers["ETag"]
    client.delete_cookie("session")
    login("0201")
    response = client.get("/inbox/live?status=mine", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["X-Inbox-Rows"] == "0"
    assert row_ids(client.get("/inbox/live").text) == [mention_id]  # a trainee sees the desk


def test_signed_out_polls_are_sent_to_login(client, mentions):
    """Without a session the live rows are not served."""
    mentions("secret")
    response = client.get("/inbox/live")
    assert response.status_code in (302, 401)
    assert "secret" not in response.text


def test_customer_text_in_live_rows_is_escaped(client, agent, mentions):
    """Markup in a tweet arrives in the fragment as text."""
    mentions("<img src=x onerror=alert(1)>", name="<b>x</b>")
    html = client.get("/inbox/live").text
    assert "<img" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_open_rows_and_the_mention_page_show_the_sla_countdown(client, agent, mentions):
    """An open row shows the time left to its SLA; an answered one none."""
    ids = mentions("late", "fine")
    html = client.get("/inbox", headers={"Accept-Language": "en"}).text
    assert html.count('data-testid="sla"') == 2
    assert re.search(r'data-sla-due="[0-9T:.\-]+Z?"[^>]*>\d+:\d\d(:\d\d)? left<', html)
    inbox.dismiss(ids[0], agent, "spam")
    assert client.get("/inbox/live?status=all").text.count('data-testid="sla"') == 1
    page = client.get(f"/mentions/{ids[1]}").text
    assert 'data-testid="sla"' in page and "sla.js" in page


def test_the_countdown_turns_overdue_past_the_due_time(app, agent, mentions):
    """Before the due time the countdown says what is left; after it, overdue."""
    from datetime import timedelta

    from helpdesk.services import escalation
    from helpdesk.services import mentions as mention_service
    from helpdesk.web.sla import countdown

    (mention_id,) = mentions("hurry")
    mention = mention_service.get_mention(mention_id)
    due = escalation.due_at(mention)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        early = countdown(mention, due - timedelta(minutes=5))
        late = countdown(mention, due + timedelta(seconds=1))
    assert (early.overdue, early.remaining, early.text) == (False, 300, "5:00 left")
    assert (late.overdue, late.text) == (True, "overdue")
