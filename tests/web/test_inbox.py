"""The inbox and a mention's page: listing, filters, search, paging, claims, replies, dismissal."""

from __future__ import annotations

import re

import pytest

from helpdesk.extensions import db
from helpdesk.services import inbox
from helpdesk.services.employees import find_employee
from tests.support.app import run_jobs
from tests.support.web import csrf_from

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def agent(make_employee, login):
    """Agent 0427, signed in."""
    employee = make_employee("0427")
    login("0427")
    return employee


def row_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-mention-id="(\d+)"', html)]


def post_form(client, path: str, data: dict | None = None, lang: str = "en"):
    """POST a form on `path`'s page the way a browser does, with its CSRF token."""
    token = csrf_from(client.get(path.rsplit("/", 1)[0] if "/mentions/" in path else "/").text)
    return client.post(
        path, data={**(data or {}), "csrf_token": token}, headers={"Accept-Language": lang}
    )


def test_inbox_lists_open_mentions_oldest_first_and_can_sort_newest(client, agent, mentions):
    """The default order is oldest first; sort=newest reverses it."""
    ids = mentions("first question", "second question", "third question")
    page = client.get("/inbox")
    assert row_ids(page.text) == ids
    assert "@hanako_t" in page.text and "田中 花子" in page.text
    assert row_ids(client.get("/inbox?sort=newest").text) == ids[::-1]
    assert row_ids(client.get("/").text) == ids


def test_filters_show_mine_answered_dismissed_and_all(client, agent, mentions):
    """Each filter shows only its mentions."""
    ids = mentions("one", "two", "three")
    inbox.claim(ids[0], agent)
    inbox.dismiss(ids[1], agent, "spam")
    assert row_ids(client.get("/inbox?status=mine").text) == [ids[0]]
    assert row_ids(client.get("/inbox?status=dismissed").text) == [ids[1]]
    assert row_ids(client.get("/inbox?status=answered").text) == []
    assert row_ids(client.get("/inbox?status=all").text) == ids[::-1]  # newest first
    assert client.get("/inbox?status=bogus").status_code == 400


def test_search_finds_text_and_username(client, agent, mentions):
    """The search box matches the tweet text and the customer's username."""
    mentions("my router is broken", username="alice")
    mentions("when do you open?", username="bobstore")
    assert len(row_ids(client.get("/inbox?q=router").text)) == 1
    found = client.get("/inbox?q=%40bobst")  # "@bobst", as an agent would type it
    assert len(row_ids(found.text)) == 1 and "@bobstore" in found.text


def test_keyset_paging_follows_the_next_link(client, agent, mentions):
    """30 mentions come on two pages through the next link, each exactly once."""
    ids = mentions(*(f"question {n}" for n in range(30)))
    first = client.get("/inbox")
    link = re.search(r'rel="next" class="next" href="([^"]+)"', first.text)
    assert link, "no next link"
    second = client.get(link.group(1).replace("&amp;", "&"))
    assert row_ids(first.text) + row_ids(second.text) == ids
    assert 'rel="next"' not in second.text


def test_a_forged_cursor_is_a_400(client, agent, mentions):
    """A cursor the inbox did not issue (an internal id, junk) is refused with a 400."""
    mentions("one", "two")
    for cursor in ("1", "Zm9v", "%ff"):
        assert client.get(f"/inbox?cursor={cursor}").status_code == 400, cursor


def test_customer_text_and_names_are_escaped_everywhere(client, agent, mentions):
    """Markup in a tweet, a display name or a dismissal reason is shown as text."""
    (mention_id,) = mentions(HOSTILE, name=HOSTILE, username="mallory")
    inbox.dismiss(mention_id, agent, HOSTILE)
    for path in ("/inbox?status=all", f"/mentions/{mention_id}"):
        html = client.get(path).text
        assert "<img" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_live_poll_reports_who_holds_each_mention(client, agent, mentions, make_employee):
    """The inbox's live rows name the claim holder of every row on the page."""
    ids = mentions("one", "two")
    inbox.claim(ids[1], make_employee("0501"))
    html = client.get("/inbox/live?status=open").text
    rows = dict(re.findall(r'data-mention-id="(\d+)".*?data-holder>(.*?)</td>', html, re.S))
    assert "0501" not in rows[str(ids[0])]
    assert 'class="holder-number">0501<' in rows[str(ids[1])]


