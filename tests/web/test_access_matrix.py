"""Access control as a matrix: every route in url_map against six kinds of caller.

POLICIES below has one entry per endpoint: the least role that may use it (PUBLIC: anyone),
whether it is an API route (bearer token: JSON 401 when signed out, JSON 403 below the
role) or a web page (cookie session: 302 to /auth/login when signed out, 403 below the
role), and how to build a real request for it. Every rule x caller answer is checked
against its entry: allowed callers get a real 2xx/3xx, refused ones exactly the refusal of
their kind, and a refused request changes nothing in the database or Redis. A suspended
employee keeps the cookie and the token they had before and is refused like an anonymous
visitor everywhere.

To add a route, add its entry to POLICIES, e.g.

    "account.sessions": Policy(SIGNED_IN, WEB),
    "api.revoke_token": Policy(Role.ADMIN, API, lambda w, me: call(token_id=w.others_token()),
                               refusal=404),

The builder (third argument) gets the World and the calling employee (None when signed
out) and returns call(data=..., **url_values): `data` is the form (the CSRF token is added),
the JSON body or the query string. It should create what the call acts on, fresh, so an
allowed caller gets a real answer. Give `refusal` when a signed-in employee below the role
gets something other than 403 (a 404 that does not tell whether the object exists), and
`own_session=True` when the call ends or changes the caller's own session or password (it
then runs as a throwaway caller of the same kind). A route without an entry fails with
"route X has no access policy", and so does an entry whose route is gone.
tests/web/test_csrf_routes.py builds its requests from the same entries.
"""

from __future__ import annotations

import itertools
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from helpdesk import create_app
from helpdesk.extensions import db
from helpdesk.models import Employee, Mention, MentionStatus, Role
from helpdesk.services import canned, employees, escalation, inbox, replies, rules
from helpdesk.services.ingest import ingest_mentions
from tests.support.app import (
    PASSWORD,
    FreshContextClient,
    empty_redis,
    empty_tables,
    environ_for,
)
from tests.support.web import csrf_from


@dataclass(frozen=True)
class Call:
    """What one request needs: values for the URL rule, and the form, JSON body or query."""

    values: dict[str, object] = field(default_factory=dict)
    data: dict[str, object] | None = None


def call(data: dict[str, object] | None = None, **values: object) -> Call:
    """A Call: call(mention_id=7, data={"reason": "spam"})."""
    return Call(values, data)


Builder = Callable[["World", "Employee | None"], Call]


@dataclass(frozen=True)
class Policy:
    """Who may use an endpoint, how it refuses, and how to build a request for it."""

    minimum: Role | None  # None: public
    api: bool
    request: Builder = lambda w, me: call()  # noqa: E731 - the default: no values, no data
    refusal: int = 403  # what a signed-in employee below `minimum` gets
    own_session: bool = False  # ends or changes the caller's session: use a throwaway caller


PUBLIC = None
SIGNED_IN = Role.TRAINEE  # every employee: the lowest role
WEB, API = False, True
REPLY = "Thank you, we are checking this now."
STRONG = "violet tractor sings over quiet harbour"  # passes the password rules
REASON = "Access matrix: checking who may do this."
NOTE = "Access matrix: a staff-only note for @0427."
PULL = {"mode": "pull"}

