"""A small desk with one of everything the API returns, for the contract and fuzz tests."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Employee, Mention
from helpdesk.services import canned, employees, escalation, replies, rules
from helpdesk.services.ingest import ingest_mentions
from tests.support.app import PASSWORD
from tests.support.sandbox import RunningSandbox


@dataclass
class SeededDesk:
    """The people and rows a seeded desk holds (ids, so they outlive the session)."""

    admin: str
    supervisor: str
    agent: str
    trainee: str
    mention_ids: list[int]
    reply_ids: list[int]
    escalation_id: int
    token_id: int
    guideline_rule_ids: list[int]
    priority_rule_ids: list[int]
    canned_id: int


def seed_desk(x: RunningSandbox) -> SeededDesk:
    """Four employees, mentions, a queued and a pending reply, an escalation, rules, canned."""
    people = {
        role: employees.create_employee(number, f"Employee {number}", role, PASSWORD)
        for number, role in (
            ("0001", "admin"),
            ("0002", "supervisor"),
            ("0427", "agent"),
            ("0201", "trainee"),
        )
    }
    for text in ("届かない", "Where is my order?", "返品したい", "Thanks!"):
        x.mention(text)
    ingest_mentions()
    ids = list(db.session.scalars(sa.select(Mention.id).order_by(Mention.id)))
    agent, trainee, supervisor = people["agent"], people["trainee"], people["supervisor"]
    queued = replies.create_reply(ids[0], agent, "Thanks for asking")
    pending = replies.create_reply(ids[1], trainee, "We are checking")
    raised = escalation.escalate(ids[2], agent, "angry customer")
    thanks = canned.create_canned("Thanks", "Thank you!", "en", actor=supervisor)
    guideline = {"kind": "banned_term", "value": "secret", "severity": "block"}
    rules.add_rule("guideline", guideline, actor=supervisor)
    keyword = {"kind": "urgent_keyword", "language": "en", "value": "refund now"}
    rules.add_rule("priority", keyword, actor=supervisor)
    _, token = employees.issue_token(agent, "agent's token")
    return SeededDesk(
        admin=_number(people["admin"]),
        supervisor=_number(supervisor),
        agent=_number(agent),
        trainee=_number(trainee),
        mention_ids=ids,
        reply_ids=[queued.id, pending.id],
        escalation_id=raised.id,
        token_id=token.id,
        guideline_rule_ids=[r.id for r in rules.list_rules("guideline")],
        priority_rule_ids=[r.id for r in rules.list_rules("priority")],
        canned_id=thanks.id,
    )


def _number(employee: Employee) -> str:
    return employee.number