def test_mention_page_shows_the_conversation_with_our_earlier_replies(app, client, agent, mentions):
    """Earlier mentions by the customer and our replies to them appear on the page."""
    from helpdesk.services.replies import create_reply

    (earlier,) = mentions("my order has not arrived")
    create_reply(earlier, agent, "Sorry to hear that, we are checking.")
    run_jobs(app)
    ids = mentions("still nothing, any news?")
    html = client.get(f"/mentions/{ids[-1]}").text
    assert "my order has not arrived" in html
    assert "Sorry to hear that, we are checking. ^0427" in html
    assert "still nothing, any news?" in html
    assert (
        html.index("my order has not arrived")
        < html.index("Sorry to hear")
        < html.index("still nothing")
    )


def test_claim_and_release(client, agent, mentions):
    """Claiming shows me as the holder; releasing frees the mention."""
    (mention_id,) = mentions("help")
    response = post_form(client, f"/mentions/{mention_id}/claim")
    assert response.status_code == 302
    assert inbox.get_mention(mention_id).claimed_by_id == agent.id
    assert (
        "You are working on this until"
        in client.get(f"/mentions/{mention_id}", headers={"Accept-Language": "en"}).text
    )
    assert post_form(client, f"/mentions/{mention_id}/release").status_code == 302
    db.session.expire_all()
    assert inbox.get_mention(mention_id).claimed_by_id is None


@pytest.mark.parametrize(
    ("lang", "message"),
    [("en", "Employee 0427 is working on this."), ("ja", "社員 0427 が対応中です。")],
)
def test_a_claim_held_by_someone_else_is_a_409_naming_them(
    client, make_employee, login, mentions, lang, message
):
    """A second agent's claim is refused in the page, naming the holder in their language."""
    first = make_employee("0427")
    make_employee("0501")
    (mention_id,) = mentions("help")
    inbox.claim(mention_id, first)
    login("0501")
    response = post_form(client, f"/mentions/{mention_id}/claim", lang=lang)
    assert response.status_code == 409
    assert 'data-testid="refusal"' in response.text and message in response.text
    db.session.expire_all()
    assert inbox.get_mention(mention_id).claimed_by_id == first.id


def test_claim_without_csrf_token_is_refused(client, agent, mentions):
    """A cross-site form cannot claim on the agent's behalf."""
    (mention_id,) = mentions("help")
    assert client.post(f"/mentions/{mention_id}/claim").status_code == 400
    assert inbox.get_mention(mention_id).claimed_by_id is None


def test_reply_is_queued_then_posted(app, client, agent, mentions, x):
    """The composer's reply goes to the outbox, then to X, and the page shows each state."""
    (mention_id,) = mentions("where is my parcel?")
    response = post_form(client, f"/mentions/{mention_id}/reply", {"text": "It left today."})
    assert response.status_code == 302
    page = client.get(f"/mentions/{mention_id}", headers={"Accept-Language": "en"}).text
    assert "It left today. ^0427" in page and 'data-reply-status="queued"' in page
    assert 'id="composer"' not in page  # one reply per mention
    run_jobs(app)
    page = client.get(f"/mentions/{mention_id}").text
    assert 'data-reply-status="posted"' in page
    posted = x.get("/_sandbox/tweets", author="brand").json()
    assert any(t["text"] == "It left today. ^0427" for t in posted["data"])


def test_guideline_blocks_are_shown_and_nothing_is_sent(client, agent, mentions):
    """A reply with an e-mail address is refused (422) with the finding shown."""
    (mention_id,) = mentions("help")
    response = post_form(
        client, f"/mentions/{mention_id}/reply", {"text": "Write to me at a.b@example.com"}
    )
    assert response.status_code == 422
    assert "finding-block" in response.text and "e-mail" in response.text
    assert "Write to me at a.b@example.com</textarea>" in response.text  # text kept
    assert inbox.replies_for([mention_id]) == []


def test_a_control_character_in_the_composer_is_refused(client, agent, mentions):
    """A NUL pasted into the composer is refused (422) with the finding, and nothing is sent."""
    (mention_id,) = mentions("help")
    response = post_form(client, f"/mentions/{mention_id}/reply", {"text": "Hello\x00 there"})
    assert response.status_code == 422
    assert "finding-block" in response.text and "U+0000" in response.text
    assert inbox.replies_for([mention_id]) == []


