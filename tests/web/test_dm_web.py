"""DMs in the web inbox: the kind filter and badge, answering a DM, moving a mention to DM."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Mention, Reply
from helpdesk.services.dms import ingest_dms
from helpdesk.services.ingest import ingest_mentions
from tests.support.app import run_jobs
from tests.support.web import csrf_from

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def agent(make_employee, login):
    """Agent 0427, signed in."""
    employee = make_employee("0427")
    login("0427")
    return employee


def desk(x) -> tuple[int, int]:
    x.mention("public question", username="hanako_t")
    x.dm(f"private {HOSTILE}", username="hanako_t")
    ingest_mentions()
    ingest_dms()
    post = db.session.scalar(sa.select(Mention.id).where(Mention.kind == "post"))
    dm = db.session.scalar(sa.select(Mention.id).where(Mention.kind == "dm"))
    return post, dm


def row_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-mention-id="(\d+)"', html)]


def test_the_inbox_filters_by_kind_and_badges_dms(client, agent, x):
    """?kind=dm lists DMs only, ?kind=post posts only; DMs carry a DM badge; bad kind 400."""
    post, dm = desk(x)
    page = client.get("/inbox")
    assert set(row_ids(page.text)) == {post, dm}
    assert page.text.count('data-testid="kind-dm"') == 1
    assert row_ids(client.get("/inbox?kind=dm").text) == [dm]
    assert row_ids(client.get("/inbox?kind=post").text) == [post]
    assert client.get("/inbox?kind=sms").status_code == 400
    assert HOSTILE not in page.text and "&lt;img src=x" in page.text


def test_a_dm_page_shows_one_time_line_and_answers_by_dm(client, agent, x, app):
    """The DM's page shows the customer's post and DM together; the reply goes as a DM."""
    post, dm = desk(x)
    page = client.get(f"/mentions/{dm}")
    assert "public question" in page.text and "&lt;img src=x" in page.text
    assert 'data-max="10000"' in page.text and "DMを送信" in page.text
    assert 'data-testid="move-to-dm"' not in page.text
    token = csrf_from(page.text)
    sent = client.post(
        f"/mentions/{dm}/reply", data={"csrf_token": token, "text": "03-1234-5678 へどうぞ"}
    )
    assert sent.status_code == 302
    run_jobs(app)
    assert [e["text"] for e in x.conversation("hanako_t") if e["sender"] == "brand"] == [
        "03-1234-5678 へどうぞ"
    ]
    after = client.get(f"/mentions/{dm}")
    assert "こちらのDM" in after.text


def test_an_over_long_dm_is_refused_with_the_limit(client, agent, x):
    """Over 10,000 characters: the page says the limit (422), nothing is queued."""
    _, dm = desk(x)
    token = csrf_from(client.get(f"/mentions/{dm}").text)
    refused = client.post(f"/mentions/{dm}/reply", data={"csrf_token": token, "text": "a" * 10_001})
    assert refused.status_code == 422
    assert "10000" in refused.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reply)) == 0


def test_move_to_dm_button_posts_the_invitation(client, agent, x, app):
    """The button queues the public invitation with X's DM link; the page says moved to DM."""
    post, _ = desk(x)
    page = client.get(f"/mentions/{post}", headers={"Accept-Language": "ja"})
    assert 'data-testid="move-to-dm"' in page.text
    moved = client.post(f"/mentions/{post}/move-to-dm", data={"csrf_token": csrf_from(page.text)})
    assert moved.status_code == 302
    run_jobs(app)
    posts = x.get("/_sandbox/tweets", author="brand").json()["data"]
    assert len(posts) == 1 and f"recipient_id={x.brand_id}" in posts[0]["text"]
    assert 'data-testid="moved-to-dm"' in client.get(f"/mentions/{post}").text


def test_move_to_dm_on_a_dm_is_refused_in_the_readers_language(client, agent, x):
    """Posting the form for a DM item answers 409 with the catalogue's sentence (ja)."""
    post, dm = desk(x)
    token = csrf_from(client.get(f"/mentions/{post}").text)
    refused = client.post(f"/mentions/{dm}/move-to-dm", data={"csrf_token": token})
    assert refused.status_code == 409 and "これはすでにDMです。" in refused.text


def test_supervisors_see_a_failed_dm_with_xs_reason_and_the_number(
    client, make_employee, login, x, app
):
    """A DM to a customer who closed DMs: failed, shown to supervisors as a DM by 0427."""
    from helpdesk.services import replies

    agent = make_employee("0427")
    make_employee("0002", role="supervisor")
    _, dm = desk(x)
    x.post("/_sandbox/users/hanako_t", {"accepts_dms": False})
    replies.create_reply(dm, agent, "ご確認します")
    run_jobs(app)
    login("0002")
    page = client.get("/supervise/", headers={"Accept-Language": "en"})
    assert 'data-testid="failed-dm"' in page.text
    assert "cannot send messages to this user" in page.text and "0427" in page.text
    assert db.session.get(Mention, dm).status.value == "open"


def test_links_keep_status_all_and_the_kind(client, agent, x):
    """The pager and filter links keep ?status=all (a value, not the kind's default)."""
    desk(x)
    page = client.get("/inbox?status=all&kind=dm")
    assert 'href="/inbox?status=all&amp;kind=post"' in page.text
    assert 'href="/inbox?status=all"' in page.text  # kind=all is the default: left out
