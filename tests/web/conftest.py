"""Helpers for the browser-facing views: sign in through the form, read CSRF tokens from pages."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Mention
from helpdesk.services.ingest import ingest_mentions
from tests.conftest import PASSWORD

_TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = _TOKEN.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


@pytest.fixture
def login(client):  # type: ignore[no-untyped-def]
    """Sign in through the login form: login("0427"); returns the page after the redirect."""

    def do(number: str, password: str = PASSWORD, next_url: str | None = None):  # type: ignore[no-untyped-def]
        page = client.get("/auth/login")
        query = {"next": next_url} if next_url else {}
        return client.post(
            "/auth/login",
            query_string=query,
            data={"number": number, "password": password, "csrf_token": csrf_from(page.text)},
        )

    return do


@pytest.fixture
def mentions(x):  # type: ignore[no-untyped-def]
    """Ingest customer mentions from the sandbox: mentions("text", ...) -> their ids, in order."""

    def make(*texts: str, **author: str) -> list[int]:
        for text in texts:
            x.mention(text, **author)
        ingest_mentions()
        return list(
            db.session.scalars(sa.select(Mention.id).order_by(Mention.created_at, Mention.tweet_id))
        )

    return make


@pytest.fixture
def supervisor(make_employee, login):  # type: ignore[no-untyped-def]
    """Supervisor 0002, signed in."""
    employee = make_employee("0002", role="supervisor")
    login("0002")
    return employee


def post_form(client, path: str, data: dict | None = None, page: str = "/supervise/"):  # type: ignore[no-untyped-def]
    """POST a form the way a browser does (English), with the CSRF token of `page`."""
    token = csrf_from(client.get(page).text)
    return client.post(
        path, data={**(data or {}), "csrf_token": token}, headers={"Accept-Language": "en"}
    )