def test_guideline_warnings_need_the_send_anyway_box(client, agent, mentions):
    """A warning refuses the reply until "send anyway" is ticked."""
    (mention_id,) = mentions("help")
    text = "Our partner @otherbrand can help with that."
    refused = post_form(client, f"/mentions/{mention_id}/reply", {"text": text})
    assert refused.status_code == 422
    assert "finding-warn" in refused.text
    assert 'id="confirm-wrap" hidden' not in refused.text
    sent = post_form(
        client, f"/mentions/{mention_id}/reply", {"text": text, "confirm_warnings": "y"}
    )
    assert sent.status_code == 302
    assert len(inbox.replies_for([mention_id])) == 1


def test_dismiss_needs_a_reason(client, agent, mentions):
    """Dismissing without a reason is refused; with one it closes the mention."""
    (mention_id,) = mentions("spam spam")
    refused = post_form(client, f"/mentions/{mention_id}/dismiss", {"reason": "  "})
    assert refused.status_code == 400 and "Give a reason." in refused.text
    done = post_form(client, f"/mentions/{mention_id}/dismiss", {"reason": "spam"})
    assert done.status_code == 302 and done.headers["Location"] == "/inbox"
    db.session.expire_all()
    mention = inbox.get_mention(mention_id)
    assert mention.status.value == "dismissed" and mention.close_reason == "spam"


def test_trainees_cannot_dismiss(client, make_employee, login, mentions):
    """The dismiss form is not offered to trainees and the service refuses it anyway."""
    make_employee("0201", role="trainee")
    login("0201")
    (mention_id,) = mentions("help")
    page = client.get(f"/mentions/{mention_id}").text
    assert "/dismiss" not in page
    refused = post_form(client, f"/mentions/{mention_id}/dismiss", {"reason": "spam"})
    assert refused.status_code == 403


def test_unknown_mention_is_404(client, agent):
    """A mention id that does not exist is a plain 404 page."""
    assert client.get("/mentions/999999").status_code == 404


def test_api_accepts_the_session_but_writes_need_the_csrf_header(client, agent, mentions):
    """The page's scripts call the API with the session cookie; POSTs need X-CSRFToken."""
    (mention_id,) = mentions("help")
    assert client.get(f"/api/v1/mentions/{mention_id}").status_code == 200
    body = {"text": "Hello", "mention_id": mention_id}
    refused = client.post("/api/v1/replies/preview", json=body)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf_failed"
    token = csrf_from(client.get("/inbox").text)
    ok = client.post("/api/v1/replies/preview", json=body, headers={"X-CSRFToken": token})
    assert ok.status_code == 200 and ok.get_json()["text"] == "Hello ^0427"


def test_api_without_session_or_token_is_401(client, app):
    """Anonymous API calls get JSON 401."""
    assert client.get("/api/v1/mentions").status_code == 401
    assert client.post("/api/v1/replies/preview", json={"text": "x"}).status_code == 401


def test_the_employee_time_zone_is_used(client, agent, mentions):
    """Times show in the employee's zone (Asia/Tokyo by default, else their setting)."""
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from helpdesk.models import Mention

    (mention_id,) = mentions("help")
    # A fixed moment, so the check does not depend on the hour the suite runs at:
    # 07:05 UTC is 4:05 PM in Tokyo and 2:05 AM in New York (in January).
    db.session.execute(
        sa.update(Mention)
        .where(Mention.id == mention_id)
        .values(created_at=datetime(2026, 1, 15, 7, 5, tzinfo=UTC))
    )
    db.session.commit()
    html = client.get(f"/mentions/{mention_id}", headers={"Accept-Language": "en"}).text
    assert re.search(r"4:05\s*PM", html) and not re.search(r"2:05\s*AM", html)
    employee = find_employee("0427")
    employee.timezone = "America/New_York"
    db.session.commit()
    html = client.get(f"/mentions/{mention_id}", headers={"Accept-Language": "en"}).text
    assert re.search(r"2:05\s*AM", html) and not re.search(r"4:05\s*PM", html)
