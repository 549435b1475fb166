"""The employees page: the list, adding people, certifying, roles, suspension, password resets."""

from __future__ import annotations

import pytest

from helpdesk.extensions import db
from helpdesk.models import Employee, Role
from helpdesk.services.employees import authenticate, find_employee
from tests.support.web import csrf_from

PAGE = "/supervise/employees"
HOSTILE = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
EN = {"Accept-Language": "en"}
CONFIRM = {"confirm": "y"}  # the suspend form's required tick


def post_form(client, path: str, data: dict | None = None):
    """POST a form the way a browser does, with the CSRF token of the employees page."""
    token = csrf_from(client.get(PAGE).text)
    return client.post(path, data={**(data or {}), "csrf_token": token}, headers=EN)


def stored(number: str) -> Employee:
    """The employee as stored now (what the request committed)."""
    db.session.expire_all()
    employee = find_employee(number)
    assert employee is not None
    return employee


@pytest.fixture
def admin(make_employee, login):
    """Admin 0001, signed in."""
    employee = make_employee("0001", role="admin")
    login("0001")
    return employee


@pytest.fixture
def supervisor(make_employee, login):
    """Supervisor 0002 (with admin 0001 on the desk), signed in."""
    make_employee("0001", role="admin")
    employee = make_employee("0002", role="supervisor")
    login("0002")
    return employee


def test_agents_get_403_and_anonymous_visitors_are_sent_to_sign_in(client, make_employee, login):
    """Only supervisors and admins reach the page and its actions."""
    assert client.get(PAGE).status_code == 302
    make_employee("0427")
    make_employee("0201", role="trainee")
    login("0427")
    assert client.get(PAGE).status_code == 403
    token = csrf_from(client.get("/inbox").text)
    refused = client.post(f"{PAGE}/0201/role", data={"role": "agent", "csrf_token": token})
    assert refused.status_code == 403
    assert stored("0201").role is Role.TRAINEE


def test_the_list_escapes_hostile_names_and_links_the_tab(client, admin, make_employee):
    """Every employee is listed with number, role, state and language; names render as text."""
    make_employee("0427", name=HOSTILE)
    html = client.get(PAGE, headers=EN).text
    assert "<img" not in html and ESCAPED in html
    assert 'data-employee="0001"' in html and 'data-employee="0427"' in html
    assert f'href="{PAGE}"' in client.get("/supervise/").text
    assert f'href="{PAGE}"' in client.get("/supervise/coverage").text


def test_an_admin_adds_an_employee_who_can_then_sign_in(client, admin):
    """The create form adds the employee with the chosen role and flashes a message."""
    form = {"number": "0427", "name": "Sato", "role": "agent", "password": "long enough pw"}
    response = post_form(client, PAGE, form)
    assert response.status_code == 302
    assert "Employee 0427 added as agent." in client.get(PAGE, headers=EN).text
    assert authenticate("0427", "long enough pw").role is Role.AGENT


def test_a_taken_number_is_refused_with_a_clear_message(client, admin, make_employee):
    """A number in use, also by a suspended employee, is refused with a 409 and a plain message."""
    from helpdesk.services.employees import set_active

    set_active(make_employee("0427"), False)
    form = {"number": "0427", "name": "New Sato", "role": "agent", "password": "long enough pw"}
    response = post_form(client, PAGE, form)
    assert response.status_code == 409
    assert "Employee number 0427 is already taken" in response.text
    assert 'value="New Sato"' in response.text  # the form keeps what was typed
    assert "Traceback" not in response.text
    japanese = client.post(
        PAGE,
        data={**form, "csrf_token": csrf_from(client.get(PAGE).text)},
        headers={"Accept-Language": "ja"},
    )
    assert "社員番号 0427 はすでに使われています" in japanese.text


def test_bad_input_is_explained_not_raised(client, admin):
    """A malformed number or a short password is a 400 with a message."""
    bad_number = post_form(
        client, PAGE, {"number": "42", "name": "X", "role": "agent", "password": "long enough pw"}
    )
    assert bad_number.status_code == 400 and "4 to 6 digits" in bad_number.text
    short = post_form(
        client, PAGE, {"number": "0427", "name": "X", "role": "agent", "password": "x"}
    )
    assert short.status_code == 400 and "at least 12 characters" in short.text


