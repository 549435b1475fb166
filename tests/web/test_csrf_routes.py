"""CSRF per route: every cookie-authenticated write refuses a missing or wrong token (400).

The cases walk the app's url_map: every non-GET web route, and every non-GET API route
called with the browser's session cookie instead of a bearer token (the API accepts both;
cookie writes need the X-CSRFToken header). Each is sent by the least caller allowed to use
it, first with no token, another session's token and a made-up one (400, nothing changed),
then with its own session's token (served). Requests are built from POLICIES in
tests/web/test_access_matrix.py, so a new POST route fails here until it has an entry
there; a route that is by design not cookie-authenticated goes in NOT_COOKIE_AUTHENTICATED
with the reason. The tests run with CSRF on, as the app is configured (WTF_CSRF_ENABLED is
not turned off in tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from helpdesk.extensions import db
from helpdesk.models import Mention
from tests.web.test_access_matrix import (
    PUBLIC,
    Route,
    World,
    caller_for,
    changes,
    collected_routes,
    expect_allowed,
    open_world,
    policy_for,
    send,
    snapshot,
)

# Routes that read no cookie, so a forged cross-site request carries nothing to abuse.
NOT_COOKIE_AUTHENTICATED = {
    "api.create_token": "trades a number and password in a JSON body for a token; no session",
}
MADE_UP_TOKEN = "IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAi.made.up"


@pytest.fixture(scope="module")
def world(session_app: Flask, sandbox_server: Any) -> Iterator[World]:
    """This module's callers and objects."""
    with open_world(session_app, sandbox_server) as made:
        yield made


def least_allowed_kind(route: Route) -> str:
    """The weakest kind of caller the route serves (anyone: an anonymous visitor)."""
    minimum = policy_for(route).minimum
    return "anonymous" if minimum is PUBLIC else minimum.value


WRITES = [r for r in collected_routes() if r.method != "GET"]
CASES = [
    pytest.param(route, id=str(route))
    for route in WRITES
    if route.endpoint not in NOT_COOKIE_AUTHENTICATED
]


def expect_csrf_refusal(route: Route, how: str, response: TestResponse) -> None:
    """400: the API's csrf_failed, or the web's error page."""
    where = f"{route} with {how}"
    assert response.status_code == 400, f"{where}: {response.status_code}, not 400"
    if policy_for(route).api:
        assert response.get_json()["error"]["code"] == "csrf_failed", where
    else:  # the employees here read Japanese (the default), so the page says it in Japanese
        said = ("The form expired or was sent from elsewhere", "フォームの有効期限が切れた")
        assert any(sentence in response.text for sentence in said), where


def test_every_write_has_a_csrf_case() -> None:
    """Each non-GET route is a case below or named, with a reason, as not cookie-authenticated."""
    stale = set(NOT_COOKIE_AUTHENTICATED) - {r.endpoint for r in WRITES}
    assert not stale, f"NOT_COOKIE_AUTHENTICATED names routes that are gone: {sorted(stale)}"
    assert {r.endpoint for r in WRITES} - set(NOT_COOKIE_AUTHENTICATED) == {
        case.values[0].endpoint for case in CASES
    }


@pytest.mark.parametrize("route", CASES)
def test_a_cookie_write_needs_its_sessions_csrf_token(world: World, route: Route) -> None:
    """No token, another session's or a made-up one: 400 and no change; its own: served."""
    policy = policy_for(route)
    kind = least_allowed_kind(route)
    caller = caller_for(world, policy, kind)
    made = policy.request(world, caller.employee)
    someone_else = world.callers["agent" if kind == "anonymous" else "anonymous"].csrf
    assert someone_else != caller.csrf
    before = snapshot(world.app)
    for how, token in (
        ("no token", None),
        ("another session's token", someone_else),
        ("a made-up token", MADE_UP_TOKEN),
    ):
        response = send(world, route, caller, made, cookie=True, csrf=token)
        expect_csrf_refusal(route, how, response)
        after = snapshot(world.app)
        assert not changes(before, after), f"{route} with {how} changed {changes(before, after)}"
    expect_allowed(route, kind, send(world, route, caller, made, cookie=True))


def test_the_token_route_ignores_the_session(world: World) -> None:
    """POST /api/v1/auth/token needs no CSRF token: it reads credentials, never the cookie."""
    caller = world.callers["agent"]
    answer = caller.client.post("/api/v1/auth/token", json=world.owner_login())
    assert answer.status_code == 201
    refused = caller.client.post("/api/v1/auth/token", json={"number": "7999", "password": "x"})
    assert refused.status_code == 401  # the session does not stand in for a password


def test_a_made_up_bearer_header_does_not_excuse_a_cookie_write(world: World) -> None:
    """A session cookie plus a bogus bearer header and no CSRF token is refused (401).

    A request that names a bearer token is the token's alone, so the header cannot switch
    the CSRF check off for a browser session (helpdesk/auth/loaders.py).
    """
    mention_id = world.mention()
    caller = world.callers["agent"]
    before = snapshot(world.app)
    response = caller.client.post(
        f"/api/v1/mentions/{mention_id}/claim",
        json={},
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert response.status_code == 401, response.status_code
    assert not changes(before, snapshot(world.app))
    db.session.rollback()
    assert db.session.get(Mention, mention_id).claimed_by_id is None


def test_csrf_is_on_in_the_tested_app(session_app: Flask) -> None:
    """The cases above test the real configuration, not one with CSRF switched off."""
    assert session_app.config.get("WTF_CSRF_ENABLED", True) is True
    assert session_app.config.get("WTF_CSRF_CHECK_DEFAULT", True) is True
