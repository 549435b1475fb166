"""Object-level access: nobody acts on another employee's claim, reply or tokens by any route.

Each refusal is checked on the web form and on the API, for its exact answer (status, and
the API's error code or the page's explanation), and the database and Redis are compared
before and after: a refused request changes nothing. The desk is shared for reading (an
agent sees the thread with its earlier replies and who holds the claim), so reads are
allowed, but they never take or extend anyone's claim.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from helpdesk.extensions import db
from helpdesk.models import ApiToken, Employee, Escalation, Mention, Reply, ReplyStatus, Role
from helpdesk.services import employees, inbox, replies
from tests.support.app import PASSWORD
from tests.support.web import csrf_from
from tests.web.test_access_matrix import changes, snapshot

HOLDER = "0427"  # the agent who holds the claim
REPLY = "Thank you, we are checking this now."
REASON = "Not mine to decide."


@cache
def _password_hash() -> str:
    return PasswordHasher().hash(PASSWORD)


def add_employee(number: str, role: str) -> Employee:
    """An employee who signs in with PASSWORD (one argon2 hash for the whole module)."""
    employee = Employee(
        number=number, name=f"Employee {number}", role=Role(role), password_hash=_password_hash()
    )
    db.session.add(employee)
    db.session.commit()
    return employee


class Desk:
    """One employee at the desk: a signed-in browser session and an API token."""

    def __init__(self, app: Flask, employee: Employee) -> None:
        self.app, self.employee, self.number = app, employee, employee.number
        self.browser: FlaskClient = app.test_client()
        page = self.browser.get("/auth/login")
        signed_in = self.browser.post(
            "/auth/login",
            data={"number": self.number, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
        )
        assert signed_in.status_code == 302
        self.csrf = csrf_from(self.browser.get("/account").text)
        self.token = employees.create_token(employee)

    def form(self, path: str, data: dict[str, Any] | None = None):
        """POST a web form with this session's CSRF token, in English."""
        return self.browser.post(
            path,
            data={**(data or {}), "csrf_token": self.csrf},
            headers={"Accept-Language": "en"},
        )

    def page(self, path: str):
        return self.browser.get(path, headers={"Accept-Language": "en"})

    def api(self, method: str, path: str, body: dict[str, Any] | None = None):
        """An API call with this employee's bearer token (and no cookies)."""
        client = self.app.test_client()
        headers = {"Authorization": f"Bearer {self.token}"}
        if method == "GET":
            return client.get(f"/api/v1{path}", headers=headers)
        return client.post(f"/api/v1{path}", json=body or {}, headers=headers)


@pytest.fixture
def desk(app: Flask, client: FlaskClient):
    """desk("0428", "agent"): a new employee signed in on the web and holding an API token.

    `client` is asked for so every test client gets its own app context per request.
    """

    def make(number: str, role: str = "agent") -> Desk:
        return Desk(app, add_employee(number, role))

    return make


@pytest.fixture
def claimed(app: Flask, desk, mentions):
    """A mention claimed by agent 0427: (its id, 0427's desk)."""
    holder = desk(HOLDER, "agent")
    (mention_id,) = mentions("My order has not arrived.")
    inbox.claim(mention_id, holder.employee)
    return mention_id, holder


def refused_on_web(response, status: int, explanation: str | None = None) -> None:
    """The page refuses with `status` and, for a mention page, explains why."""
    assert response.status_code == status, response.status_code
    if explanation is not None:
        assert explanation in response.text


def refused_by_api(response, status: int, code: str, **extra: Any) -> None:
    """The API refuses with `status` and the error `code` (and any extra fields)."""
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code, error
    for key, value in extra.items():
        assert error[key] == value, error


def unchanged(app: Flask, before: dict[str, object]) -> None:
    """Nothing in the database or Redis differs from `before`."""
    assert not changes(before, snapshot(app)), f"changed: {changes(before, snapshot(app))}"


def claim_of(mention_id: int) -> tuple[str | None, object]:
    """Who holds the mention's claim, and until when."""
    db.session.rollback()
    mention = db.session.get(Mention, mention_id)
    assert mention is not None
    return (mention.claimed_by.number if mention.claimed_by else None), mention.claim_expires_at


@pytest.mark.parametrize("role", ["trainee", "agent"])
def test_nobody_releases_another_agents_claim(app, desk, claimed, role):
    """Releasing 0427's claim as someone else is 403 not_yours on the web and the API."""
    mention_id, _holder = claimed
    other = desk("0428", role)
    before = snapshot(app)
    refused_on_web(
        other.form(f"/mentions/{mention_id}/release"),
        403,
        f"The claim belongs to employee {HOLDER}.",
    )
    refused_by_api(other.api("POST", f"/mentions/{mention_id}/release"), 403, "not_yours")
    unchanged(app, before)
    assert claim_of(mention_id)[0] == HOLDER


