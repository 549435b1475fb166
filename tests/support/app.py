"""The test app's environment and plumbing: settings, clients, tables, jobs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from helpdesk.extensions import db
from helpdesk.queue import QUEUE_NAMES
from tests.support.sandbox import RunningSandbox

PASSWORD = "correct horse battery"


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


def drop_everything() -> None:
    """Start the session from nothing (a PostgreSQL test database may hold an old schema)."""
    with db.engine.begin() as conn:
        db.metadata.drop_all(conn)
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


def empty_tables() -> None:
    """Delete every row of every table, and restart PostgreSQL's id sequences.

    One statement finds the tables holding rows (a test touches a few of ~30), and only those
    are emptied, children first: a TRUNCATE of every table costs 100-500 ms on PostgreSQL
    (new files for each table and index) against a few ms here, on each of ~2,500 tests.
    """
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    probe = " UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {name})"  # noqa: S608 - our own tables
        for name in tables
    )
    with db.engine.begin() as conn:
        holding = {name for (name,) in conn.execute(sa.text(probe))}
        for name in tables:
            if name in holding:
                conn.execute(sa.text(f"DELETE FROM {name}"))  # noqa: S608 - our own table names
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'"))


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (own `g` and DB session), as in production.

    Tests hold an app context open; without this, requests would reuse it and share
    the logged-in user and the session with the test body.
    """

    def open(self, *args: Any, **kwargs: Any):
        db.session.rollback()  # end the test's transaction (on SQLite it holds the write lock)
        with self.application.app_context():
            return super().open(*args, **kwargs)


class Api:
    """A JSON client carrying one employee's bearer token."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client, self.token = client, token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **params: Any):
        return self.client.get(f"/api/v1{path}", query_string=params, headers=self._headers())

    def post(self, path: str, body: Any = None):
        return self.client.post(f"/api/v1{path}", json=body or {}, headers=self._headers())


def empty_redis(app: Flask) -> None:
    """Empty the app's Redis db and what the process remembers writing there: presence skips
    a write made less than a quarter minute before (services/presence.py), so a memory that
    outlived the keys left a test's first requests without presence keys, and a later request
    of the same test wrote them (a read-only check saw two new keys: fresh-clone CI, twice)."""
    app.extensions["redis"].flushdb()
    app.extensions.pop("presence_written", None)
    app.extensions.pop("process_cache", None)  # the tables' rows it held are gone too


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


def run_jobs(app: Flask) -> None:
    """Run every queued job to the end with a real RQ worker in this process (burst mode)."""
    worker = SimpleWorker(
        list(QUEUE_NAMES), connection=app.extensions["redis"], serializer=JSONSerializer
    )
    db.session.rollback()  # end the test's transaction (on SQLite it holds the write lock)
    with app.app_context():  # the jobs get their own session, as in a worker process
        worker.work(burst=True)
    db.session.expire_all()  # the test's objects read what the jobs wrote
