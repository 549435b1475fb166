"""Escalations: the SLA sweep, manual escalation, the supervisors' queue, and priority rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import (
    AuditEvent,
    Escalation,
    EscalationKind,
    EscalationStatus,
    Mention,
    MentionStatus,
    Priority,
)
from helpdesk.models.types import utcnow
from helpdesk.services import escalation, inbox, replies
from helpdesk.services.errors import Conflict, Forbidden, InvalidInput
from helpdesk.services.ingest import ingest_mentions
from helpdesk.services.priority import priority_for
from tests.support.app import run_jobs

MINUTE = 60


def ingest(x, *texts: str, username: str = "hanako_t") -> list[int]:
    """Mention the brand with each text, ingest, and return the new mention ids in posting order."""
    before = db.session.scalar(sa.select(sa.func.max(Mention.id))) or 0
    for text in texts:
        x.mention(text, username=username)
    ingest_mentions()
    return list(
        db.session.scalars(
            sa.select(Mention.id).where(Mention.id > before).order_by(Mention.tweet_id)
        )
    )


def age(mention_id: int, seconds: float) -> None:
    """Make a mention `seconds` old by moving its created_at back."""
    db.session.execute(
        sa.update(Mention)
        .where(Mention.id == mention_id)
        .values(created_at=utcnow() - timedelta(seconds=seconds))
    )
    db.session.commit()


def escalations_of(mention_id: int) -> list[Escalation]:
    db.session.expire_all()
    query = sa.select(Escalation).where(Escalation.mention_id == mention_id).order_by(Escalation.id)
    return list(db.session.scalars(query))


def test_sweep_escalates_only_past_the_sla_and_exactly_once(app, x):
    """A normal mention is escalated once after 60 minutes, never before and never twice."""
    late, early = ingest(x, "where is my parcel?", "do you ship abroad?")
    age(late, 61 * MINUTE)
    age(early, 59 * MINUTE)
    assert escalation.sweep_sla()["escalated"] == 1
    assert escalation.sweep_sla()["escalated"] == 0
    (only,) = escalations_of(late)
    assert only.kind is EscalationKind.SLA_BREACH and only.status is EscalationStatus.OPEN
    assert only.raised_by_id is None
    assert db.session.get(Mention, late).escalated_at is not None
    assert escalations_of(early) == [] and db.session.get(Mention, early).escalated_at is None
    audit_rows = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "escalation.opened")
    ).all()
    assert [a.subject_id for a in audit_rows] == [str(only.id)]
    age(early, 61 * MINUTE)
    assert escalation.sweep_sla()["escalated"] == 1


def test_high_priority_mentions_use_the_shorter_sla(app, x):
    """A high-priority mention is overdue after 15 minutes; a normal one of the same age is not."""
    urgent, calm = ingest(x, "至急！充電器から煙が出ています", "what are your opening hours?")
    assert db.session.get(Mention, urgent).priority is Priority.HIGH
    assert db.session.get(Mention, calm).priority is Priority.NORMAL
    age(urgent, 16 * MINUTE)
    age(calm, 16 * MINUTE)
    assert escalation.sweep_sla()["escalated"] == 1
    assert len(escalations_of(urgent)) == 1 and escalations_of(calm) == []


def test_the_automatic_escalation_is_not_raised_again_after_it_is_resolved(app, x, make_employee):
    """Once resolved, an SLA breach stays on record and the sweep does not open another."""
    supervisor = make_employee("0002", role="supervisor")
    (mention_id,) = ingest(x, "hello?")
    age(mention_id, 2 * 3600)
    escalation.sweep_sla()
    (raised,) = escalations_of(mention_id)
    escalation.resolve(raised.id, supervisor, "Called the customer back.")
    assert db.session.get(Mention, mention_id).escalated_at is None
    assert escalation.sweep_sla()["escalated"] == 0
    assert [e.status for e in escalations_of(mention_id)] == [EscalationStatus.RESOLVED]


def test_closed_mentions_are_not_swept(app, x, make_employee):
    """Dismissed and answered mentions are accounted for: no SLA escalation."""
    agent = make_employee("0427")
    dismissed, answered = ingest(x, "spam spam", "thanks!")
    inbox.dismiss(dismissed, agent, "spam")
    replies.create_reply(answered, agent, "You are welcome.")
    age(dismissed, 5 * 3600)
    age(answered, 5 * 3600)
    assert escalation.sweep_sla()["escalated"] == 0


def test_manual_escalation_is_409_while_one_is_open(app, x, make_employee):
    """An employee escalates with a reason; a second escalation of the same mention is refused."""
    agent = make_employee("0427")
    (mention_id,) = ingest(x, "I want to speak to a manager")
    raised = escalation.escalate(mention_id, agent, "  Asks for a manager  ")
    assert raised.kind is EscalationKind.MANUAL and raised.reason == "Asks for a manager"
    assert raised.raised_by.number == "0427"
    assert db.session.get(Mention, mention_id).escalated_at is not None
    with pytest.raises(Conflict) as refused:
        escalation.escalate(mention_id, make_employee("0501"), "me too")
    assert refused.value.code == "already_escalated"
    assert refused.value.extra["escalation_id"] == raised.id
    # The sweep does not stack an automatic one on top of the open manual escalation.
    age(mention_id, 3 * 3600)
    assert escalation.sweep_sla()["escalated"] == 0
    assert len(escalations_of(mention_id)) == 1


def test_manual_escalation_needs_a_reason_and_an_open_mention(app, x, make_employee):
    """An empty or overlong reason is 400; a dismissed mention cannot be escalated."""
    agent = make_employee("0427")
    (mention_id,) = ingest(x, "hello")
    for bad in ("", "   ", None, "x" * 501):
        with pytest.raises(InvalidInput):
            escalation.escalate(mention_id, agent, bad)
    inbox.dismiss(mention_id, agent, "spam")
    with pytest.raises(Conflict) as refused:
        escalation.escalate(mention_id, agent, "please look")
    assert refused.value.code == "not_open"


def test_one_open_escalation_per_mention_is_a_database_rule(app, x):
    """The partial unique index refuses a second open escalation even past the service."""
    (mention_id,) = ingest(x, "hello")
    db.session.add(Escalation(mention_id=mention_id, kind=EscalationKind.RULE, reason="a"))
    db.session.commit()
    db.session.add(Escalation(mention_id=mention_id, kind=EscalationKind.RULE, reason="b"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(
        Escalation(
            mention_id=mention_id,
            kind=EscalationKind.RULE,
            reason="c",
            status=EscalationStatus.RESOLVED,
        )
    )
    db.session.commit()  # resolved ones do not count


def test_queue_sorts_by_breach_age_then_high_priority_first(app, x):
    """The longest overdue comes first; at equal breach age, high priority first."""
    ids = ingest(
        x,
        "normal, three hours old",
        "normal, two and a half hours old",
        "urgent: refund please",
        "normal, two hours old",
        "fire! twenty minutes old",
    )
    ages = [3 * 3600, 2.5 * 3600, 75 * MINUTE, 2 * 3600, 20 * MINUTE]
    for mention_id, seconds in zip(ids, ages, strict=True):
        age(mention_id, seconds)
    # Due 2 h ago, 1.5 h ago, 1 h ago (high), 1 h ago (normal), 5 min ago (high).
    assert escalation.sweep_sla()["escalated"] == 5
    assert [e.mention_id for e in escalation.list_escalations("open")] == ids
    everything = escalation.list_escalations("all")
    assert [e.mention_id for e in everything] == ids


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 5])
def test_a_shorter_queue_is_the_head_of_the_full_one(app, x, limit):
    """The page asks for the first `limit` only (SQL picks each priority's oldest): whatever
    the limit, that is exactly the head of the whole queue in its order."""
    ids = ingest(x, "normal a", "urgent: b", "normal c", "urgent: d", "normal e", "urgent: f")
    ages = [3 * 3600, 100 * MINUTE, 2 * 3600, 90 * MINUTE, 3 * 3600 - 1, 80 * MINUTE]
    for mention_id, seconds in zip(ids, ages, strict=True):
        age(mention_id, seconds)
    assert escalation.sweep_sla()["escalated"] == 6
    whole = [e.mention_id for e in escalation.list_escalations("open", limit=6)]
    assert sorted(whole) == sorted(ids)
    assert [e.mention_id for e in escalation.list_escalations("open", limit=limit)] == whole[:limit]


def test_assign_and_resolve_by_supervisors_only(app, x, make_employee):
    """Supervisors assign and resolve; agents are refused; a resolved one cannot be resolved."""
    supervisor = make_employee("0002", role="supervisor")
    agent = make_employee("0427")
    (mention_id,) = ingest(x, "help")
    raised = escalation.escalate(mention_id, agent, "angry customer")
    with pytest.raises(Forbidden):
        escalation.assign(raised.id, agent, "0427")
    with pytest.raises(InvalidInput) as unknown:
        escalation.assign(raised.id, supervisor, "9999")
    assert unknown.value.code == "unknown_employee"
    assigned = escalation.assign(raised.id, supervisor, "0427")
    assert assigned.assigned_to.number == "0427"
    with pytest.raises(Forbidden):
        escalation.resolve(raised.id, agent, "done")
    with pytest.raises(InvalidInput):
        escalation.resolve(raised.id, supervisor, "  ")
    done = escalation.resolve(raised.id, supervisor, "Refund approved by phone.")
    assert done.status is EscalationStatus.RESOLVED and done.resolved_by.number == "0002"
    assert done.resolution == "Refund approved by phone." and done.resolved_at is not None
    assert db.session.get(Mention, mention_id).escalated_at is None
    with pytest.raises(Conflict):
        escalation.resolve(raised.id, supervisor, "again")
    with pytest.raises(Conflict):
        escalation.assign(raised.id, supervisor, "0427")
    assert [e.id for e in escalation.list_escalations("resolved")] == [raised.id]
    assert escalation.list_escalations("open") == []
    # A new escalation of the same mention is possible once the first is resolved.
    assert escalation.escalate(mention_id, agent, "again, please").id != raised.id


def test_an_answered_mention_keeps_its_escalation_on_record(app, x, make_employee):
    """Answering the mention leaves the escalation open in the queue, showing the new status."""
    agent = make_employee("0427")
    (mention_id,) = ingest(x, "where is my order")
    escalation.escalate(mention_id, agent, "VIP customer")
    replies.create_reply(mention_id, agent, "We are checking, sorry for the wait.")
    (queued,) = escalation.list_escalations("open")
    assert queued.mention.status is MentionStatus.ANSWERED


def test_list_escalations_rejects_unknown_filters(app):
    """Only open, resolved and all are filters."""
    with pytest.raises(InvalidInput):
        escalation.list_escalations("bogus")


def test_the_sweep_runs_as_a_scheduled_rq_job(app, x):
    """workers.jobs.sweep_sla runs on a real worker and is on the cron schedule every minute."""
    from helpdesk.queue import get_queue
    from workers import cron, jobs

    assert (jobs.sweep_sla, "default", 60, 300) in cron.SCHEDULE
    (mention_id,) = ingest(x, "anyone there?")
    age(mention_id, 2 * 3600)
    get_queue("default").enqueue("workers.jobs.sweep_sla", job_timeout=60)
    run_jobs(app)
    assert len(escalations_of(mention_id)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "至急対応してください",
        "充電中に発火しました",
        "怪我をしました",
        "返金をお願いします",
        "訴訟を考えています",
        "URGENT: my order",
        "the charger caught fire",
        "there is smoke coming out",
        "I want a refund",
        "my lawyer will hear about this",
        "ＵＲＧＥＮＴ",  # full-width letters
        "最悪!! 二度と買わない",
        "This is the worst, totally unacceptable service",
    ],
)
def test_priority_rules_mark_urgent_and_angry_mentions_high(text):
    """Japanese and English keywords, full-width text and an angry tone make a mention high."""
    assert priority_for(text, 10) is Priority.HIGH


@pytest.mark.parametrize(
    "text",
    [
        "営業時間を教えてください",
        "my firefox crashed",
        "fireworks tonight?",
        "最悪",
        "thanks!!",
        "",
    ],
)
def test_priority_rules_leave_ordinary_mentions_normal(text):
    """Plain questions, words that only contain a keyword, and one mild signal stay normal."""
    assert priority_for(text, 10) is Priority.NORMAL


def test_priority_rules_count_the_authors_reach():
    """An author with 10,000 followers or more is high priority whatever they write."""
    assert priority_for("hello", 10_000) is Priority.HIGH
    assert priority_for("hello", 9_999) is Priority.NORMAL
    assert priority_for("hello", None) is Priority.NORMAL


def test_ingest_sets_priority_from_text_and_followers(app, x):
    """Ingestion stores the rule's priority, using the author's follower count from X."""
    x.mention("just a question", username="famous_person")
    with x.state.lock:
        x.state.user_for("famous_person").followers = 250_000
    ingest(x, "another question", username="famous_person")
    ingest(x, "a plain question", username="someone_else")
    rows = db.session.execute(
        sa.select(Mention.text, Mention.priority).order_by(Mention.tweet_id)
    ).all()
    assert [(text.removeprefix("@acme_help "), p.value) for text, p in rows] == [
        ("just a question", "high"),
        ("another question", "high"),
        ("a plain question", "normal"),
    ]
