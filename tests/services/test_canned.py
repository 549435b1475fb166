"""Canned replies: who may write them, the guideline check, deactivation and the audit."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import AuditEvent
from helpdesk.services.canned import create_canned, list_canned, set_canned_active, update_canned
from helpdesk.services.errors import Forbidden, InvalidInput, NotFound, Unprocessable


@pytest.fixture
def supervisor(make_employee):
    """Supervisor 0002."""
    return make_employee("0002", role="supervisor")


def actions() -> list[str]:
    """The audit log's actions, oldest first."""
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_supervisor_creates_and_lists_by_language(supervisor):
    """Created replies are listed by language and title, trimmed, and audited."""
    create_canned("  お礼 ", "ありがとうございます！", "ja", actor=supervisor)
    create_canned("Thanks", "Thank you for the kind words!", "en", actor=supervisor)
    assert [c.title for c in list_canned()] == ["Thanks", "お礼"]  # "en" sorts before "ja"
    (ja,) = list_canned("ja")
    assert ja.title == "お礼" and ja.language.value == "ja" and ja.active
    assert ja.created_by_id == supervisor.id and ja.updated_at.tzinfo is not None
    assert actions()[-2:] == ["canned.created", "canned.created"]


def test_agents_and_trainees_are_forbidden_to_write(make_employee, supervisor):
    """Only supervisors and admins create, edit or retire canned replies."""
    made = create_canned("Thanks", "Thank you!", "en", actor=supervisor)
    for role in ("agent", "trainee"):
        employee = make_employee("0101" if role == "agent" else "0201", role=role)
        with pytest.raises(Forbidden):
            create_canned("x", "Thank you!", "en", actor=employee)
        with pytest.raises(Forbidden):
            update_canned(made.id, "x", "Thank you!", "en", actor=employee)
        with pytest.raises(Forbidden):
            set_canned_active(made.id, False, actor=employee)
    admin = make_employee("0001", role="admin")
    assert update_canned(made.id, "Thanks!", "Thanks a lot!", "en", actor=admin).title == "Thanks!"


@pytest.mark.parametrize(
    ("title", "body", "language", "code"),
    [
        ("", "Hello", "en", "invalid_title"),
        ("x" * 81, "Hello", "en", "invalid_title"),
        ("Hi", "   ", "en", "invalid_body"),
        ("Hi", "x" * 601, "en", "invalid_body"),
        ("Hi", "Hello", "fr", "invalid_language"),
        (None, "Hello", "en", "invalid_title"),
    ],
)
def test_bad_input_is_refused(supervisor, title, body, language, code):
    """Titles are 1..80, bodies 1..600 characters, languages ja or en."""
    with pytest.raises(InvalidInput) as refused:
        create_canned(title, body, language, actor=supervisor)
    assert refused.value.code == code
    assert list_canned(active_only=False) == []


def test_a_body_with_a_blocking_finding_is_unprocessable(supervisor):
    """An e-mail address, a banned term or an over-long signed body is refused; warnings pass."""
    with pytest.raises(Unprocessable) as refused:
        create_canned("Mail", "Mail us at someone@example.com", "en", actor=supervisor)
    assert refused.value.code == "guideline_violation"
    assert {v["rule"] for v in refused.value.extra["violations"]} == {"personal_data"}
    with pytest.raises(Unprocessable) as too_long:
        create_canned("長文", "あ" * 140, "ja", actor=supervisor)  # 280 + the signature
    assert [v["rule"] for v in too_long.value.extra["violations"]] == ["length"]
    made = create_canned("Hours", "See https://acme.example/stores", "en", actor=supervisor)
    with pytest.raises(Unprocessable):
        update_canned(made.id, "Hours", "これは社外秘です", "ja", actor=supervisor)
    db.session.refresh(made)
    assert made.body == "See https://acme.example/stores"
    # A link off the allowed domains is only a warning: the employee confirms it when sending.
    assert create_canned("Partner", "See https://other.example", "en", actor=supervisor).id


def test_deactivate_hides_it_and_reactivate_brings_it_back(supervisor):
    """A retired reply leaves the active list, stays in the full one, and both moves are audited."""
    made = create_canned("Thanks", "Thank you!", "en", actor=supervisor)
    assert set_canned_active(made.id, False, actor=supervisor) is True
    assert set_canned_active(made.id, False, actor=supervisor) is False
    assert list_canned() == [] and [c.id for c in list_canned(active_only=False)] == [made.id]
    assert set_canned_active(made.id, True, actor=supervisor) is True
    assert [c.id for c in list_canned("en")] == [made.id]
    assert actions()[-2:] == ["canned.deactivated", "canned.reactivated"]
    with pytest.raises(NotFound):
        set_canned_active(999999, True, actor=supervisor)


def test_an_update_records_before_and_after(supervisor):
    """The audit event of an edit carries the old and the new text."""
    made = create_canned("Thanks", "Thank you!", "en", actor=supervisor)
    update_canned(made.id, "お礼", "ありがとうございます", "ja", actor=supervisor)
    event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    details = json.loads(event.details)
    assert event.action == "canned.updated" and event.actor_number == "0002"
    assert details["before"]["body"] == "Thank you!"
    assert details["after"] == {"title": "お礼", "body": "ありがとうございます", "language": "ja"}


def test_unseen_characters_are_refused_in_body_and_title(supervisor):
    """A NUL or a zero-width space in a canned body (or title) is refused; nothing is stored."""
    with pytest.raises(Unprocessable) as refused:
        create_canned("Thanks", "Thank you\x00!", "en", actor=supervisor)
    assert [v["rule"] for v in refused.value.extra["violations"]] == ["control_character"]
    made = create_canned("Thanks", "Thank you!", "en", actor=supervisor)
    with pytest.raises(Unprocessable):
        update_canned(made.id, "Thanks", "Thank\u200b you!", "en", actor=supervisor)
    with pytest.raises(InvalidInput) as title:
        create_canned("Tha\x1bnks", "Thank you!", "en", actor=supervisor)
    assert title.value.code == "invalid_title"
    db.session.refresh(made)
    assert made.body == "Thank you!" and len(list_canned(active_only=False)) == 1
