"""The audit log: every workflow step is appended to a hash chain that shows any tampering."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import AuditEvent
from helpdesk.services import audit, inbox
from helpdesk.services.ingest import ingest_mentions


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_workflow_steps_are_recorded_with_their_actor(app, x, make_employee):
    """Creating an employee, claiming and dismissing each leave an event naming who did it."""
    agent = make_employee("0427")
    x.mention("spam spam")
    ingest_mentions()
    mention_id = inbox.list_mentions().items[0].id
    inbox.claim(mention_id, agent)
    inbox.dismiss(mention_id, agent, "spam")
    assert actions() == ["employee.created", "mention.claimed", "mention.dismissed"]
    last = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert last.actor_number == "0427" and '"reason": "spam"' in last.details


def test_an_intact_chain_has_no_broken_links(app, make_employee):
    """Events chain by hash from the genesis value; an untouched log verifies clean."""
    for number in ("0427", "0428", "0429"):
        make_employee(number)
    assert list(audit.broken_links()) == []


def test_editing_an_event_breaks_the_chain_at_that_event(app, make_employee):
    """Changing any stored field of an event is detected at that event."""
    for number in ("0427", "0428", "0429"):
        make_employee(number)
    second = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()[1]
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.id == second.id).values(actor_number="9999")
    )
    db.session.commit()
    assert list(audit.broken_links()) == [second.id]


def test_deleting_an_event_breaks_the_chain_after_the_gap(app, make_employee):
    """Removing an event shows at the event that followed it."""
    for number in ("0427", "0428", "0429"):
        make_employee(number)
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == events[1].id))
    db.session.commit()
    assert list(audit.broken_links()) == [events[2].id]