POLICIES: dict[str, Policy] = {
    # Signing in and out, the language switch.
    "auth.login": Policy(PUBLIC, WEB, lambda w, me: call(data=w.owner_login()), own_session=True),
    "auth.logout": Policy(SIGNED_IN, WEB, own_session=True),
    "auth.language": Policy(SIGNED_IN, WEB, lambda w, me: call(data={"language": "en"})),
    # My account and tokens; an admin sees and revokes anyone's.
    "account.index": Policy(SIGNED_IN, WEB),
    "account.change_password": Policy(
        SIGNED_IN,
        WEB,
        lambda w, me: call(data={"current": PASSWORD, "new": STRONG, "confirm": STRONG}),
        own_session=True,
    ),
    "account.create_token": Policy(SIGNED_IN, WEB, lambda w, me: call(data={"name": "matrix"})),
    "account.revoke_token": Policy(
        Role.ADMIN, WEB, lambda w, me: call(token_id=w.others_token()), refusal=404
    ),
    "account.employee_tokens": Policy(Role.ADMIN, WEB, lambda w, me: call(number=w.target())),
    # The inbox pages.
    "inbox.index": Policy(SIGNED_IN, WEB),
    "inbox.live": Policy(SIGNED_IN, WEB),
    "inbox.presence_live": Policy(SIGNED_IN, WEB, lambda w, me: call(data={"ids": "1,2"})),
    "inbox.presence_note": Policy(
        SIGNED_IN, WEB, lambda w, me: call(mention_id=w.mention(), data={"state": "viewing"})
    ),
    "inbox.mention": Policy(SIGNED_IN, WEB, lambda w, me: call(mention_id=w.answered_mention())),
    "inbox.claim": Policy(SIGNED_IN, WEB, lambda w, me: call(mention_id=w.mention())),
    "inbox.release": Policy(SIGNED_IN, WEB, lambda w, me: call(mention_id=w.claimed(me))),
    "inbox.reply": Policy(
        SIGNED_IN, WEB, lambda w, me: call(mention_id=w.mention(), data={"text": REPLY})
    ),
    "inbox.dismiss": Policy(
        Role.AGENT, WEB, lambda w, me: call(mention_id=w.mention(), data={"reason": REASON})
    ),
    "inbox.move_to_dm": Policy(SIGNED_IN, WEB, lambda w, me: call(mention_id=w.mention())),
    "inbox.escalate": Policy(
        SIGNED_IN,
        WEB,
        lambda w, me: call(mention_id=w.mention(), data={"escalate-reason": REASON}),
    ),
    "inbox.add_note": Policy(
        SIGNED_IN, WEB, lambda w, me: call(mention_id=w.mention(), data={"note-text": NOTE})
    ),
    "inbox.notifications": Policy(SIGNED_IN, WEB),
    # Tags: staff who may work on the mention (a trainee: one they hold).
    "inbox.set_tags": Policy(SIGNED_IN, WEB, lambda w, me: call(mention_id=w.claimed(me))),
    # The supervisors' pages.
    "supervise.index": Policy(Role.SUPERVISOR, WEB),
    "supervise.coverage_page": Policy(Role.SUPERVISOR, WEB),
    "supervise.approve": Policy(Role.SUPERVISOR, WEB, lambda w, me: call(reply_id=w.pending())),
    "supervise.reject": Policy(
        Role.SUPERVISOR, WEB, lambda w, me: call(reply_id=w.pending(), data={"reason": REASON})
    ),
    "supervise.assign": Policy(
        Role.SUPERVISOR,
        WEB,
        lambda w, me: call(escalation_id=w.escalation(), data={"employee": w.agent.number}),
    ),
    "supervise.resolve": Policy(
        Role.SUPERVISOR,
        WEB,
        lambda w, me: call(escalation_id=w.escalation(), data={"note": REASON}),
    ),
    "supervise.take": Policy(
        Role.SUPERVISOR, WEB, lambda w, me: call(escalation_id=w.escalation())
    ),
    "supervise.mentions_csv": Policy(Role.SUPERVISOR, WEB, lambda w, me: call(data=w.days())),
    "supervise.employees_page": Policy(Role.SUPERVISOR, WEB),
    "supervise.create_employee": Policy(
        Role.SUPERVISOR, WEB, lambda w, me: call(data=w.new_employee_form())
    ),
    "supervise.change_role": Policy(
        Role.SUPERVISOR, WEB, lambda w, me: call(number=w.trainee_target(), data={"role": "agent"})
    ),
    "supervise.suspend": Policy(
        Role.SUPERVISOR, WEB, lambda w, me: call(number=w.target(), data={"confirm": "y"})
    ),
    "supervise.reinstate": Policy(Role.SUPERVISOR, WEB, lambda w, me: call(number=w.target())),
    "supervise.reset_password": Policy(
        Role.SUPERVISOR, WEB, lambda w, me: call(number=w.target(), data={"password": STRONG})
    ),
    "supervise.canned_page": Policy(Role.SUPERVISOR, WEB),
    "supervise.create_canned": Policy(Role.SUPERVISOR, WEB, lambda w, me: call(data=CANNED)),
    "supervise.update_canned": Policy(
        Role.SUPERVISOR, WEB, lambda w, me: call(canned_id=w.canned(), data=CANNED)
    ),
    "supervise.deactivate_canned": Policy(
        Role.SUPERVISOR, WEB, lambda w, me: call(canned_id=w.canned())
    ),
    "supervise.reactivate_canned": Policy(
        Role.SUPERVISOR, WEB, lambda w, me: call(canned_id=w.canned(active=False))
    ),
    # The JSON API: tokens and health.
    "api.create_token": Policy(PUBLIC, API, lambda w, me: call(data=w.owner_login())),
    "api.get_health": Policy(PUBLIC, API),
    "api.get_openapi": Policy(PUBLIC, API),  # the published contract, as GitHub's and X's are
    "api.list_my_tokens": Policy(SIGNED_IN, API),
    "api.list_employee_tokens": Policy(Role.ADMIN, API, lambda w, me: call(number=w.target())),
    "api.revoke_token": Policy(
        Role.ADMIN, API, lambda w, me: call(token_id=w.others_token()), refusal=404
    ),
    # The JSON API: mentions and replies.
    "api.list_mentions": Policy(SIGNED_IN, API),
    "api.get_mention": Policy(SIGNED_IN, API, lambda w, me: call(mention_id=w.answered_mention())),
    "api.claim": Policy(SIGNED_IN, API, lambda w, me: call(mention_id=w.mention())),
    "api.release": Policy(SIGNED_IN, API, lambda w, me: call(mention_id=w.claimed(me))),
    "api.create_reply": Policy(
        SIGNED_IN, API, lambda w, me: call(mention_id=w.mention(), data={"text": REPLY})
    ),
    "api.preview_reply": Policy(SIGNED_IN, API, lambda w, me: call(data={"text": REPLY})),
    "api.get_reply": Policy(SIGNED_IN, API, lambda w, me: call(reply_id=w.any_reply())),
    "api.approve_reply": Policy(Role.SUPERVISOR, API, lambda w, me: call(reply_id=w.pending())),
    "api.reject_reply": Policy(
        Role.SUPERVISOR, API, lambda w, me: call(reply_id=w.pending(), data={"reason": REASON})
    ),
    "api.dismiss": Policy(
        Role.AGENT, API, lambda w, me: call(mention_id=w.mention(), data={"reason": REASON})
    ),
    "api.move_to_dm": Policy(SIGNED_IN, API, lambda w, me: call(mention_id=w.mention())),
    "api.escalate": Policy(
        SIGNED_IN, API, lambda w, me: call(mention_id=w.mention(), data={"reason": REASON})
    ),
    "api.list_notes": Policy(SIGNED_IN, API, lambda w, me: call(mention_id=w.mention())),
    "api.create_note": Policy(
        SIGNED_IN, API, lambda w, me: call(mention_id=w.mention(), data={"text": NOTE})
    ),
    "api.set_tags": Policy(
        SIGNED_IN, API, lambda w, me: call(mention_id=w.claimed(me), data={"tags": []})
    ),
    "api.tag_suggestions": Policy(SIGNED_IN, API, lambda w, me: call(mention_id=w.mention())),
    "api.list_canned_replies": Policy(SIGNED_IN, API),
    # The JSON API: the supervisors' queue, coverage and employees.
    "api.list_escalations": Policy(Role.SUPERVISOR, API),
    "api.assign_escalation": Policy(
        Role.SUPERVISOR,
        API,
        lambda w, me: call(escalation_id=w.escalation(), data={"employee": w.agent.number}),
    ),
    "api.resolve_escalation": Policy(
        Role.SUPERVISOR,
        API,
        lambda w, me: call(escalation_id=w.escalation(), data={"note": REASON}),
    ),
    "api.take_escalation": Policy(
        Role.SUPERVISOR, API, lambda w, me: call(escalation_id=w.escalation())
    ),
    "api.get_coverage": Policy(Role.SUPERVISOR, API),
    "api.list_employees": Policy(Role.SUPERVISOR, API),
    "api.create_employee": Policy(
        Role.SUPERVISOR, API, lambda w, me: call(data=w.new_employee_form())
    ),
    "api.get_employee": Policy(Role.SUPERVISOR, API, lambda w, me: call(number=w.target())),
    "api.change_role": Policy(
        Role.SUPERVISOR, API, lambda w, me: call(number=w.trainee_target(), data={"role": "agent"})
    ),
    "api.suspend_employee": Policy(Role.SUPERVISOR, API, lambda w, me: call(number=w.target())),
    "api.reinstate_employee": Policy(Role.SUPERVISOR, API, lambda w, me: call(number=w.target())),
    "api.reset_password": Policy(
        Role.SUPERVISOR, API, lambda w, me: call(number=w.target(), data={"password": STRONG})
    ),
    # -- routing (issue 17) --
    "inbox.next_mention": Policy(SIGNED_IN, WEB),
    "supervise.set_skills": Policy(
        Role.SUPERVISOR,
        WEB,
        lambda w, me: call(number=w.target(), data={"languages": "ja", "capacity": "3"}),
    ),
    "supervise.set_routing_mode": Policy(Role.SUPERVISOR, WEB, lambda w, me: call(data=PULL)),
    "api.next_mention": Policy(SIGNED_IN, API, lambda w, me: free_hands(me)),
    "api.get_routing": Policy(SIGNED_IN, API),
    "api.set_routing": Policy(Role.SUPERVISOR, API, lambda w, me: call(data=PULL)),
    "api.get_skills": Policy(Role.SUPERVISOR, API, lambda w, me: call(number=w.target())),
    "api.set_skills": Policy(
        Role.SUPERVISOR,
        API,
        lambda w, me: call(
            number=w.target(), data={"languages": ["ja"], "tags": [], "capacity": 3}
        ),
    ),
    "api.get_presence": Policy(Role.SUPERVISOR, API),
    "api.list_tags": Policy(SIGNED_IN, API),
    "api.create_tag": Policy(
        Role.SUPERVISOR, API, lambda w, me: call(data={"name": f"tag {next(w._numbers)}"})
    ),
    # -- audit browse (issue 9) --
    "supervise.audit_page": Policy(Role.SUPERVISOR, WEB),
    # -- rules as data (issue 10) --
    "supervise.rules_page": Policy(Role.SUPERVISOR, WEB),
    "supervise.test_rules": Policy(Role.SUPERVISOR, WEB, lambda w, me: call(data=RULE_TEST)),
    "supervise.add_guideline_rule": Policy(
        Role.SUPERVISOR, WEB, lambda w, me: call(data=_new_guideline_form())
    ),
    "supervise.update_guideline_rule": Policy(
        Role.SUPERVISOR,
        WEB,
        lambda w, me: call(rule_id=_guideline_rule(w), data=_new_guideline_form()),
    ),
    "supervise.disable_guideline_rule": Policy(
        Role.SUPERVISOR, WEB, lambda w, me: call(rule_id=_guideline_rule(w))
    ),
    "supervise.enable_guideline_rule": Policy(
        Role.SUPERVISOR, WEB, lambda w, me: call(rule_id=_guideline_rule(w, enabled=False))
    ),
    "supervise.add_priority_rule": Policy(
        Role.SUPERVISOR, WEB, lambda w, me: call(data=_new_priority_form())
    ),
    "supervise.update_priority_rule": Policy(
        Role.SUPERVISOR,
        WEB,
        lambda w, me: call(rule_id=_priority_rule(w), data=_new_priority_form()),
    ),
    "supervise.disable_priority_rule": Policy(
        Role.SUPERVISOR, WEB, lambda w, me: call(rule_id=_priority_rule(w))
    ),
    "supervise.enable_priority_rule": Policy(
        Role.SUPERVISOR, WEB, lambda w, me: call(rule_id=_priority_rule(w, enabled=False))
    ),
    "supervise.set_sla_target": Policy(
        Role.ADMIN, WEB, lambda w, me: call(data={"priority": "high", "minutes": "20"})
    ),
    "api.list_rules": Policy(Role.SUPERVISOR, API),
    "api.test_rules": Policy(Role.SUPERVISOR, API, lambda w, me: call(data=RULE_TEST)),
    "api.add_guideline_rule": Policy(
        Role.SUPERVISOR, API, lambda w, me: call(data=_new_guideline_form())
    ),
    "api.update_guideline_rule": Policy(
        Role.SUPERVISOR,
        API,
        lambda w, me: call(rule_id=_guideline_rule(w), data=_new_guideline_form()),
    ),
    "api.disable_guideline_rule": Policy(
        Role.SUPERVISOR, API, lambda w, me: call(rule_id=_guideline_rule(w))
    ),
    "api.enable_guideline_rule": Policy(
        Role.SUPERVISOR, API, lambda w, me: call(rule_id=_guideline_rule(w, enabled=False))
    ),
    "api.add_priority_rule": Policy(
        Role.SUPERVISOR, API, lambda w, me: call(data=_new_priority_form())
    ),
    "api.update_priority_rule": Policy(
        Role.SUPERVISOR,
        API,
        lambda w, me: call(rule_id=_priority_rule(w), data=_new_priority_form()),
    ),
    "api.disable_priority_rule": Policy(
        Role.SUPERVISOR, API, lambda w, me: call(rule_id=_priority_rule(w))
    ),
    "api.enable_priority_rule": Policy(
        Role.SUPERVISOR, API, lambda w, me: call(rule_id=_priority_rule(w, enabled=False))
    ),
    "api.set_sla_target": Policy(
        Role.ADMIN, API, lambda w, me: call(data={"priority": "high", "seconds": 1200})
    ),
    # -- what X costs (issue 18, item 4) --
    "supervise.costs_page": Policy(Role.SUPERVISOR, WEB),
    "supervise.set_price": Policy(
        Role.SUPERVISOR, WEB, lambda w, me: call(kind="reply", data={"usd": "0.01"})
    ),
    "supervise.set_post_read_cap": Policy(
        Role.SUPERVISOR, WEB, lambda w, me: call(data={"cap": "3000000"})
    ),
    "api.get_costs": Policy(Role.SUPERVISOR, API),
    "api.get_prices": Policy(Role.SUPERVISOR, API),
    "api.set_price": Policy(
        Role.SUPERVISOR, API, lambda w, me: call(kind="reply", data={"price": "0.01"})
    ),
    "api.set_post_read_cap": Policy(
        Role.SUPERVISOR, API, lambda w, me: call(data={"cap": 3000000})
    ),
    # -- listening (issue 10) --
    "supervise.listening_page": Policy(Role.SUPERVISOR, WEB),
    "supervise.listening_csv": Policy(Role.SUPERVISOR, WEB, lambda w, me: call(name="volume")),
    "supervise.coverage_csv": Policy(Role.SUPERVISOR, WEB, lambda w, me: call(name="rate")),
    "api.get_listening": Policy(Role.SUPERVISOR, API),
    # -- badges and coverage proof (issue 10) --
    "supervise.proof_page": Policy(
        Role.SUPERVISOR, WEB, lambda w, me: call(data={"from": "2026-11-01", "to": "2026-12-01"})
    ),
    "supervise.proof_csv": Policy(Role.SUPERVISOR, WEB, lambda w, me: call(digest=_kept_proof())),
    "supervise.proof_sha256": Policy(
        Role.SUPERVISOR, WEB, lambda w, me: call(digest=_kept_proof())
    ),
    "supervise.proof_signature": Policy(
        Role.SUPERVISOR, WEB, lambda w, me: call(digest=_kept_proof())
    ),
}