def test_a_supervisor_releases_anyones_claim(app, desk, claimed):
    """The one exception: a supervisor may drop an agent's claim."""
    mention_id, _holder = claimed
    supervisor = desk("0002", "supervisor")
    answer = supervisor.api("POST", f"/mentions/{mention_id}/release")
    assert answer.status_code == 200 and answer.get_json()["claimed_by"] is None
    assert claim_of(mention_id)[0] is None


@pytest.mark.parametrize("role", ["trainee", "agent"])
def test_nobody_takes_over_another_agents_claim(app, desk, claimed, role):
    """Claiming 0427's mention is 409 already_claimed naming 0427; the claim stays as it was."""
    mention_id, _holder = claimed
    other = desk("0428", role)
    before = snapshot(app)
    refused_on_web(
        other.form(f"/mentions/{mention_id}/claim"),
        409,
        f"Employee {HOLDER} is working on this.",
    )
    refused_by_api(
        other.api("POST", f"/mentions/{mention_id}/claim"),
        409,
        "already_claimed",
        claimed_by=HOLDER,
    )
    unchanged(app, before)


@pytest.mark.parametrize("role", ["trainee", "agent"])
def test_nobody_replies_on_another_agents_claim(app, desk, claimed, role):
    """A reply (a trainee's pending one too) on 0427's claim is 409; no reply, no job."""
    mention_id, holder = claimed
    other = desk("0428", role)
    before = snapshot(app)
    refused_on_web(
        other.form(f"/mentions/{mention_id}/reply", {"text": REPLY}),
        409,
        f"Employee {HOLDER} is working on this.",
    )
    refused_by_api(
        other.api("POST", f"/mentions/{mention_id}/replies", {"text": REPLY}),
        409,
        "already_claimed",
        claimed_by=HOLDER,
    )
    unchanged(app, before)
    # The holder still answers it.
    answer = holder.api("POST", f"/mentions/{mention_id}/replies", {"text": REPLY})
    assert answer.status_code == 202, answer.get_json()


def test_nobody_dismisses_another_agents_claim(app, desk, claimed):
    """Dismissing 0427's claim is 409 for an agent, 403 for a trainee (who never dismisses)."""
    mention_id, _holder = claimed
    agent, trainee = desk("0428", "agent"), desk("0201", "trainee")
    before = snapshot(app)
    path = f"/mentions/{mention_id}/dismiss"
    refused_on_web(
        agent.form(path, {"reason": REASON}), 409, f"Employee {HOLDER} is working on this."
    )
    refused_by_api(agent.api("POST", path, {"reason": REASON}), 409, "already_claimed")
    refused_on_web(
        trainee.form(path, {"reason": REASON}),
        403,
        "Your role does not allow this; ask a supervisor.",
    )
    refused_by_api(trainee.api("POST", path, {"reason": REASON}), 403, "forbidden")
    unchanged(app, before)


def test_anyone_may_raise_another_agents_claim_to_supervisors_without_taking_it(app, desk, claimed):
    """By design: an escalation is a flag for supervisors, open to anyone who sees a problem.

    It takes nothing from the holder: 0427 keeps the claim, its expiry and the reply box.
    """
    mention_id, _holder = claimed
    other = desk("0428", "agent")
    before = db.session.execute(
        sa.select(Mention.claimed_by_id, Mention.claim_expires_at).where(Mention.id == mention_id)
    ).one()
    answer = other.api("POST", f"/mentions/{mention_id}/escalate", {"reason": REASON})
    assert answer.status_code in (200, 201), answer.get_data(as_text=True)
    db.session.expire_all()
    after = db.session.execute(
        sa.select(Mention.claimed_by_id, Mention.claim_expires_at).where(Mention.id == mention_id)
    ).one()
    assert after == before
    raised = db.session.scalar(sa.select(Escalation).where(Escalation.mention_id == mention_id))
    assert raised.raised_by_id == other.employee.id


def test_reading_a_claimed_mention_neither_takes_nor_extends_the_claim(app, desk, claimed):
    """Another agent sees the mention and who holds it; the claim is left exactly as it was."""
    mention_id, _holder = claimed
    other = desk("0428", "agent")
    before = snapshot(app)
    page = other.page(f"/mentions/{mention_id}")
    assert page.status_code == 200 and f"Employee {HOLDER} is working on this." in page.text
    assert 'id="composer"' not in page.text  # no reply form on someone else's claim
    answer = other.api("GET", f"/mentions/{mention_id}")
    assert answer.status_code == 200 and answer.get_json()["claimed_by"] == HOLDER
    assert other.page("/inbox/live").status_code == 200
    unchanged(app, before)


