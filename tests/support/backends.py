"""The backends a test process uses: one PostgreSQL database and one Redis db per xdist worker.

Under pytest-xdist each worker (gw0, gw1, ...) runs its own session app, its own worker
subprocesses and its own fault injections (TRUNCATE, pg_terminate_backend, FLUSHDB, CLIENT
KILL), so it needs a database and a Redis db nobody else touches: TEST_DATABASE_URL's
database with a `_gw<n>` suffix (created on demand) and REDIS_URL's db number plus n.
Embedded Redis, SQLite files, sandboxes and live servers are per process already.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa

REDIS_DATABASES = 16  # a Redis server's default `databases`
_DONE = "HELPDESK_TEST_BACKENDS_OF_WORKER"


def worker_number() -> int | None:
    """This xdist worker's number (gw1 -> 1), or None outside xdist."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(name[2:]) if name.startswith("gw") else None


def create_database(url: str) -> None:
    """Create the PostgreSQL database of `url` unless it exists (the server's own `postgres`
    database is where CREATE DATABASE runs)."""
    import psycopg

    target = sa.make_url(url).set(drivername="postgresql")
    admin = target.set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target.database])
        if found.fetchone() is None:
            conn.execute(f'CREATE DATABASE "{target.database}"')


def use_worker_backends() -> None:
    """Point TEST_DATABASE_URL and REDIS_URL (in os.environ, so subprocesses inherit them) at
    this xdist worker's own database and Redis db; nothing to do outside xdist."""
    number = worker_number()
    if number is None or os.environ.get(_DONE) == str(number):
        return
    os.environ[_DONE] = str(number)  # once per process: the URLs below are rewritten in place
    base = os.environ.get("TEST_DATABASE_URL")
    if base and base.startswith("postgres"):
        url = sa.make_url(base)
        mine = url.set(database=f"{url.database}_gw{number}")
        os.environ["TEST_DATABASE_URL"] = mine.render_as_string(hide_password=False)
        create_database(os.environ["TEST_DATABASE_URL"])
    redis = os.environ.get("REDIS_URL")
    if redis:
        parts = urlsplit(redis)
        given = int(parts.path.strip("/") or 0)
        db_number = given + number
        if db_number >= REDIS_DATABASES:
            raise RuntimeError(
                f"REDIS_URL {redis}: xdist worker gw{number} would need Redis db {db_number}; "
                "start from a lower db number or run fewer workers"
            )
        os.environ["REDIS_URL"] = urlunsplit(parts._replace(path=f"/{db_number}"))


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
