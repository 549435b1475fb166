"""Fixtures for the browser-facing views: signing in, customer mentions, a supervisor."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Mention
from helpdesk.services.ingest import ingest_mentions
from tests.support.app import PASSWORD
from tests.support.web import sign_in


@pytest.fixture
def login(client):
    """Sign in through the login form: login("0427"); returns the page after the redirect."""

    def do(number: str, password: str = PASSWORD, next_url: str | None = None):
        return sign_in(client, number, password, next_url)

    return do


@pytest.fixture
def mentions(x):
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
def supervisor(make_employee, login):
    """Supervisor 0002, signed in."""
    employee = make_employee("0002", role="supervisor")
    login("0002")
    return employee
