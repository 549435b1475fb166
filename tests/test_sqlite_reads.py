"""On SQLite, GET and HEAD requests read in deferred transactions; everything else locks.

The lock probe opens its own sqlite3 connection to the test database after each statement
a request runs and tries BEGIN IMMEDIATE without waiting: it gets the write lock only if the
request's transaction does not hold it. Every other test of the suite runs under the guard
of helpdesk/database.py: a write inside a deferred transaction raises DeferredWriteError.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask, has_request_context

from helpdesk.database import WRITING_READS, DeferredWriteError
from helpdesk.extensions import db
from helpdesk.models import Employee
from tests.support.web import csrf_from, sign_in


@pytest.fixture
def sqlite_app(app: Flask) -> Flask:
    """The test app, on SQLite only: PostgreSQL's transactions are left as they are."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("deferred reads are SQLite's")
    return app


@contextmanager
def lock_probe() -> Iterator[list[str]]:
    """After each statement run inside a request: "free" if another connection could take
    the write lock at that moment, else "locked"."""
    seen: list[str] = []
    path = db.engine.url.database

    def probe(_conn, _cursor, statement, *_args) -> None:
        if not has_request_context() or statement.startswith("BEGIN"):
            return
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            seen.append("free")
        except sqlite3.OperationalError:
            seen.append("locked")
        finally:
            other.close()

    sa.event.listen(db.engine, "after_cursor_execute", probe)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", probe)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_reading_a_page_leaves_the_write_lock_free(sqlite_app, client, make_employee, method):
    """The inbox, read by a signed-in agent, never holds SQLite's write lock."""
    make_employee("0427")
    sign_in(client, "0427")
    with lock_probe() as seen:
        answer = client.open("/", method=method)
    assert answer.status_code == 200
    assert seen and set(seen) == {"free"}


def test_a_post_holds_the_write_lock_from_its_first_statement(sqlite_app, client, make_employee):
    """Signing in (a POST) takes the write lock before its first read."""
    make_employee("0427")
    token = csrf_from(client.get("/auth/login").text)
    with lock_probe() as seen:
        answer = client.post(
            "/auth/login", data={"number": "0427", "password": "x" * 12, "csrf_token": token}
        )
    assert answer.status_code == 200  # a wrong password: the form again
    assert seen and set(seen) == {"locked"}


def test_get_pages_that_write_hold_the_write_lock(sqlite_app, client, make_employee):
    """The notifications page, which marks notes read, keeps the write lock (WRITING_READS)."""
    make_employee("0427")
    sign_in(client, "0427")
    with lock_probe() as seen:
        assert client.get("/notifications").status_code == 200
    assert seen and set(seen) == {"locked"}


def test_bearer_token_reads_hold_the_write_lock_and_cookie_reads_do_not(
    sqlite_app, client, api_as, make_employee
):
    """An API read with a bearer token may write the token's last use, so it locks; the
    same read from a signed-in browser does not."""
    api = api_as("0427")
    with lock_probe() as seen:
        assert api.get("/mentions").status_code == 200
    assert seen and set(seen) == {"locked"}
    make_employee("0428")
    sign_in(client, "0428")
    with lock_probe() as seen:
        assert client.get("/api/v1/mentions").status_code == 200
    assert seen and set(seen) == {"free"}


def test_a_write_inside_a_get_raises_under_test(sqlite_app, make_employee):
    """A statement that writes inside a GET's deferred transaction is a programming error."""
    make_employee("0427")
    db.session.rollback()
    with sqlite_app.test_request_context("/"), pytest.raises(DeferredWriteError, match="GET /"):
        db.session.scalar(sa.select(Employee.name))
        db.session.execute(sa.update(Employee).values(name="Renamed"))
    db.session.rollback()
    assert db.session.scalar(sa.select(Employee.name)) == "Employee 0427"


def test_a_write_inside_a_get_is_logged_in_production(sqlite_app, make_employee, caplog):
    """Outside tests the write is logged with its endpoint and left to SQLite, which
    commits it when no other writer is about."""
    make_employee("0427")
    db.session.rollback()
    sqlite_app.testing = False
    try:
        with sqlite_app.test_request_context("/"), caplog.at_level(logging.ERROR):
            db.session.scalar(sa.select(Employee.name))
            db.session.execute(sa.update(Employee).values(name="Renamed"))
            db.session.commit()
    finally:
        sqlite_app.testing = True
    assert "GET / (inbox.index) writes inside a deferred SQLite transaction" in caplog.text
    assert db.session.scalar(sa.select(Employee.name)) == "Renamed"


def test_requests_outside_get_and_jobs_keep_immediate_transactions(sqlite_app, make_employee):
    """Outside a request (jobs, the CLI, this test's body) a transaction locks at once."""
    make_employee("0427")
    db.session.rollback()
    db.session.scalar(sa.select(Employee.name))
    other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()
        db.session.rollback()


def test_writing_reads_name_get_routes(app):
    """Each endpoint kept IMMEDIATE is a GET route of the app (a rename cannot go stale)."""
    get_endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert WRITING_READS <= get_endpoints