def test_a_supervisor_certifies_a_trainee_and_cannot_touch_admins(
    client, supervisor, make_employee
):
    """Certify, suspend and reinstate work on a trainee; admin rows offer no actions and refuse."""
    make_employee("0201", role="trainee")
    html = client.get(PAGE, headers=EN).text
    assert 'data-action="certify"' in html
    certified = post_form(client, f"{PAGE}/0201/role", {"role": "agent"})
    assert certified.status_code == 302 and stored("0201").role is Role.AGENT
    assert "0201 is certified" in client.get(PAGE, headers=EN).text
    assert post_form(client, f"{PAGE}/0201/suspend", CONFIRM).status_code == 302
    assert not stored("0201").active
    assert post_form(client, f"{PAGE}/0201/reinstate").status_code == 302
    assert stored("0201").active
    promote = post_form(client, f"{PAGE}/0201/role", {"role": "supervisor"})
    assert promote.status_code == 403 and "Only an admin" in promote.text
    admin_row = post_form(client, f"{PAGE}/0001/suspend", CONFIRM)
    assert admin_row.status_code == 403 and stored("0001").active
    own = post_form(client, f"{PAGE}/0002/role", {"role": "admin"})
    assert own.status_code == 403 and "their own role" in own.text


def test_suspending_asks_for_confirmation(client, supervisor, make_employee):
    """The suspend button sits behind a required tick; a post without it is a 400 with a
    message in the reader's language, and the employee stays active."""
    make_employee("0427")
    row = client.get(PAGE, headers=EN).text.split('data-employee="0427"')[1].split("</tr>")[0]
    form = row.split('/0427/suspend"')[1].split("</form>")[0]
    assert 'type="checkbox" name="confirm" value="y" required' in form
    assert "Yes, suspend now" in form and "<script" not in row
    refused = post_form(client, f"{PAGE}/0427/suspend")
    assert refused.status_code == 400 and stored("0427").active
    assert "Tick the box to confirm the suspension." in refused.text
    token = csrf_from(client.get(PAGE).text)
    japanese = client.post(
        f"{PAGE}/0427/suspend", data={"csrf_token": token}, headers={"Accept-Language": "ja"}
    )
    assert "停止するには確認のチェックを入れてください。" in japanese.text
    assert "はい、今すぐ停止します" in client.get(PAGE, headers={"Accept-Language": "ja"}).text
    assert post_form(client, f"{PAGE}/0427/suspend", CONFIRM).status_code == 302
    assert not stored("0427").active


def test_an_admin_demotes_another_admin_but_not_themselves(client, admin, make_employee):
    """Another admin can be made supervisor; the admin's own row offers no role, suspension or
    password action and refuses one (their own routing skills stay theirs to set)."""
    make_employee("0003", role="admin")
    assert post_form(client, f"{PAGE}/0003/role", {"role": "supervisor"}).status_code == 302
    assert stored("0003").role is Role.SUPERVISOR
    assert "0003 is now supervisor" in client.get(PAGE, headers=EN).text
    refused = post_form(client, f"{PAGE}/0001/suspend", CONFIRM)
    assert refused.status_code == 403 and stored("0001").active
    row = client.get(PAGE, headers=EN).text.split('data-employee="0001"')[1].split("</tr>")[0]
    assert "No actions for you" in row
    for action in ("role", "suspend", "reinstate", "password", "certify"):
        assert f'data-action="{action}"' not in row


def test_reset_password_and_unknown_numbers(client, admin, make_employee):
    """A reset sets the new password; an unknown number is a 404; a refusal is a message."""
    make_employee("0427")
    assert (
        post_form(client, f"{PAGE}/0427/password", {"password": "fresh password"}).status_code
        == 302
    )
    assert authenticate("0427", "fresh password") is not None
    short = post_form(client, f"{PAGE}/0427/password", {"password": "short"})
    assert short.status_code == 400 and "at least 12 characters" in short.text
    assert post_form(client, f"{PAGE}/9999/suspend").status_code == 404


def test_posts_without_a_csrf_token_are_refused(client, admin, make_employee):
    """Every action needs the page's CSRF token; without it nothing changes."""
    make_employee("0427")
    for path, data in (
        (f"{PAGE}/0427/suspend", {}),
        (f"{PAGE}/0427/role", {"role": "trainee"}),
        (f"{PAGE}/0427/password", {"password": "long enough pw"}),
        (PAGE, {"number": "0428", "name": "X", "role": "agent", "password": "long enough pw"}),
    ):
        assert client.post(path, data=data).status_code == 400
    employee = stored("0427")
    assert employee.active and employee.role is Role.AGENT and find_employee("0428") is None