CANNED = {"title": "Matrix", "body": "Thank you for waiting.", "language": "en"}
RULE_TEST = {"text": "社外秘の件、至急お願いします", "followers": "10"}
_RULE_NUMBERS = itertools.count(1)


def free_hands(me: Employee | None) -> Call:
    """A Next call: caller's claims let go first, so their capacity never refuses it."""
    if me is not None:
        db.session.execute(
            sa.update(Mention)
            .where(Mention.claimed_by_id == me.id)
            .values(claimed_by_id=None, claim_expires_at=None)
        )
        db.session.commit()
    return call()


def _new_guideline_form() -> dict[str, object]:
    return {
        "kind": "banned_term",
        "value": f"matrix term {next(_RULE_NUMBERS)}",
        "severity": "warn",
    }


def _new_priority_form() -> dict[str, object]:
    return {"kind": "urgent_keyword", "language": "en", "value": f"matrix{next(_RULE_NUMBERS)}"}


def _guideline_rule(w: World, *, enabled: bool = True) -> int:
    """A fresh banned term, on or off."""
    made = rules.add_rule(
        "guideline",
        {"kind": "banned_term", "value": f"matrix rule {next(_RULE_NUMBERS)}", "severity": "block"},
        actor=w.supervisor,
    )
    if not enabled:
        rules.set_rule_enabled("guideline", made.id, False, actor=w.supervisor)
    return made.id


