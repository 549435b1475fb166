"""What fuzzing the web forms found: each a 500 before its fix."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import SlaTarget
from tests.support.web import post_form, sign_in


def test_an_sla_of_thousands_of_digits_is_refused_with_the_range(client, make_employee):
    """minutes="9"*5000 passed isdecimal() and then int() refused it (4,300-digit cap): a 500."""
    make_employee("0001", role="admin")
    sign_in(client, "0001")
    for minutes in ("9" * 5000, "9" * 10):
        response = post_form(
            client,
            "/supervise/rules/sla",
            {"priority": "high", "minutes": minutes},
            "/supervise/rules",
        )
        assert response.status_code == 400, minutes[:12]
        assert "Give a whole number in the range shown." in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SlaTarget)) == 0


def test_assigning_to_a_number_with_a_nul_is_refused(client, make_employee, x):
    """employee="Í\\x00" reached a query, which PostgreSQL refuses (a 500): now no such employee."""
    from helpdesk.models import Escalation
    from helpdesk.services.escalation import escalate
    from tests.api.test_api import ingest

    make_employee("0001", role="admin")
    (mention_id,) = ingest(x, "help")
    raised = escalate(mention_id, make_employee("0427"), "angry")
    sign_in(client, "0001")
    path = f"/supervise/escalations/{raised.id}/assign"
    response = post_form(client, path, {"employee": "Í\x00"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Escalation, raised.id).assigned_to is None


def test_signing_in_with_a_nul_in_the_number_is_a_wrong_number(client, make_employee):
    """The login form's number went into a query as it was: a 500 on PostgreSQL."""
    from tests.support.web import csrf_from

    make_employee("0427")
    page = client.get("/auth/login")
    response = client.post(
        "/auth/login",
        data={"number": "0427\x00", "password": "x" * 12, "csrf_token": csrf_from(page.text)},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code in (200, 401)
    assert "Wrong employee number or password." in response.text


def test_a_token_name_with_a_control_character_is_refused(client, make_employee):
    """A NUL in a token's name was stored (a 500 on PostgreSQL): now a 400, no token made."""
    from helpdesk.models import ApiToken

    make_employee("0427")
    sign_in(client, "0427")
    response = post_form(client, "/account/tokens", {"name": "laptop\x00"}, "/account/")
    assert response.status_code == 400
    assert "A token name cannot contain control or invisible characters." in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
