"""The API for employees and tokens: same authority rules as the pages, JSON errors."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import AuditEvent
from tests.support.app import PASSWORD

NEW = "tram-lantern-87-quiet"


def test_a_supervisor_administers_agents_through_the_api(api_as):
    """Create, certify, suspend, reinstate, reset: each answers JSON and is audited."""
    boss = api_as("0500", role="supervisor")
    created = boss.post(
        "/employees", {"number": "0600", "name": "新人", "role": "trainee", "password": NEW}
    )
    assert created.status_code == 201
    assert created.get_json() == {
        **created.get_json(),
        "number": "0600",
        "name": "新人",
        "role": "trainee",
        "active": True,
    }
    assert "password_hash" not in created.get_json()
    assert boss.post("/employees/0600/role", {"role": "agent"}).get_json()["role"] == "agent"
    suspended = boss.post("/employees/0600/suspend").get_json()
    assert suspended["active"] is False and suspended["changed"] is True
    assert boss.post("/employees/0600/suspend").get_json()["changed"] is False
    assert boss.post("/employees/0600/reinstate").get_json()["active"] is True
    assert boss.post("/employees/0600/password", {"password": NEW + "!"}).status_code == 200
    numbers = [e["number"] for e in boss.get("/employees").get_json()["items"]]
    assert numbers == ["0500", "0600"]
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.subject_id == "0600").order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "employee.created",
        "employee.role_changed",
        "employee.suspended",
        "employee.reinstated",
        "employee.password_changed",
    ]


def test_authority_rules_are_the_pages_rules(api_as, make_employee):
    """Agents may not administer; supervisors may not touch admins or grant supervisor."""
    agent = api_as("0427")
    boss = api_as("0500", role="supervisor")
    make_employee("0001", role="admin")
    assert agent.get("/employees").status_code == 403
    body = {"number": "0700", "name": "X", "role": "supervisor", "password": NEW}
    refused = boss.post("/employees", body)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "admin_only"
    assert boss.post("/employees/0001/suspend").get_json()["error"]["code"] == "admin_only"
    own = boss.post("/employees/0500/password", {"password": NEW})
    assert own.status_code == 403 and own.get_json()["error"]["code"] == "own_account"
    assert boss.post("/employees/9999/suspend").status_code == 404


def test_bad_input_gets_a_code_and_a_message(api_as):
    """Missing fields, a weak password, a taken number: 400/409 with codes, nothing created."""
    boss = api_as("0500", role="supervisor")
    missing = boss.post("/employees", {"number": "0600"})
    assert missing.status_code == 400 and missing.get_json()["error"]["code"] == "invalid_request"
    weak = boss.post(
        "/employees", {"number": "0600", "name": "A", "role": "agent", "password": "password1234"}
    )
    assert weak.status_code == 400 and weak.get_json()["error"]["code"] == "common_password"
    taken = boss.post(
        "/employees", {"number": "0500", "name": "A", "role": "agent", "password": NEW}
    )
    assert taken.status_code == 409 and taken.get_json()["error"]["code"] == "number_taken"
    assert [e["number"] for e in boss.get("/employees").get_json()["items"]] == ["0500"]


def test_tokens_are_listed_and_revoked_by_their_owner_and_admins_only(
    client, api_as, make_employee
):
    """My list never shows the token; others get 404 on revoke; an admin can revoke it."""
    make_employee("0427")
    made = client.post(
        "/api/v1/auth/token", json={"number": "0427", "password": PASSWORD, "name": "cli"}
    )
    token = made.get_json()["token"]
    item = made.get_json()["item"]
    assert item["name"] == "cli" and item["prefix"] == token[:10] and item["current"] is True
    mine = client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {token}"})
    assert token not in mine.text and [t["id"] for t in mine.get_json()["items"]] == [item["id"]]
    other = api_as("0428")
    assert other.post(f"/tokens/{item['id']}/revoke").status_code == 404
    assert other.get("/employees/0427/tokens").status_code == 403
    admin = api_as("0001", role="admin")
    assert [t["id"] for t in admin.get("/employees/0427/tokens").get_json()["items"]] == [
        item["id"]
    ]
    revoked = admin.post(f"/tokens/{item['id']}/revoke").get_json()
    assert revoked["revoked_by"] == "0001" and revoked["current"] is False
    gone = client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 401