@pytest.fixture
def pending(app: Flask, desk, mentions):
    """Trainee 0201's reply waiting for approval: (its id, 0201's desk)."""
    author = desk("0201", "trainee")
    (mention_id,) = mentions("Is the shop open on Sunday?")
    reply = replies.create_reply(mention_id, author.employee, REPLY)
    assert reply.status is ReplyStatus.PENDING_APPROVAL
    return reply.id, author


@pytest.mark.parametrize("who", ["author", "other trainee", "agent"])
def test_only_supervisors_approve_or_reject_a_trainees_reply(app, desk, pending, who):
    """Its author, another trainee and an agent get 403 approving or rejecting it, anywhere."""
    reply_id, author = pending
    actor = {
        "author": lambda: author,
        "other trainee": lambda: desk("0202", "trainee"),
        "agent": lambda: desk("0428", "agent"),
    }[who]()
    before = snapshot(app)
    refused_on_web(actor.form(f"/supervise/replies/{reply_id}/approve"), 403)
    refused_on_web(actor.form(f"/supervise/replies/{reply_id}/reject", {"reason": REASON}), 403)
    refused_by_api(actor.api("POST", f"/replies/{reply_id}/approve"), 403, "forbidden")
    refused_by_api(
        actor.api("POST", f"/replies/{reply_id}/reject", {"reason": REASON}), 403, "forbidden"
    )
    unchanged(app, before)
    db.session.rollback()
    reply = db.session.get(Reply, reply_id)
    assert reply is not None
    assert reply.status is ReplyStatus.PENDING_APPROVAL
    assert reply.approved_by_id is None and reply.last_error is None  # no notes written


def test_a_trainee_promoted_to_supervisor_does_not_approve_their_own_reply(app, desk, pending):
    """Approval is a second pair of eyes: the author is refused (403 own_reply), others not."""
    reply_id, author = pending
    employees.set_role(author.employee, "supervisor", actor=None)
    promoted = Desk(app, db.session.get(Employee, author.employee.id))  # signs in again
    before = snapshot(app)
    refused_on_web(
        promoted.form(f"/supervise/replies/{reply_id}/approve"),
        403,
        "Nobody approves or rejects their own reply; ask another supervisor.",
    )
    refused_by_api(promoted.api("POST", f"/replies/{reply_id}/approve"), 403, "own_reply")
    unchanged(app, before)
    approved = desk("0002", "supervisor").api("POST", f"/replies/{reply_id}/approve")
    assert approved.status_code == 200 and approved.get_json()["reply"]["status"] == "queued"


def test_a_supervisors_rejection_note_cannot_be_rewritten_by_anyone(app, desk, pending):
    """Once rejected with a note, a second reject (even a supervisor's) is 409; the note stays."""
    reply_id, author = pending
    supervisor = desk("0002", "supervisor")
    first = supervisor.api("POST", f"/replies/{reply_id}/reject", {"reason": "Too casual."})
    assert first.status_code == 200 and first.get_json()["reply"]["error"] == "Too casual."
    before = snapshot(app)
    refused_by_api(
        supervisor.api("POST", f"/replies/{reply_id}/reject", {"reason": "Other."}),
        409,
        "not_pending",
    )
    refused_by_api(
        author.api("POST", f"/replies/{reply_id}/reject", {"reason": "Fine."}), 403, "forbidden"
    )
    refused_on_web(author.form(f"/supervise/replies/{reply_id}/approve"), 403)
    unchanged(app, before)


def test_nobody_lists_or_revokes_another_employees_tokens(app, desk):
    """An agent's or a supervisor's try at 0427's tokens is refused; the token keeps working."""
    owner = desk(HOLDER, "agent")
    token_id = db.session.get(Employee, owner.employee.id).tokens[0].id
    for other in (desk("0428", "agent"), desk("0002", "supervisor")):
        before = snapshot(app)
        refused_by_api(other.api("GET", f"/employees/{HOLDER}/tokens"), 403, "forbidden")
        refused_by_api(other.api("POST", f"/tokens/{token_id}/revoke"), 404, "not_found")
        refused_on_web(other.form(f"/account/tokens/{token_id}/revoke"), 404)
        refused_on_web(other.page(f"/account/employees/{HOLDER}/tokens"), 403)
        listed = other.api("GET", "/tokens").get_json()["items"]
        assert token_id not in [item["id"] for item in listed]  # "my tokens" are only mine
        unchanged(app, before)
    db.session.rollback()
    assert db.session.get(ApiToken, token_id).revoked_at is None
    assert owner.api("GET", "/tokens").status_code == 200
