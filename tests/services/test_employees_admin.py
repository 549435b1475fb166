"""Employee administration: who may change roles, suspend and reset, the last admin, the audit."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Role
from helpdesk.services.employees import (
    authenticate,
    can_manage,
    create_employee,
    create_token,
    grantable_roles,
    list_employees,
    reset_password,
    set_active,
    set_role,
)
from helpdesk.services.errors import Conflict, Forbidden, InvalidInput
from tests.support.app import PASSWORD
from tests.support.web import csrf_from


@pytest.fixture
def staff(make_employee):
    """An admin, a supervisor, an agent and a trainee, by role name."""
    return {
        "admin": make_employee("0001", role="admin"),
        "supervisor": make_employee("0002", role="supervisor"),
        "agent": make_employee("0101", role="agent"),
        "trainee": make_employee("0201", role="trainee"),
    }


def events(action: str) -> list[AuditEvent]:
    """The audit events with this action, oldest first."""
    query = sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(db.session.scalars(query))


def test_a_supervisor_certifies_a_trainee_and_it_is_audited(staff):
    """Trainee -> agent by a supervisor changes the role, bumps the version and leaves an event."""
    trainee, supervisor = staff["trainee"], staff["supervisor"]
    version = trainee.session_version
    set_role(trainee, "agent", actor=supervisor)
    assert trainee.role is Role.AGENT and trainee.session_version == version + 1
    (event,) = events("employee.role_changed")
    assert event.actor_number == "0002" and event.subject_id == "0201"
    assert json.loads(event.details) == {"before": "trainee", "after": "agent"}


@pytest.mark.parametrize(
    ("actor", "target", "role"),
    [
        ("agent", "trainee", "agent"),  # below supervisor: no administration at all
        ("trainee", "agent", "trainee"),
        ("supervisor", "agent", "supervisor"),  # supervisors never grant supervisor or admin
        ("supervisor", "trainee", "admin"),
        ("supervisor", "admin", "agent"),  # nor take it
        ("supervisor", "supervisor", "agent"),  # nor change their own role
        ("admin", "admin", "agent"),
    ],
)
def test_role_changes_outside_ones_authority_are_forbidden(staff, actor, target, role):
    """Agents, trainees, supervisors above their station and anyone on themselves: Forbidden."""
    employee = staff[target]
    before, version = employee.role, employee.session_version
    with pytest.raises(Forbidden):
        set_role(employee, role, actor=staff[actor])
    db.session.refresh(employee)
    assert employee.role is before and employee.session_version == version
    assert events("employee.role_changed") == []


def test_an_admin_promotes_and_demotes_anyone_else(staff):
    """An admin makes an agent supervisor, then admin, and takes supervisor away again."""
    admin, agent, supervisor = staff["admin"], staff["agent"], staff["supervisor"]
    set_role(agent, Role.SUPERVISOR, actor=admin)
    set_role(agent, "admin", actor=admin)
    set_role(supervisor, "agent", actor=admin)
    assert agent.role is Role.ADMIN and supervisor.role is Role.AGENT
    assert len(events("employee.role_changed")) == 3


def test_a_supervisor_demotes_an_agent_to_trainee(staff):
    """Supervisors move people between trainee and agent both ways."""
    set_role(staff["agent"], "trainee", actor=staff["supervisor"])
    assert staff["agent"].role is Role.TRAINEE


def test_unknown_and_unchanged_roles_are_refused(staff):
    """A made-up role is invalid input; giving the role someone already has is a conflict."""
    with pytest.raises(InvalidInput):
        set_role(staff["agent"], "overlord", actor=staff["admin"])
    with pytest.raises(Conflict):
        set_role(staff["agent"], "agent", actor=staff["admin"])


def test_the_last_active_admin_is_never_demoted_or_suspended(staff):
    """Neither another admin-to-be nor the system may leave the desk without an active admin."""
    admin, other = staff["admin"], staff["supervisor"]
    for attempt in (
        lambda: set_role(admin, "supervisor", actor=None),
        lambda: set_active(admin, False, actor=None),
    ):
        with pytest.raises(Conflict) as refused:
            attempt()
        assert refused.value.code == "last_admin"
    db.session.refresh(admin)
    assert admin.role is Role.ADMIN and admin.active
    set_role(other, "admin", actor=admin)
    set_role(admin, "supervisor", actor=other)  # now there is another admin
    assert admin.role is Role.SUPERVISOR


def test_a_suspended_admin_does_not_count_as_the_other_admin(staff, make_employee):
    """With the second admin suspended, the first is still the last active one."""
    admin = staff["admin"]
    second = make_employee("0003", role="admin")
    set_active(second, False, actor=admin)
    with pytest.raises(Conflict):
        set_active(admin, False, actor=None)
    set_active(second, True, actor=None)
    assert set_active(admin, False, actor=second) is True


def test_suspension_follows_the_same_authority(staff):
    """Supervisors suspend agents and trainees only; admins anyone but themselves."""
    admin, supervisor = staff["admin"], staff["supervisor"]
    assert set_active(staff["agent"], False, actor=supervisor) is True
    assert set_active(staff["trainee"], False, actor=supervisor) is True
    with pytest.raises(Forbidden):
        set_active(admin, False, actor=supervisor)
    with pytest.raises(Forbidden):
        set_active(supervisor, False, actor=supervisor)
    with pytest.raises(Forbidden):
        set_active(staff["trainee"], True, actor=staff["agent"])
    with pytest.raises(Forbidden):
        set_active(admin, False, actor=admin)
    assert set_active(supervisor, False, actor=admin) is True
    assert set_active(supervisor, False, actor=admin) is False  # already suspended: no change
    assert [e.action for e in events("employee.suspended")] == ["employee.suspended"] * 3


def test_reset_password_needs_authority_over_the_employee(staff):
    """Supervisors reset trainees' and agents' passwords, admins anyone else's."""
    reset_password(staff["agent"], "brand new password", actor=staff["supervisor"])
    assert authenticate("0101", PASSWORD) is None
    assert authenticate("0101", "brand new password") is not None
    with pytest.raises(Forbidden):
        reset_password(staff["admin"], "brand new password", actor=staff["supervisor"])
    with pytest.raises(Forbidden):
        reset_password(staff["supervisor"], "brand new password", actor=staff["supervisor"])
    with pytest.raises(InvalidInput):
        reset_password(staff["trainee"], "short", actor=staff["admin"])
    reset_password(staff["supervisor"], "another password", actor=staff["admin"])
    changed = events("employee.password_changed")
    assert [(e.actor_number, e.subject_id) for e in changed] == [("0002", "0101"), ("0001", "0002")]