def _priority_rule(w: World, *, enabled: bool = True) -> int:
    """A fresh urgent keyword, on or off."""
    made = rules.add_rule(
        "priority",
        {"kind": "urgent_keyword", "language": "en", "value": f"matrixrule{next(_RULE_NUMBERS)}"},
        actor=w.supervisor,
    )
    if not enabled:
        rules.set_rule_enabled("priority", made.id, False, actor=w.supervisor)
    return made.id


KINDS = ("anonymous", "trainee", "agent", "supervisor", "admin", "suspended")
SIGNED_OUT = ("anonymous", "suspended")  # a suspended employee's session and tokens ended
SUSPENDED_ROLE = Role.ADMIN  # the strongest stale credentials: refused like anyone signed out
SKIPPED_ENDPOINTS = {"static"}
# Written by every authenticated request at most once a minute, refused or not.
VOLATILE_COLUMNS = {("api_tokens", "last_used_at")}
_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?(\w+)>")


@dataclass(frozen=True)
class Route:
    """One rule and method of the app's url_map."""

    endpoint: str
    method: str
    rule: str

    def __str__(self) -> str:
        return f"{self.endpoint} {self.method} {self.rule}"

    def path(self, values: dict[str, object]) -> str:
        missing = set(_ARGUMENT.findall(self.rule)) - set(values)
        assert not missing, f"route {self}: its request builder gives no {sorted(missing)}"
        return _ARGUMENT.sub(lambda m: str(values[m.group(1)]), self.rule)


