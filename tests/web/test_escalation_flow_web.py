"""The escalation queue's answer / resolve flow over HTTP: forms, the API, and what it shows."""

from __future__ import annotations

from helpdesk.extensions import db
from helpdesk.models import Escalation, EscalationStatus, Mention, MentionStatus
from helpdesk.models.types import utcnow
from helpdesk.services import escalation, inbox, replies
from tests.support.web import csrf_from, post_form

HOSTILE = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


def reloaded(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def test_answer_it_myself_claims_and_opens_the_composer(
    client, supervisor, make_employee, mentions
):
    """The queue's button assigns the escalation to the supervisor and lands on the reply form."""
    agent = make_employee("0427")
    (mention_id,) = mentions("my tv is broken")
    raised = escalation.escalate(mention_id, agent, "expensive repair")
    page = client.get("/supervise/").text
    assert 'data-testid="take-escalation"' in page
    response = post_form(client, f"/supervise/escalations/{raised.id}/take")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/mentions/{mention_id}#composer")
    assert reloaded(Escalation, raised.id).assigned_to.number == "0002"
    assert reloaded(Mention, mention_id).claim_holder(utcnow()).number == "0002"
    composer = client.get(f"/mentions/{mention_id}").text
    assert 'id="composer"' in composer and 'id="send-button"' in composer


def test_the_queue_shows_the_reply_on_its_way_and_who_is_working(
    client, supervisor, make_employee, mentions
):
    """A row tells the supervisor what happened since: the claim holder, the reply's status."""
    agent = make_employee("0427")
    waiting, answered = mentions("where is my parcel", "refund?")
    escalation.escalate(waiting, agent, "late parcel")
    inbox.claim(waiting, make_employee("0428"))
    escalation.escalate(answered, agent, "refund")
    replies.create_reply(answered, agent, "Refunded today.")
    page = client.get("/supervise/", headers={"Accept-Language": "en"}).text
    assert "Employee 0428 is working on this." in page
    assert "Reply by 0427:" in page and "queued" in page


def test_resolve_with_the_box_ticked_closes_the_mention(
    client, supervisor, make_employee, mentions
):
    """The resolve form's checkbox closes the mention without a reply, the note as its reason."""
    agent = make_employee("0427")
    (mention_id,) = mentions("just saying hi")
    raised = escalation.escalate(mention_id, agent, "no question here")
    response = post_form(
        client,
        f"/supervise/escalations/{raised.id}/resolve",
        {"note": "Greeting, nothing to answer.", "dismiss": "y"},
    )
    assert response.status_code == 302
    flashed = client.get("/supervise/", headers={"Accept-Language": "en"}).text
    assert "Escalation resolved and the mention closed without a reply." in flashed
    closed = reloaded(Mention, mention_id)
    assert closed.status is MentionStatus.DISMISSED
    assert closed.close_reason == "Greeting, nothing to answer."


def test_a_refused_dismissal_shows_who_holds_the_claim(client, supervisor, make_employee, mentions):
    """The supervisor cannot close a mention a colleague is answering: 409, named, nothing lost."""
    (mention_id,) = mentions("is this in stock")
    raised = escalation.escalate(mention_id, supervisor, "stock check")
    inbox.claim(mention_id, make_employee("0427"))
    response = post_form(
        client, f"/supervise/escalations/{raised.id}/resolve", {"note": "skip", "dismiss": "y"}
    )
    assert response.status_code == 409
    assert "Employee 0427 is working on this." in response.text
    assert reloaded(Escalation, raised.id).status is EscalationStatus.OPEN


def test_an_agent_is_told_why_an_escalated_mention_cannot_be_dismissed(
    client, make_employee, login, mentions
):
    """The inbox answers the agent's dismissal with the reason, in their language."""
    agent = make_employee("0427")
    login("0427")
    (mention_id,) = mentions("scam?")
    escalation.escalate(mention_id, agent, "unsure")
    token = csrf_from(client.get(f"/mentions/{mention_id}").text)
    response = client.post(
        f"/mentions/{mention_id}/dismiss",
        data={"reason": "spam", "csrf_token": token},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 409
    assert "a supervisor decides whether to close it" in response.text
    assert reloaded(Mention, mention_id).status is MentionStatus.OPEN


def test_the_api_takes_and_resolves_with_dismiss(api_as, make_employee, mentions):
    """POST /escalations/<id>/take and /resolve {"dismiss": true}; bad values are a 400."""
    agent = make_employee("0427")
    boss = api_as("0002", role="supervisor")
    first, second = mentions("a", "b")
    one = escalation.escalate(first, agent, "why")
    two = escalation.escalate(second, agent, "why")
    taken = boss.post(f"/escalations/{one.id}/take")
    assert taken.status_code == 200
    assert taken.get_json()["escalation"]["assigned_to"] == "0002"
    assert taken.get_json()["escalation"]["mention"]["claimed_by"] == "0002"
    bad = boss.post(f"/escalations/{two.id}/resolve", {"note": "x", "dismiss": "yes"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_dismiss"
    done = boss.post(f"/escalations/{two.id}/resolve", {"note": "Spam.", "dismiss": True})
    assert done.status_code == 200
    assert done.get_json()["escalation"]["status"] == "resolved"
    assert done.get_json()["escalation"]["mention"]["status"] == "dismissed"
    agent_api = api_as("0428")
    assert agent_api.post(f"/escalations/{one.id}/take").status_code == 403


def test_settled_notes_with_hostile_reasons_render_as_text(
    client, supervisor, make_employee, mentions
):
    """A dismissal reason written into the settled note is escaped on the resolved list."""
    agent = make_employee("0427")
    (mention_id,) = mentions("hello")
    escalation.escalate(mention_id, agent, "check")
    inbox.dismiss(mention_id, supervisor, HOSTILE)
    page = client.get("/supervise/?status=resolved").text
    assert ESCAPED in page and HOSTILE not in page
