"""Guideline hits: refused and confirmed submits are counted per rule; the live preview is not."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import GuidelineHit, GuidelineOutcome, Reply
from helpdesk.models.types import utcnow
from helpdesk.services import replies
from helpdesk.services.coverage import coverage
from helpdesk.services.errors import Unprocessable
from tests.services.test_outbox import ingested_mention

BLOCKED_TEXT = "This is confidential, write to me at hanako@example.com"
WARNED_TEXT = "Please ask @other_shop about it."


def hits() -> list[tuple[str, str, GuidelineOutcome]]:
    rows = db.session.scalars(sa.select(GuidelineHit).order_by(GuidelineHit.id))
    return [(h.rule, h.severity, h.outcome) for h in rows]


def test_a_blocked_submit_records_blocked_hits_and_no_reply(app, x, make_employee):
    """A submit with a block finding is refused, stores no reply and one blocked hit per finding."""
    agent, mention = make_employee("0427"), ingested_mention(x)
    with pytest.raises(Unprocessable):
        replies.create_reply(mention.id, agent, BLOCKED_TEXT, confirm_warnings=True)
    db.session.rollback()
    assert sorted(hits()) == [
        ("banned_term", "block", GuidelineOutcome.BLOCKED),
        ("personal_data", "block", GuidelineOutcome.BLOCKED),
    ]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reply)) == 0
    stored = db.session.scalars(sa.select(GuidelineHit)).all()
    assert {(h.employee_id, h.mention_id) for h in stored} == {(agent.id, mention.id)}


def test_an_unconfirmed_warning_records_warned_and_the_confirmed_resend_records_confirmed(
    app, x, make_employee
):
    """A warning refuses the first submit (warned); the confirmed resend is sent (confirmed)."""
    agent, mention = make_employee("0427"), ingested_mention(x)
    with pytest.raises(Unprocessable):
        replies.create_reply(mention.id, agent, WARNED_TEXT)
    db.session.rollback()
    assert hits() == [("third_party_mention", "warn", GuidelineOutcome.WARNED)]
    reply = replies.create_reply(mention.id, agent, WARNED_TEXT, confirm_warnings=True)
    assert reply.id is not None
    assert hits() == [
        ("third_party_mention", "warn", GuidelineOutcome.WARNED),
        ("third_party_mention", "warn", GuidelineOutcome.CONFIRMED),
    ]


def test_a_clean_reply_and_the_preview_record_nothing(app, x, make_employee):
    """The live preview never records hits, nor does a reply without findings."""
    agent, mention = make_employee("0427"), ingested_mention(x)
    assert replies.preview(BLOCKED_TEXT, agent, mention).violations
    assert replies.preview(WARNED_TEXT, agent, mention).violations
    replies.create_reply(mention.id, agent, "Thanks, we are on it.")
    assert hits() == []


def test_coverage_counts_hits_per_rule_for_the_period(app, x, make_employee):
    """Coverage lists per rule and severity how often it blocked, warned and was confirmed."""
    agent, mention = make_employee("0427"), ingested_mention(x)
    for text in (BLOCKED_TEXT, "Strictly confidential.", WARNED_TEXT):
        with pytest.raises(Unprocessable):
            replies.create_reply(mention.id, agent, text)
    replies.create_reply(mention.id, agent, WARNED_TEXT, confirm_warnings=True)
    now = utcnow()
    figures = coverage(now - timedelta(hours=1), now + timedelta(seconds=1), "Asia/Tokyo", now=now)
    assert figures["guideline_hits"] == [
        {"rule": "banned_term", "severity": "block", "blocked": 2, "warned": 0, "confirmed": 0},
        {
            "rule": "third_party_mention",
            "severity": "warn",
            "blocked": 0,
            "warned": 1,
            "confirmed": 1,
        },
        {"rule": "personal_data", "severity": "block", "blocked": 1, "warned": 0, "confirmed": 0},
    ]
    later = coverage(now + timedelta(seconds=1), now + timedelta(hours=1), "Asia/Tokyo")
    assert later["guideline_hits"] == []
