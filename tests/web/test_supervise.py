"""The supervisors' pages: access, the queue's forms, approvals, failed replies, coverage charts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Escalation, EscalationStatus, IngestRun, Mention, Reply, ReplyStatus
from helpdesk.models.types import utcnow
from helpdesk.services import escalation, replies
from helpdesk.services.errors import ServiceError
from tests.support.web import post_form

HOSTILE = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


def test_agents_get_403_and_no_link(client, make_employee, login):
    """An agent is refused every supervisor page and sees no Supervise link."""
    make_employee("0427")
    login("0427")
    assert 'id="nav-supervise"' not in client.get("/inbox").text
    for path in ("/supervise/", "/supervise/coverage", "/supervise/coverage?period=7d"):
        assert client.get(path).status_code == 403
    assert client.post("/supervise/escalations/1/resolve", data={"note": "x"}).status_code in (
        400,
        403,
    )


def test_anonymous_visitors_are_sent_to_sign_in(client, app):
    """Without a session the pages redirect to the login form."""
    response = client.get("/supervise/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_desk_page_escapes_customer_text_everywhere(
    app, client, x, supervisor, make_employee, mentions
):
    """Hostile tweet text, names, reasons and X errors render as text in every section."""
    trainee, agent = make_employee("0201", role="trainee"), make_employee("0427")
    queued_id, pending_id, failed_id = mentions(HOSTILE, HOSTILE, HOSTILE, name=HOSTILE)
    escalation.escalate(queued_id, agent, HOSTILE)
    replies.create_reply(pending_id, trainee, "Thank you, checking.")
    failed = replies.create_reply(failed_id, agent, "We will DM you.")
    db.session.execute(
        sa.update(Reply)
        .where(Reply.id == failed.id)
        .values(status=ReplyStatus.FAILED, last_error=HOSTILE)
    )
    db.session.commit()
    html = client.get("/supervise/").text
    assert 'id="nav-supervise"' in html
    assert "<img" not in html and ESCAPED in html
    assert 'data-escalation-id="' in html and f'href="/mentions/{queued_id}"' in html
    assert html.count(ESCAPED) >= 5  # name and text in the queue, reason, both reply quotes, error
    assert "Thank you, checking. ^0201" in html and "We will DM you. ^0427" in html
    assert "<script>" not in html


def test_the_desk_counts_say_when_more_replies_wait_than_it_lists(
    client, supervisor, make_employee, mentions, monkeypatch
):
    """The failed and waiting lists show DESK_LIST rows; their counts say "N+" beyond it."""
    from helpdesk.services import supervision

    trainee, agent = make_employee("0201", role="trainee"), make_employee("0427")
    ids = mentions(*(f"help {n}" for n in range(6)))
    for mention_id in ids[:3]:
        replies.create_reply(mention_id, trainee, "Checking for you.")
    for mention_id in ids[3:]:
        made = replies.create_reply(mention_id, agent, "We will DM you.")
        db.session.execute(
            sa.update(Reply).where(Reply.id == made.id).values(status=ReplyStatus.FAILED)
        )
    db.session.commit()

    def counts() -> list[str]:
        return re.findall(
            r'-title">[^<]*<span class="count">([^<]*)</span>', client.get("/supervise/").text
        )

    assert counts()[-2:] == ["3", "3"]  # waiting, failed
    monkeypatch.setattr(supervision, "DESK_LIST", 2)
    assert counts()[-2:] == ["2+", "2+"]
    state = supervision.desk_state()
    assert len(state.failed_replies) == len(state.pending_replies) == 2
    assert state.more_failed and state.more_pending
    assert not supervision.desk_state(limit=3).more_failed


def test_assign_and_resolve_through_the_queue(client, supervisor, make_employee, mentions):
    """The row forms assign an escalation and resolve it with a note; errors are explained."""
    agent = make_employee("0427")
    (mention_id,) = mentions("please call me")
    raised = escalation.escalate(mention_id, agent, "wants a call")
    path = f"/supervise/escalations/{raised.id}"
    unknown = post_form(client, f"{path}/assign", {"employee": "9999"})
    assert unknown.status_code == 400 and "There is no employee with that number." in unknown.text
    done = post_form(client, f"{path}/assign", {"employee": "0427"})
    assert done.status_code == 302
    assert "Assigned to 0427" in client.get("/supervise/", headers={"Accept-Language": "en"}).text
    assert post_form(client, f"{path}/resolve", {"note": ""}).status_code == 400
    assert post_form(client, f"{path}/resolve", {"note": "Called back."}).status_code == 302
    db.session.expire_all()
    stored = db.session.get(Escalation, raised.id)
    assert stored.status is EscalationStatus.RESOLVED and stored.resolution == "Called back."
    again = post_form(client, f"{path}/resolve", {"note": "again"})
    assert again.status_code == 409 and "already resolved" in again.text
    resolved_page = client.get("/supervise/?status=resolved").text
    assert "Called back." in resolved_page
    assert client.get("/supervise/?status=bogus").status_code == 400


def test_approve_and_reject_trainee_replies(app, client, supervisor, make_employee, mentions):
    """Approve queues the trainee's reply; reject needs a reason and keeps the mention open."""
    trainee = make_employee("0201", role="trainee")
    first, second = mentions("question one", "question two")
    good = replies.create_reply(first, trainee, "Here is the answer.")
    bad = replies.create_reply(second, trainee, "Hmm.")
    assert post_form(client, f"/supervise/replies/{good.id}/approve").status_code == 302
    assert (
        post_form(client, f"/supervise/replies/{bad.id}/reject", {"reason": ""}).status_code == 400
    )
    rejected = post_form(client, f"/supervise/replies/{bad.id}/reject", {"reason": "Too short"})
    assert rejected.status_code == 302
    db.session.expire_all()
    assert db.session.get(Reply, good.id).status is ReplyStatus.QUEUED
    assert db.session.get(Reply, bad.id).status is ReplyStatus.REJECTED
    again = post_form(client, f"/supervise/replies/{good.id}/approve")
    assert again.status_code == 409 and "no longer waiting" in again.text


