"""Fuzz every web form's text fields with hostile values, signed in, with a real CSRF token.

For each form route, on a freshly seeded desk: hypothesis draws values for the form's text
fields (lone surrogates sent as the raw bytes a broken client would send, control and
invisible characters, NUL, huge and odd numbers, 1 MB strings, and ordinary text) and posts
them url-encoded as a browser does. No answer may be a 500, and a refused form (4xx) must
leave every table as it was: nothing half-written. Bounded and derandomized like the API fuzz.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from urllib.parse import quote_from_bytes

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from helpdesk.extensions import db
from tests.support.app import PASSWORD, empty_tables
from tests.support.sandbox import RunningSandbox
from tests.support.seeded_desk import SeededDesk, seed_desk
from tests.support.web import csrf_from

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("HELPDESK_FUZZ_EXAMPLES", "8"))
SEED = os.environ.get("HELPDESK_FUZZ_SEED")
# Tables a refusal writes on purpose: how often a guideline stopped a reply is a figure.
COUNTED_REFUSALS = {"guideline_hits"}

MEGABYTE = 1_000_000
hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec=None, categories=["Cs"]), min_size=1, max_size=3),  # surrogates
    st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp"]), min_size=1, max_size=8),
    st.builds(lambda a, b: a + "\x00" + b, st.text(max_size=5), st.text(max_size=5)),
    st.integers(min_value=-(10**30), max_value=10**400).map(str),
    st.sampled_from(["1e309", "-0", "NaN", "0x10", "٣", "¹", "9" * 5000, "00000000001"]),
    st.sampled_from(["x" * MEGABYTE, "あ" * (MEGABYTE // 3), "\U0001f600" * (MEGABYTE // 4)]),
)

# Each form: (path, with {placeholders} from the seeded desk) -> its text fields, and the
# page whose CSRF token it carries. Boolean fields get "y" or nothing.
FORMS: dict[str, tuple[list[str], list[str]]] = {
    "/mentions/{mention}/reply": (["text"], ["confirm_warnings"]),
    "/mentions/{mention}/dismiss": (["reason"], []),
    "/mentions/{mention}/escalate": (["escalate-reason"], []),
    "/mentions/{mention}/presence": (["state"], []),
    "/mentions/{mention}/move-to-dm": (["move-text"], ["move-confirm_warnings"]),
    "/mentions/{mention}/notes": (["note-text"], ["note-about_customer"]),
    "/mentions/{mention}/tags": (["tags"], []),
    "/supervise/escalations/{escalation}/assign": (["employee"], []),
    "/supervise/escalations/{escalation}/resolve": (["note"], ["dismiss"]),
    "/supervise/replies/{reply}/reject": (["reason"], []),
    "/supervise/employees": (["number", "name", "role", "password"], []),
    "/supervise/employees/{agent}/role": (["role"], []),
    "/supervise/employees/{agent}/password": (["password"], []),
    "/supervise/employees/{agent}/suspend": ([], ["confirm"]),
    "/supervise/employees/{agent}/skills": (["languages", "tags", "capacity"], []),
    "/supervise/routing": (["mode"], []),
    "/supervise/canned": (["title", "body", "language"], []),
    "/supervise/canned/{canned}": (["title", "body", "language"], []),
    "/supervise/rules/guideline": (["kind", "value", "severity"], []),
    "/supervise/rules/guideline/{guideline_rule}": (["value", "severity"], []),
    "/supervise/rules/priority": (["kind", "language", "value"], []),
    "/supervise/rules/priority/{priority_rule}": (["language", "value"], []),
    "/supervise/rules/sla": (["priority", "minutes"], []),
    "/supervise/rules/test": (["text", "followers"], []),
    "/supervise/costs/prices/{price_kind}": (["usd"], []),
    "/supervise/costs/cap": (["cap"], []),
    "/account/password": (["current", "new", "confirm"], []),
    "/account/tokens": (["name"], []),
    "/auth/language": (["language", "next"], []),
    "/auth/login": (["number", "password"], []),
}

# POST routes whose forms carry no text (a button and the CSRF token): nothing to fuzz.
NO_TEXT = {
    "/mentions/{}/claim",
    "/mentions/{}/release",
    "/inbox/next",
    "/auth/logout",
    "/account/tokens/{}/revoke",
    "/supervise/canned/{}/deactivate",
    "/supervise/canned/{}/reactivate",
    "/supervise/escalations/{}/take",
    "/supervise/replies/{}/approve",
    "/supervise/employees/{}/reinstate",
    "/supervise/rules/guideline/{}/enable",
    "/supervise/rules/guideline/{}/disable",
    "/supervise/rules/priority/{}/enable",
    "/supervise/rules/priority/{}/disable",
}


def _encode(fields: dict[str, str]) -> bytes:
    """application/x-www-form-urlencoded, lone surrogates as their raw (invalid) UTF-8 bytes."""
    return b"&".join(
        quote_from_bytes(k.encode()).encode()
        + b"="
        + quote_from_bytes(v.encode("utf-8", "surrogatepass")).encode()
        for k, v in fields.items()
    )


def _snapshot(app: Flask) -> dict[str, str]:
    """A digest of every table's rows (small tables: the seeded desk)."""
    digests = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name in COUNTED_REFUSALS:
                continue
            rows = db.session.execute(sa.select(table).order_by(*table.primary_key)).all()
            digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
        db.session.remove()
    return digests


