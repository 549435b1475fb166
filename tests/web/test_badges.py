"""Badges on the pages: the account page lists them, a mark sits beside the number, cheaply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Employee
from helpdesk.services import inbox
from helpdesk.services.badges import compute_badges
from tests.services.test_badges import Log

T0 = datetime(2026, 11, 2, 1, tzinfo=UTC)


def set_language(number: str, language: str) -> None:
    db.session.execute(
        sa.update(Employee).where(Employee.number == number).values(language=language)
    )
    db.session.commit()


@pytest.fixture
def earned(app, make_employee):
    """0427 earned first reply and a clean streak (50 clean replies); 0501 has no badge."""
    agent = make_employee("0427")
    make_employee("0501")
    make_employee("0900", role="supervisor")
    log = Log()
    for i in range(50):
        log.reply(agent, T0 + timedelta(minutes=i))
    db.session.commit()
    compute_badges(T0 + timedelta(days=1))
    return agent


@pytest.mark.parametrize(
    ("language", "first", "streak"),
    [
        ("en", "First reply", "Guideline-clean streak"),
        ("ja", "初めての返信", "ガイドライン違反なし連続"),
    ],
)
def test_account_page_lists_badges_in_both_languages(
    client, login, earned, language, first, streak
):
    """The account page names each badge in the employee's language; the header has the mark."""
    set_language("0427", language)
    login("0427")
    page = client.get("/account").text
    assert first in page and streak in page
    assert 'class="badge-mark" data-badges="2"' in page
    assert f'title="{first}, {streak}"' in page


def test_someone_without_badges_sees_none(client, login, earned):
    """An employee with no badge gets the empty note and no mark."""
    set_language("0501", "en")
    login("0501")
    page = client.get("/account").text
    assert "No badges yet" in page
    assert "badge-mark" not in page


def test_mark_beside_the_holders_number_in_the_inbox(client, login, earned, mentions):
    """The inbox shows the badge mark beside the number of the employee holding a claim."""
    ids = mentions("question one")
    inbox.claim(ids[0], earned)
    db.session.commit()
    set_language("0501", "en")
    login("0501")
    page = client.get("/inbox").text
    holder = page[page.index('class="holder-number">0427</span>') :][:200]
    assert 'class="badge-mark" data-badges="2"' in holder


def test_employees_page_marks_numbers_with_one_badge_query(client, login, earned, make_employee):
    """The supervisors' employee list marks numbers and reads badges once for the whole page."""
    for n in range(10):
        make_employee(f"06{n:02d}")
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    set_language("0900", "en")
    login("0900")
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        page = client.get("/supervise/employees").text
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    row = page[page.index('data-employee="0427"') :][:400]
    assert "badge-mark" in row
    assert len([s for s in statements if "employee_badges" in s]) == 1
