"""Fuzz every API operation from the OpenAPI document with schemathesis, against the real app.

Each operation gets a freshly seeded desk (real database, Redis and sandbox) and an admin's
token from POST /api/v1/auth/token, then a bounded number of generated requests: half with
ids of real rows, half with whatever the document allows. No answer may be a 500, and every
answer must match the document (status, content type, body schema). Examples are
derandomized so CI is repeatable; HELPDESK_FUZZ_EXAMPLES and HELPDESK_FUZZ_SEED explore more.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from helpdesk.api.contract import OPERATIONS
from helpdesk.extensions import db
from tests.support.app import PASSWORD, empty_tables
from tests.support.sandbox import RunningSandbox
from tests.support.seeded_desk import SeededDesk, seed_desk

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("HELPDESK_FUZZ_EXAMPLES", "10"))
SEED = os.environ.get("HELPDESK_FUZZ_SEED")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="session")
def api_schema(session_app: Flask):
    """The document as schemathesis reads it, from the app's own route.

    Unknown query parameters are ignored by design (not a refusal), and the token is always
    sent: negative cases vary the documented parameters and bodies only.
    """
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", session_app)
    schema.config.generation.update(allow_extra_parameters=False, with_security_parameters=False)
    return schema


@pytest.fixture
def seeded(session_app: Flask, x: RunningSandbox) -> Iterator[tuple[SeededDesk, str]]:
    """A freshly seeded desk and an admin's token; no app context stays open for the calls."""
    with session_app.app_context():
        empty_tables()
        session_app.extensions["redis"].flushdb()
        desk = seed_desk(x)
        db.session.remove()
    client = FlaskClient(session_app, session_app.response_class)  # not the tests' own class
    response = client.post("/api/v1/auth/token", json={"number": desk.admin, "password": PASSWORD})
    assert response.status_code == 201, response.get_data(as_text=True)
    yield desk, response.get_json()["token"]
    with session_app.app_context():
        db.session.remove()


def _known(desk: SeededDesk) -> dict[str, list[object]]:
    """Values of path parameters that name real rows (the admin's own number left out)."""
    return {
        "mention_id": desk.mention_ids,
        "reply_id": desk.reply_ids,
        "escalation_id": [desk.escalation_id],
        "rule_id": sorted({*desk.guideline_rule_ids, *desk.priority_rule_ids}),
        "token_id": [desk.token_id],
        "number": [desk.supervisor, desk.agent, desk.trainee],
        "kind": ["reply", "post_with_link", "dm"],
    }


def _strategy(operation, mode: GenerationMode, desk: SeededDesk):
    """Generated cases, half of them on rows that exist."""
    anything = operation.as_strategy(generation_mode=mode)
    names = [p.name for p in operation.path_parameters]
    if not names:
        return anything
    known = _known(desk)[names[0]]
    on_rows = st.sampled_from(known).flatmap(
        lambda value: operation.as_strategy(generation_mode=mode, path_parameters={names[0]: value})
    )
    return st.one_of(on_rows, anything)


def _fuzz(operation, mode: GenerationMode, desk: SeededDesk, token: str, checks) -> None:
    headers = {"Authorization": f"Bearer {token}"}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=SEED is None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure is reported
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation, mode, desk))
    def run(case) -> None:
        case.call_and_validate(headers=headers, checks=checks)

    if SEED is not None:
        from hypothesis import seed

        run = seed(int(SEED))(run)
    run()


@pytest.mark.parametrize(
    ("method", "path"), sorted(OPERATIONS), ids=[f"{m.upper()} {p}" for m, p in sorted(OPERATIONS)]
)
def test_every_answer_matches_the_document(api_schema, seeded, method: str, path: str) -> None:
    """Schema-valid requests: never a 500, and status, type and body as documented."""
    desk, token = seeded
    _fuzz(api_schema[path][method.upper()], GenerationMode.POSITIVE, desk, token, CHECKS)


@pytest.mark.parametrize(
    ("method", "path"),
    sorted(k for k in OPERATIONS if "body" in OPERATIONS[k] or "params" in OPERATIONS[k]),
)
def test_invalid_requests_are_refused_as_documented(
    api_schema, seeded, method: str, path: str
) -> None:
    """Schema-invalid bodies and queries: a documented 4xx refusal, never a 500 or a 2xx."""
    desk, token = seeded
    checks = [*CHECKS, negative_data_rejection]
    _fuzz(api_schema[path][method.upper()], GenerationMode.NEGATIVE, desk, token, checks)