def test_creating_with_an_actor_checks_the_role_granted(staff):
    """A supervisor adds trainees and agents but not supervisors; an agent adds no one."""
    created = create_employee("0300", "New", "trainee", PASSWORD, actor=staff["supervisor"])
    assert created.role is Role.TRAINEE
    with pytest.raises(Forbidden):
        create_employee("0301", "New", "supervisor", PASSWORD, actor=staff["supervisor"])
    with pytest.raises(Forbidden):
        create_employee("0302", "New", "agent", PASSWORD, actor=staff["agent"])
    assert create_employee("0303", "Boss", "admin", PASSWORD, actor=staff["admin"]).can(Role.ADMIN)


def test_a_suspended_employees_number_stays_taken(staff):
    """Numbers are never reused, also after suspension."""
    set_active(staff["agent"], False, actor=staff["admin"])
    with pytest.raises(Conflict) as taken:
        create_employee("0101", "Someone else", "agent", PASSWORD, actor=staff["admin"])
    assert taken.value.code == "number_taken" and "0101 is already taken" in taken.value.message


def test_list_is_in_number_order_and_permissions_are_reported(staff, make_employee):
    """The list sorts numerically (0427 before 10000) and tells what each viewer may do."""
    make_employee("10000")
    make_employee("9999")
    assert [e.number for e in list_employees()] == ["0001", "0002", "0101", "0201", "9999", "10000"]
    supervisor, admin = staff["supervisor"], staff["admin"]
    assert grantable_roles(supervisor) == [Role.TRAINEE, Role.AGENT]
    assert grantable_roles(admin) == list(Role) and grantable_roles(staff["agent"]) == []
    assert can_manage(supervisor, staff["agent"]) and not can_manage(supervisor, admin)
    assert not can_manage(admin, admin) and can_manage(admin, supervisor)


def test_a_role_change_ends_the_employees_token_and_browser_session(app, client, staff):
    """After a role change the old API token is refused and the signed-in browser is signed out."""
    agent = staff["agent"]
    token = create_token(agent)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/mentions", headers=headers).status_code == 200
    page = client.get("/auth/login")
    client.post(
        "/auth/login",
        data={"number": "0101", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert client.get("/inbox").status_code == 200
    set_role(agent, "trainee", actor=staff["supervisor"])
    assert client.get("/api/v1/mentions", headers=headers).status_code == 401
    signed_out = client.get("/inbox")
    assert signed_out.status_code == 302 and "/auth/login" in signed_out.headers["Location"]