def routes_of(app: Flask) -> list[Route]:
    """Every rule and method in the app's url_map but static, in a stable order."""
    found = {
        Route(rule.endpoint, method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in SKIPPED_ENDPOINTS
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    return sorted(found, key=lambda r: (r.endpoint, r.rule, r.method))


@cache
def collected_routes() -> list[Route]:
    """The url_map of an app built only to be read, so the cases exist at collection time."""
    with tempfile.TemporaryDirectory() as instance:
        environ = environ_for(Path(instance), "redis://127.0.0.1:1/0", "http://127.0.0.1:1")
        app = create_app(
            {"TESTING": True, "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://"},
            environ=environ,
        )
        return routes_of(app)


def policy_for(route: Route) -> Policy:
    """The route's entry in POLICIES, or a failure saying it has none."""
    policy = POLICIES.get(route.endpoint)
    if policy is None:
        pytest.fail(
            f"route {route} has no access policy: add {route.endpoint!r} to POLICIES in"
            " tests/web/test_access_matrix.py"
        )
    return policy


def allowed(policy: Policy, kind: str) -> bool:
    """True when a caller of this kind may use the endpoint."""
    if policy.minimum is PUBLIC:
        return True
    if kind in SIGNED_OUT:
        return False
    return Role(kind).rank >= policy.minimum.rank


@dataclass
class Caller:
    """One kind of caller: the employee (None when anonymous), a cookie session, a token."""

    kind: str
    employee: Employee | None
    client: FlaskClient
    csrf: str
    token: str | None = None


class World:
    """The callers, and fresh objects for each case to act on: one per test module."""

    def __init__(self, app: Flask, sandbox: Any) -> None:
        self.app, self.sandbox = app, sandbox
        self._numbers = itertools.count(7000)
        self._seeds = itertools.count(1)
        self._pool: list[int] = []
        self._seen_mention = 0
        self.password_hash = db.session.scalar(sa.select(Employee.password_hash).limit(1))
        self.callers: dict[str, Caller] = {}
        for kind in KINDS:
            self.callers[kind] = self.new_caller(kind)
        self.agent = self.callers["agent"].employee
        self.trainee = self.callers["trainee"].employee
        self.supervisor = self.callers["supervisor"].employee
        assert self.agent and self.trainee and self.supervisor
        self._target = self.add_employee(Role.AGENT)
        self._owner = self.add_employee(Role.AGENT)
        self._answered: int | None = None
        self._reply: int | None = None

    # Callers and employees.

    def new_caller(self, kind: str) -> Caller:
        """A signed-in client (and token) for a kind; suspended ones are suspended after."""
        client = self.app.test_client()
        if kind == "anonymous":
            return Caller(kind, None, client, csrf_from(client.get("/auth/login").text))
        role = SUSPENDED_ROLE if kind == "suspended" else Role(kind)
        employee = self.add_employee(role)
        page = client.post(
            "/auth/login",
            data={
                "number": employee.number,
                "password": PASSWORD,
                "csrf_token": csrf_from(client.get("/auth/login").text),
            },
        )
        assert page.status_code == 302, f"{kind} could not sign in"
        csrf = csrf_from(client.get("/account").text)
        answer = self.app.test_client().post(
            "/api/v1/auth/token", json={"number": employee.number, "password": PASSWORD}
        )
        assert answer.status_code == 201, answer.text
        if kind == "suspended":
            employees.set_active(employee, False)
        return Caller(kind, employee, client, csrf, answer.get_json()["token"])

    def add_employee(self, role: Role) -> Employee:
        """A new employee with PASSWORD: the first through the service, then (fast) its hash."""
        number = str(next(self._numbers))
        if self.password_hash is None:
            employee = employees.create_employee(number, f"Matrix {number}", role, PASSWORD)
            self.password_hash = employee.password_hash
            return employee
        employee = Employee(
            number=number, name=f"Matrix {number}", role=role, password_hash=self.password_hash
        )
        db.session.add(employee)
        db.session.commit()
        return employee

    def target(self) -> str:
        """An agent that supervisors and admins manage (suspend, reset, list tokens)."""
        return self._target.number

    def trainee_target(self) -> str:
        """A fresh trainee, to be certified."""
        return self.add_employee(Role.TRAINEE).number

    def new_employee_form(self) -> dict[str, object]:
        """The fields of an employee that does not exist yet."""
        number = str(next(self._numbers))
        return {"number": number, "name": f"New {number}", "role": "agent", "password": STRONG}

    def owner_login(self) -> dict[str, object]:
        """Working credentials (of an agent nobody else uses)."""
        return {"number": self._owner.number, "password": PASSWORD}

    def others_token(self) -> int:
        """The id of a fresh token of the target agent (not the caller's own)."""
        _, row = employees.issue_token(self._target, "someone else's")
        return row.id

    def days(self) -> dict[str, object]:
        """A period of whole days, yesterday and today, as the export's query."""
        today = date.today()
        return {"from": str(today - timedelta(days=1)), "to": str(today)}

    # Mentions, replies, escalations, canned replies.

    def mention(self) -> int:
        """A fresh open mention from the sandbox that nobody has touched (Next and auto routing
        claim the most urgent open mention, which may be one the pool holds: those are passed)."""
        while True:
            if not self._pool:
                self._ingest(40)
            mention_id = self._pool.pop(0)
            if self._untouched(mention_id):
                return mention_id

    def _untouched(self, mention_id: int) -> bool:
        mention = db.session.get(Mention, mention_id)
        assert mention is not None
        db.session.refresh(mention)
        return (
            mention.status == MentionStatus.OPEN
            and mention.claimed_by_id is None
            and mention.escalated_at is None
        )

    def _ingest(self, count: int) -> None:
        response = self.sandbox.post(
            "/_sandbox/mentions/bulk", {"count": count, "seed": next(self._seeds)}
        )
        assert response.status_code == 201, response.text
        ingest_mentions()
        fresh = db.session.scalars(
            sa.select(Mention.id)
            .where(
                Mention.id > self._seen_mention,
                Mention.status == MentionStatus.OPEN,
                Mention.claimed_by_id.is_(None),
                Mention.escalated_at.is_(None),
            )
            .order_by(Mention.id)
        ).all()
        assert fresh, "the sandbox gave no open mentions"
        self._seen_mention = db.session.scalar(sa.select(sa.func.max(Mention.id))) or 0
        self._pool.extend(fresh)

    def claimed(self, me: Employee | None) -> int:
        """A fresh mention claimed by the caller (by an agent when nobody is signed in)."""
        mention_id = self.mention()
        inbox.claim(mention_id, me or self.agent)
        return mention_id

    def pending(self) -> int:
        """A trainee's fresh reply, waiting for a supervisor."""
        return replies.create_reply(self.mention(), self.trainee, REPLY).id

    def answered_mention(self) -> int:
        """A mention with an agent's reply (made once, read by many)."""
        if self._answered is None:
            self._answered = self.mention()
            self._reply = replies.create_reply(self._answered, self.agent, REPLY).id
        return self._answered

    def any_reply(self) -> int:
        """An agent's reply (made once, read by many)."""
        self.answered_mention()
        assert self._reply is not None
        return self._reply

    def escalation(self) -> int:
        """A fresh open escalation raised by an agent."""
        return escalation.escalate(self.mention(), self.agent, REASON).id

    def canned(self, *, active: bool = True) -> int:
        """A fresh canned reply, in the composers or retired."""
        made = canned.create_canned(
            f"Matrix {next(self._numbers)}", "Thank you for waiting.", "en", actor=self.supervisor
        )
        if not active:
            canned.set_canned_active(made.id, False, actor=self.supervisor)
        return made.id


@contextmanager
def open_world(app: Flask, sandbox: Any) -> Iterator[World]:
    """A World on empty tables, an empty Redis and sandbox, in an app context."""
    app.test_client_class = FreshContextClient
    with app.app_context():
        empty_tables()
        empty_redis(app)
        sandbox.post("/_sandbox/reset")
        yield World(app, sandbox)
        db.session.remove()


@pytest.fixture(scope="module")
def world(session_app: Flask, sandbox_server: Any) -> Iterator[World]:
    """The module's callers and objects (the session's app, built once per module)."""
    with open_world(session_app, sandbox_server) as made:
        yield made


EPHEMERAL_KEYS = (b"helpdesk:watch:",)


def snapshot(app: Flask) -> dict[str, object]:
    """Every row of every table (bar volatile columns) and the number of Redis keys."""
    db.session.rollback()
    # Live presence's keys (who views a mention) expire on their own within a minute, so
    # they are left out, like the volatile columns: a key expiring mid-check is no change.
    keys = app.extensions["redis"].scan_iter(count=1000)
    lasting = sum(1 for key in keys if not key.startswith(EPHEMERAL_KEYS))
    state: dict[str, object] = {"redis keys": lasting}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.c if (table.name, c.name) not in VOLATILE_COLUMNS]
            rows = conn.execute(sa.select(*columns)).all()
            state[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return state


def changes(before: dict[str, object], after: dict[str, object]) -> list[str]:
    """The tables (and Redis) whose contents differ."""
    return [name for name in before if before[name] != after.get(name)]


OWN_TOKEN = "the caller's own CSRF token"


def send(
    world: World,
    route: Route,
    caller: Caller,
    made: Call,
    *,
    cookie: bool = False,
    csrf: str | None = OWN_TOKEN,
) -> TestResponse:
    """The request as its kind of client sends it: web with the session cookie and a CSRF
    token, API with the caller's bearer token (or, with cookie=True, the session and the
    X-CSRFToken header). `csrf` replaces the caller's token (None: send none)."""
    path = route.path(made.values)
    token = caller.csrf if csrf == OWN_TOKEN else csrf
    if route.method == "GET":
        query = made.data or {}
        if policy_for(route).api and not cookie:
            return world.app.test_client().get(path, query_string=query, headers=_bearer(caller))
        return caller.client.get(path, query_string=query)
    if not policy_for(route).api:
        form = dict(made.data or {})
        if token is not None:
            form["csrf_token"] = token
        return caller.client.post(path, data=form)
    body = made.data or {}
    if cookie:
        headers = {"X-CSRFToken": token} if token is not None else {}
        return caller.client.open(path, method=route.method, json=body, headers=headers)
    return world.app.test_client().open(
        path, method=route.method, json=body, headers=_bearer(caller)
    )


def _bearer(caller: Caller) -> dict[str, str]:
    return {"Authorization": f"Bearer {caller.token}"} if caller.token else {}


def login_redirect(response: TestResponse) -> str | None:
    """The `next` of a redirect to the login page (Flask-Login's refusal), else None."""
    if response.status_code != 302:
        return None
    location = urlsplit(response.headers.get("Location", ""))
    if location.path != "/auth/login":
        return None
    return parse_qs(location.query).get("next", [""])[0]


def expect_allowed(route: Route, kind: str, response: TestResponse) -> None:
    """Served: no 401/403, no redirect to sign in, and a real answer (2xx/3xx)."""
    where = f"{route} as {kind}"
    assert response.status_code < 400, f"{where} was refused: {response.status_code}"
    assert not login_redirect(response), f"{where} was sent to sign in"


def expect_signed_out(route: Route, kind: str, response: TestResponse, path: str) -> None:
    """Refused as nobody: API 401 unauthorized; web 302 to the login page and back."""
    where = f"{route} as {kind}"
    if policy_for(route).api:
        assert response.status_code == 401, f"{where}: {response.status_code}, not 401"
        assert response.get_json()["error"]["code"] == "unauthorized", where
        return
    next_url = login_redirect(response)
    assert next_url is not None, f"{where}: {response.status_code}, not a redirect to sign in"
    assert urlsplit(next_url).path == path, f"{where}: sign-in would go back to {next_url}"


def expect_below_role(route: Route, kind: str, response: TestResponse) -> None:
    """Refused for the role: the policy's refusal (403, or a 404 that hides the object)."""
    policy = policy_for(route)
    where = f"{route} as {kind}"
    assert response.status_code == policy.refusal, (
        f"{where}: {response.status_code}, not {policy.refusal}"
    )
    if policy.api:
        code = {403: "forbidden", 404: "not_found"}[policy.refusal]
        assert response.get_json()["error"]["code"] == code, where


def caller_for(world: World, policy: Policy, kind: str) -> Caller:
    """The kind's shared caller, or a throwaway one when the call touches its own session."""
    if policy.own_session and allowed(policy, kind):
        return world.new_caller(kind)
    return world.callers[kind]


CASES = [
    pytest.param(route, kind, id=f"{route} as {kind}")
    for route in collected_routes()
    for kind in KINDS
]


def test_every_route_has_a_policy() -> None:
    """Each endpoint in url_map (but static) has an entry in POLICIES."""
    missing = sorted({r.endpoint for r in collected_routes()} - set(POLICIES))
    assert not missing, "\n".join(f"route {name} has no access policy" for name in missing)


def test_every_policy_has_a_route() -> None:
    """Each entry in POLICIES names an endpoint that exists, as API or web as it says."""
    routes = collected_routes()
    stale = sorted(set(POLICIES) - {r.endpoint for r in routes})
    assert not stale, "\n".join(f"policy {name} has no route" for name in stale)
    for route in routes:
        if route.endpoint not in POLICIES:
            continue  # reported by test_every_route_has_a_policy
        api = route.rule.startswith("/api/")
        assert POLICIES[route.endpoint].api == api, f"{route} is {'API' if api else 'web'}"


def test_the_matrix_walks_the_apps_own_url_map(session_app: Flask) -> None:
    """The routes collected for the cases are those of the app the tests run against."""
    assert routes_of(session_app) == collected_routes()


def test_the_snapshot_sees_a_served_call(world: World) -> None:
    """The "changed nothing" check would notice a change (a claim, here)."""
    route = Route("api.claim", "POST", "/api/v1/mentions/<id:mention_id>/claim")
    made = POLICIES[route.endpoint].request(world, world.agent)
    before = snapshot(world.app)
    expect_allowed(route, "agent", send(world, route, world.callers["agent"], made))
    assert set(changes(before, snapshot(world.app))) == {"mentions", "audit_events"}


@pytest.mark.parametrize("route, kind", CASES)
def test_route_answers_each_caller_as_its_policy_says(
    world: World, route: Route, kind: str
) -> None:
    """Allowed callers are served; refused ones get their kind's refusal and change nothing."""
    policy = policy_for(route)
    caller = caller_for(world, policy, kind)
    me = caller.employee
    made = policy.request(world, me)
    path = route.path(made.values)
    before = snapshot(world.app)
    response = send(world, route, caller, made)
    if allowed(policy, kind):
        expect_allowed(route, kind, response)
        return
    if kind in SIGNED_OUT:
        expect_signed_out(route, kind, response, path)
        if policy.api and kind == "suspended":  # the old browser session ended as well
            stale = send(world, route, caller, made, cookie=True)
            expect_signed_out(route, f"{kind} (session cookie)", stale, path)
    else:
        expect_below_role(route, kind, response)
    after = snapshot(world.app)
    assert not changes(before, after), f"{route} as {kind} changed {changes(before, after)}"


def _kept_proof() -> str:
    """A coverage proof kept in Redis, as the proof page keeps it: its digest (issue 10)."""
    from helpdesk.models.types import utcnow
    from helpdesk.services import periods
    from helpdesk.services.coverage_proof import prove
    from helpdesk.services.proof_reports import keep

    period = periods.parse(periods.PROOF, None, "2026-11-01", "2026-12-01", "Asia/Tokyo")
    return keep(prove(period.start, period.end, utcnow()), "coverage-proof-matrix.csv")