@pytest.fixture
def signed_in(session_app: Flask, x: RunningSandbox) -> Iterator[tuple[SeededDesk, FlaskClient]]:
    """A freshly seeded desk and a browser session of its admin (no app context held)."""
    with session_app.app_context():
        empty_tables()
        session_app.extensions["redis"].flushdb()
        desk = seed_desk(x)
        db.session.remove()
    client = FlaskClient(session_app, session_app.response_class, use_cookies=True)
    page = client.get("/auth/login")
    response = client.post(
        "/auth/login",
        data={"number": desk.admin, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 302, response.text
    yield desk, client
    with session_app.app_context():
        db.session.remove()


def _path(template: str, desk: SeededDesk) -> str:
    values = {
        "mention": desk.mention_ids[3],  # open and unclaimed
        "escalation": desk.escalation_id,
        "reply": desk.reply_ids[1],  # the trainee's, pending approval
        "agent": desk.agent,
        "canned": desk.canned_id,
        "guideline_rule": desk.guideline_rule_ids[-1],
        "priority_rule": desk.priority_rule_ids[-1],
        "price_kind": "reply",
    }
    return template.format(**values)


def _fuzz(app: Flask, client: FlaskClient, path: str, texts, flags) -> None:
    token = csrf_from(client.get("/account/").text)
    draw_fields = st.fixed_dictionaries(
        {name: hostile_text for name in texts},
        optional={name: st.just("y") for name in flags},
    )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=SEED is None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(fields=draw_fields)
    def run(fields: dict[str, str]) -> None:
        before = _snapshot(app)
        response = client.post(
            path,
            data=_encode({**fields, "csrf_token": token}),
            content_type="application/x-www-form-urlencoded",
            headers={"Accept-Language": "en"},
        )
        shown = {k: (v[:40] + f"...({len(v)})" if len(v) > 40 else v) for k, v in fields.items()}
        assert response.status_code < 500, f"{response.status_code} on {path} with {shown!r}"
        if response.status_code >= 400:
            after = _snapshot(app)
            changed = sorted(name for name in before if before[name] != after[name])
            assert not changed, f"refused ({response.status_code}) yet wrote {changed}: {shown!r}"

    if SEED is not None:
        from hypothesis import seed

        run = seed(int(SEED))(run)
    run()


def test_every_form_route_is_fuzzed(session_app: Flask) -> None:
    """A new web POST route must join FORMS (its text fields) or NO_TEXT."""
    routes = {
        re.sub(r"<[^>]+>", "{}", rule.rule)
        for rule in session_app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and not rule.rule.startswith(("/api/", "/static"))
    }
    fuzzed = {re.sub(r"\{[^}]+\}", "{}", template) for template in FORMS}
    assert routes - fuzzed - NO_TEXT == set()
    assert (fuzzed | NO_TEXT) - routes == set(), "FORMS or NO_TEXT name routes that are gone"


@pytest.mark.parametrize("template", sorted(FORMS))
def test_hostile_form_values_never_500_and_a_refusal_writes_nothing(
    session_app: Flask, signed_in, template: str
) -> None:
    """Every form: never a 500; a 4xx answer leaves every table unchanged."""
    desk, client = signed_in
    texts, flags = FORMS[template]
    _fuzz(session_app, client, _path(template, desk), texts, flags)


@pytest.mark.parametrize(
    ("page", "fields"),
    [
        ("/inbox", ["q", "status", "cursor", "sort"]),
        ("/inbox/presence", ["ids"]),
        ("/inbox/live", ["q", "status", "cursor", "sort", "kind"]),
        ("/supervise/coverage", ["from", "to", "period"]),
        ("/supervise/listening", ["from", "to", "period"]),
        ("/supervise/costs", ["from", "to", "period"]),
        ("/supervise/coverage/proof", ["from", "to"]),
        ("/supervise/audit", ["from", "to", "q", "cursor"]),
    ],
)
def test_hostile_filter_values_never_500(session_app: Flask, signed_in, page, fields) -> None:
    """The GET forms (filters, periods): never a 500 for any value of their fields."""
    _, client = signed_in

    @settings(
        max_examples=max(EXAMPLES * 2 // 3, 1),  # each example renders a whole report page
        deadline=None,
        derandomize=SEED is None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(values=st.fixed_dictionaries({}, optional={f: hostile_text for f in fields}))
    def run(values: dict[str, str]) -> None:
        query = _encode(values).decode()
        response = client.get(f"{page}?{query}", headers={"Accept-Language": "en"})
        shown = {k: v[:40] for k, v in values.items()}
        assert response.status_code < 500, f"{response.status_code} on {page} with {shown!r}"

    if SEED is not None:
        from hypothesis import seed

        run = seed(int(SEED))(run)
    run()
