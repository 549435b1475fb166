"""A reply held by X's posting limit says so, with the time, on every page that shows it."""

from __future__ import annotations

from html import unescape
from zoneinfo import ZoneInfo

from helpdesk.extensions import db
from helpdesk.models import Reply
from helpdesk.services import escalation, replies
from tests.support.app import run_jobs


def held_reply(app, x, mention_id, author, approver=None):
    """A reply that met X's 429 through the real worker; the desk's HH:MM of its reset."""
    x.fault(status=429, count=1, path="/2/tweets", method="POST")
    reply = replies.create_reply(mention_id, author, "We will check your order.")
    if approver is not None:
        replies.approve(reply.id, approver)
    run_jobs(app)
    stored = db.session.get(Reply, reply.id)
    zone = ZoneInfo(app.config["HELPDESK"].timezone)
    return stored, stored.not_before.astimezone(zone).strftime("%H:%M")


def test_the_mention_page_says_the_reply_waits_for_x_until_the_reset(
    app, x, client, make_employee, mentions, login
):
    """The agent's mention page says "waiting for X's posting limit until HH:MM" (en and ja)."""
    agent = make_employee("0427")
    (mention_id,) = mentions("where is my parcel")
    _, at = held_reply(app, x, mention_id, agent)
    login("0427")
    page = client.get(f"/mentions/{mention_id}", headers={"Accept-Language": "en"}).text
    assert f"waiting for X's posting limit until {at}" in unescape(page)
    page = client.get(f"/mentions/{mention_id}", headers={"Accept-Language": "ja"}).text
    assert f"Xの投稿上限のため {at} まで待機中" in page


def test_the_trainee_sees_why_the_approved_reply_waits(
    app, x, client, make_employee, mentions, login
):
    """A trainee's approved reply held by X's 429 shows the wait on the trainee's view."""
    trainee = make_employee("0901", role="trainee")
    boss = make_employee("0003", role="supervisor")
    (mention_id,) = mentions("refund?")
    _, at = held_reply(app, x, mention_id, trainee, approver=boss)
    login("0901")
    page = client.get(f"/mentions/{mention_id}", headers={"Accept-Language": "en"}).text
    assert f"waiting for X's posting limit until {at}" in unescape(page)


def test_the_supervisors_desk_says_the_reply_waits_for_x(
    app, x, client, supervisor, make_employee, mentions
):
    """The desk's row for an escalated mention shows the reply's wait and its end."""
    agent = make_employee("0427")
    (mention_id,) = mentions("my tv is broken")
    escalation.escalate(mention_id, agent, "expensive repair")
    _, at = held_reply(app, x, mention_id, supervisor)
    page = client.get("/supervise/", headers={"Accept-Language": "en"}).text
    assert f"waiting for X's posting limit until {at}" in unescape(page)
