"""The answer / manual escalation flow: hand-over, assignment with the claim, settling."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import (
    AuditEvent,
    Escalation,
    EscalationStatus,
    Mention,
    MentionStatus,
    ReplyStatus,
)
from helpdesk.models.types import utcnow
from helpdesk.services import audit, escalation, inbox, outbox, replies
from helpdesk.services.errors import Conflict, InvalidInput
from tests.services.test_escalation import ingest
from tests.support.app import run_jobs


def fresh(escalation_id: int) -> Escalation:
    db.session.expire_all()
    return db.session.get(Escalation, escalation_id)


def mention(mention_id: int) -> Mention:
    db.session.expire_all()
    return db.session.get(Mention, mention_id)


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    query = sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(db.session.scalars(query))


def test_escalating_the_mention_you_hold_hands_it_over(app, x, make_employee):
    """The claim holder who escalates lets go of the claim; the mention waits for supervisors."""
    agent = make_employee("0427")
    (mention_id,) = ingest(x, "I want to cancel my contract")
    inbox.claim(mention_id, agent)
    escalation.escalate(mention_id, agent, "cancellation over the phone only")
    held = mention(mention_id)
    assert held.claimed_by_id is None and held.claim_expires_at is None
    assert held.escalated_at is not None and held.status is MentionStatus.OPEN


def test_escalating_someone_elses_mention_leaves_their_claim(app, x, make_employee):
    """A colleague may raise a flag, but the agent working on it keeps working."""
    holder = make_employee("0427")
    colleague = make_employee("0428")
    (mention_id,) = ingest(x, "the charger smells of smoke")
    inbox.claim(mention_id, holder)
    escalation.escalate(mention_id, colleague, "safety")
    assert mention(mention_id).claim_holder(utcnow()).number == "0427"


def test_assigning_gives_the_assignee_the_claim_and_takes_it_from_the_holder(app, x, make_employee):
    """The assignee can reply at once; the previous holder cannot; the log says who lost it."""
    supervisor = make_employee("0002", role="supervisor")
    holder = make_employee("0427")
    assignee = make_employee("0430")
    (mention_id,) = ingest(x, "refund please")
    inbox.claim(mention_id, holder)
    raised = escalation.escalate(mention_id, make_employee("0431"), "refund over the limit")
    escalation.assign(raised.id, supervisor, "0430")
    assert mention(mention_id).claim_holder(utcnow()).number == "0430"
    with pytest.raises(Conflict) as refused:
        replies.create_reply(mention_id, holder, "Refund is on its way.")
    assert refused.value.code == "already_claimed" and refused.value.extra["claimed_by"] == "0430"
    (claimed,) = [e for e in events("mention.claimed") if '"assigned_by"' in e.details]
    assert claimed.actor_number == "0430"
    assert '"taken_from": "0427"' in claimed.details and '"assigned_by": "0002"' in claimed.details
    reply = replies.create_reply(mention_id, assignee, "We have refunded you in full.")
    assert reply.status is ReplyStatus.QUEUED


def test_take_assigns_the_escalation_to_the_supervisor_with_the_claim(app, x, make_employee):
    """ "Answer it myself": the supervisor holds the claim and the escalation is theirs."""
    supervisor = make_employee("0002", role="supervisor")
    agent = make_employee("0427")
    (mention_id,) = ingest(x, "your store manager was rude")
    raised = escalation.escalate(mention_id, agent, "complaint about staff")
    taken = escalation.take(raised.id, supervisor)
    assert taken.assigned_to.number == "0002"
    assert mention(mention_id).claim_holder(utcnow()).number == "0002"
    with pytest.raises(Exception) as refused:
        escalation.take(raised.id, agent)
    assert getattr(refused.value, "code", None) == "forbidden"


def test_a_queued_reply_settles_nothing_a_posted_one_settles_the_escalation(app, x, make_employee):
    """The escalation stays open while the reply can still fail, and closes once it is on X."""
    supervisor = make_employee("0002", role="supervisor")
    agent = make_employee("0427")
    (mention_id,) = ingest(x, "the heater sparked")
    raised = escalation.escalate(mention_id, agent, "safety")
    escalation.assign(raised.id, supervisor, "0427")
    reply = replies.create_reply(mention_id, agent, "Please unplug it; we will call you.")
    assert fresh(raised.id).status is EscalationStatus.OPEN  # only queued so far
    assert escalation.latest_replies([fresh(raised.id)])[mention_id].id == reply.id

    run_jobs(app)  # a real worker posts the reply to the sandbox
    settled = fresh(raised.id)
    assert settled.status is EscalationStatus.RESOLVED
    assert settled.resolved_by.number == "0427" and settled.resolved_at is not None
    posted = db.session.get(type(reply), reply.id)
    assert settled.resolution == f"Answered: reply #{reply.id} (tweet {posted.x_tweet_id}) posted."
    assert mention(mention_id).escalated_at is None
    (event,) = [e for e in events("escalation.resolved") if e.subject_id == str(raised.id)]
    assert '"settled": "answered"' in event.details and event.actor_number is None
    assert list(audit.broken_links()) == []


def test_a_failed_reply_leaves_the_escalation_open_with_the_mention(app, x, make_employee):
    """X refuses the reply for good: the mention is open again and still escalated."""
    agent = make_employee("0427")
    (mention_id,) = ingest(x, "my order never came")
    raised = escalation.escalate(mention_id, agent, "lost parcel")
    x.fault(status=403, count=1, path="/2/tweets", method="POST")
    replies.create_reply(mention_id, agent, "We are so sorry, checking now.")
    run_jobs(app)
    assert mention(mention_id).status is MentionStatus.OPEN
    assert fresh(raised.id).status is EscalationStatus.OPEN
    (latest,) = escalation.latest_replies([fresh(raised.id)]).values()
    assert latest.status is ReplyStatus.FAILED


def test_agents_cannot_dismiss_an_escalated_mention_supervisors_can(app, x, make_employee):
    """An escalated mention waits for a supervisor; their dismissal settles the escalation."""
    supervisor = make_employee("0002", role="supervisor")
    agent = make_employee("0427")
    (mention_id,) = ingest(x, "free iphone click here")
    raised = escalation.escalate(mention_id, agent, "looks like a scam, unsure")
    with pytest.raises(Conflict) as refused:
        inbox.dismiss(mention_id, agent, "spam")
    assert refused.value.code == "escalated"
    assert mention(mention_id).status is MentionStatus.OPEN
    inbox.dismiss(mention_id, supervisor, "spam, reported to X")
    settled = fresh(raised.id)
    assert settled.status is EscalationStatus.RESOLVED and settled.resolved_by.number == "0002"
    assert settled.resolution == "Closed without a reply: spam, reported to X"
    closed = mention(mention_id)
    assert closed.status is MentionStatus.DISMISSED and closed.close_reason == "spam, reported to X"


def test_resolve_with_dismiss_closes_the_mention_too(app, x, make_employee):
    """A supervisor decides nothing should be posted: escalation and mention close together."""
    supervisor = make_employee("0002", role="supervisor")
    agent = make_employee("0427")
    (mention_id,) = ingest(x, "lol @brand is the worst")
    raised = escalation.escalate(mention_id, agent, "needs an answer?")
    with pytest.raises(InvalidInput) as bad:
        escalation.resolve(raised.id, supervisor, "no", dismiss="yes")
    assert bad.value.code == "invalid_dismiss"
    done = escalation.resolve(raised.id, supervisor, "Banter, no reply needed.", dismiss=True)
    assert done.status is EscalationStatus.RESOLVED
    closed = mention(mention_id)
    assert closed.status is MentionStatus.DISMISSED and closed.closed_by.number == "0002"
    with pytest.raises(Conflict):
        escalation.resolve(raised.id, supervisor, "again", dismiss=True)


def test_resolve_with_dismiss_respects_a_colleagues_live_claim(app, x, make_employee):
    """Nobody closes a mention under an agent who is writing its reply."""
    supervisor = make_employee("0002", role="supervisor")
    agent = make_employee("0427")
    (mention_id,) = ingest(x, "is the store open on sunday")
    raised = escalation.escalate(mention_id, supervisor, "check opening hours")
    inbox.claim(mention_id, agent)
    with pytest.raises(Conflict) as refused:
        escalation.resolve(raised.id, supervisor, "no need", dismiss=True)
    assert refused.value.code == "already_claimed"
    assert fresh(raised.id).status is EscalationStatus.OPEN
    assert mention(mention_id).status is MentionStatus.OPEN


def test_answered_elsewhere_settles_the_escalation(app, x, make_employee):
    """The brand answered on X directly: the escalation closes, with nobody's number on it."""
    agent = make_employee("0427")
    (mention_id,) = ingest(x, "do you deliver to okinawa")
    raised = escalation.escalate(mention_id, agent, "shipping question")
    posted = x.client().create_tweet(
        text="Yes we do!", in_reply_to_tweet_id=mention(mention_id).tweet_id
    )
    assert outbox.sweep_outbox()["answered_elsewhere"] == 1
    (closed,) = events("mention.answered_elsewhere")
    assert f'"brand_tweet_id": "{posted.data["id"]}"' in closed.details
    settled = fresh(raised.id)
    assert settled.status is EscalationStatus.RESOLVED and settled.resolved_by is None
    assert settled.resolution == "Answered outside the helpdesk by the brand account."


def test_the_sweep_settles_escalations_left_open_by_older_data(app, x, make_employee):
    """Escalations whose mention was closed before this flow existed are settled by the sweep."""
    agent = make_employee("0427")
    dismissed, answered = ingest(x, "spam", "thanks!")
    old_a = escalation.escalate(dismissed, agent, "spam?")
    old_b = escalation.escalate(answered, agent, "praise")
    reply = replies.create_reply(answered, agent, "Thank you!")
    run_jobs(app)
    # Put both back the way older versions left them: mention closed, escalation open.
    db.session.execute(
        sa.update(Escalation)
        .where(Escalation.id.in_([old_a.id, old_b.id]))
        .values(status=EscalationStatus.OPEN, resolved_at=None, resolved_by_id=None)
    )
    db.session.execute(
        sa.update(Mention)
        .where(Mention.id == dismissed)
        .values(status=MentionStatus.DISMISSED, close_reason="spam", closed_by_id=agent.id)
    )
    db.session.commit()
    assert escalation.sweep_sla()["settled"] == 2
    assert fresh(old_a.id).resolution == "Closed without a reply: spam"
    assert fresh(old_b.id).resolution.startswith(f"Answered: reply #{reply.id} ")
    assert escalation.sweep_sla()["settled"] == 0