def test_budget_and_unrepaired_gaps_are_shown(app, client, supervisor, mentions):
    """The posting budget and an ingest gap that could not be repaired are on the page."""
    from helpdesk.services import budget

    mentions("hello")
    budget.exhausted_until(utcnow() + timedelta(minutes=10))
    account_id = db.session.scalar(sa.select(Mention.brand_account_id))
    db.session.add(
        IngestRun(
            brand_account_id=account_id,
            gap_detected=True,
            gap_repaired=False,
            error="search failed",
        )
    )
    db.session.commit()
    html = client.get("/supervise/", headers={"Accept-Language": "en"}).text
    assert "0 posts left" in html
    assert "these gaps could not be repaired" in html and "search failed" in html
    assert len(re.findall(r"data-gap-run=", html)) == 1


def test_escalate_from_the_mention_page(client, make_employee, login, mentions):
    """An agent escalates with a reason on the mention page; a second try explains the 409."""
    make_employee("0427")
    login("0427")
    (mention_id,) = mentions("I want to talk to someone in charge")
    page = client.get(f"/mentions/{mention_id}").text
    assert 'id="escalate-button"' in page
    path = f"/mentions/{mention_id}/escalate"
    empty = post_form(client, path, {"escalate-reason": ""}, page=f"/mentions/{mention_id}")
    assert empty.status_code == 400
    done = post_form(
        client, path, {"escalate-reason": "Asks for a manager"}, page=f"/mentions/{mention_id}"
    )
    assert done.status_code == 302
    shown = client.get(f"/mentions/{mention_id}", headers={"Accept-Language": "en"}).text
    assert "Escalated: Asks for a manager" in shown and 'id="escalate-button"' not in shown
    twice = post_form(client, path, {"escalate-reason": "again"}, page=f"/mentions/{mention_id}")
    assert twice.status_code == 409 and "already escalated" in twice.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Escalation)) == 1


def test_coverage_page_has_chart_data_and_tables_without_script(
    client, supervisor, make_employee, mentions
):
    """Today, 7 days and a custom range render figures, per-hour chart data as JSON (drawn by a
    static script) with a table of the numbers and a CSV link each, and no inline script."""
    agent = make_employee("0427")
    first, second = mentions("one", "two")
    replies.create_reply(first, agent, "Answered.")
    with pytest.raises(ServiceError):  # a refused submit the page counts per rule
        replies.create_reply(second, agent, "Strictly confidential.")
    for query in ("", "?period=today", "?period=7d"):
        response = client.get(f"/supervise/coverage{query}", headers={"Accept-Language": "en"})
        assert response.status_code == 200
        html = response.text
        assert 'data-chart="volume"' in html and 'data-chart="rate"' in html
        assert '<script type="application/json" id="chart-volume-data">' in html
        assert html.count("<td>") >= 2 * 24 * 3  # each chart's hours as a table too
        assert "/supervise/coverage/figures/volume.csv?" in html
        assert "/supervise/coverage/figures/rate.csv?" in html
        assert 'data-figure="total">2<' in html
        assert 'data-rule="banned_term"' in html and "Guideline rules fired" in html
        body = html.split("</head>", 1)[1]
        assert body.count("<script") == body.count('<script type="application/json"')
    today = utcnow().date()
    custom = client.get(
        "/supervise/coverage",
        query_string={"period": "custom", "from": str(today - timedelta(days=3)), "to": str(today)},
    )
    assert custom.status_code == 200 and 'data-chart="volume"' in custom.text
    bad = client.get(
        "/supervise/coverage", query_string={"period": "custom", "from": "soon", "to": str(today)}
    )
    assert bad.status_code == 400 and 'data-chart="volume"' not in bad.text
    assert client.get("/supervise/coverage?period=year").status_code == 400


def test_supervise_pages_in_japanese(client, supervisor, mentions):
    """The pages speak Japanese by default."""
    mentions("hello")
    assert "エスカレーション" in client.get("/supervise/", headers={"Accept-Language": "ja"}).text
    page = client.get("/supervise/coverage", headers={"Accept-Language": "ja"}).text
    assert "対応率" in page and "ガイドラインの検出回数" in page


def test_the_queue_shows_a_step_at_a_time_in_order(client, supervisor, make_employee, mentions):
    """The queue lists its first QUEUE_STEP escalations, oldest customer first, with a link to
    the next step; the last step has no link; a bad ?limit= is a 400."""
    from helpdesk.supervise.escalations import QUEUE_STEP

    agent = make_employee("0427")
    ids = mentions(*(f"please help {n}" for n in range(QUEUE_STEP + 3)))
    for mention_id in ids:
        escalation.escalate(mention_id, agent, "needs a supervisor")
    first = client.get("/supervise/")
    rows = [int(m) for m in re.findall(r'data-mention-id="(\d+)"', first.text)]
    assert rows == ids[:QUEUE_STEP]
    more = re.search(r'href="([^"]+)" data-testid="queue-more"', first.text)
    assert more is not None
    rest = client.get(more.group(1).replace("&amp;", "&"))
    rows = [int(m) for m in re.findall(r'data-mention-id="(\d+)"', rest.text)]
    assert rows == ids
    assert 'data-testid="queue-more"' not in rest.text
    for bad in ("0", "-1", "abc", "١٢", "99999", "501"):
        assert client.get(f"/supervise/?limit={bad}").status_code == 400, bad
