"""Engine set-up per backend: SQLite in WAL mode, reads in deferred transactions, writes locked.

SQLite has one write lock per database. In WAL mode readers never wait for it, but a
transaction that reads first and writes later cannot wait for it either: upgrading a read
transaction to a write one fails at once with SQLITE_BUSY while another connection holds the
lock, and with SQLITE_BUSY_SNAPSHOT when another connection committed since the read began;
busy_timeout is not consulted (SQLite would risk a deadlock). Only a BEGIN IMMEDIATE (or a
transaction whose first statement writes) waits for the lock. So each transaction begins:

- DEFERRED when it starts inside a GET or HEAD request, unless the endpoint is one of the few
  that write on GET (WRITING_READS) or the request carries an API bearer token (the token's
  last_used_at is written at most once a minute, services/employees.employee_for_token). A
  page load then never queues behind other requests: before this, every request of every
  gunicorn process held the lock for its whole length, one after another.
- IMMEDIATE everywhere else: POST/PUT/PATCH/DELETE requests, RQ jobs, CLI commands, the demo
  and anything outside a request. They take the lock up front, waiting up to busy_timeout.

A write inside a deferred transaction is the mistake this can hide (it works until two
writers meet). The cursor hook below sees every statement: under app.testing such a write
raises DeferredWriteError, so the suite proves that no GET writes outside WRITING_READS; in
production it is logged as an error (naming the endpoint) and left to SQLite, which commits
it when no other writer is about and refuses it with SQLITE_BUSY otherwise. Raising there too
would turn a write that usually works into one that always fails. The remedy for a logged
endpoint is to move its write to a POST or to add the endpoint to WRITING_READS.

Services that count on "SQLite's transactions begin IMMEDIATE" to serialise writers (the
audit chain, the roll-up state, routing's claims, the last admin) still can: they write, so
they never run deferred; and if one ever did, SQLite would refuse its stale upgrade with
SQLITE_BUSY_SNAPSHOT rather than let it interleave.

PostgreSQL needs none of this: configure_engine leaves it alone.
"""

from __future__ import annotations

import logging
import re

import sqlalchemy as sa
from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)

READ_METHODS = frozenset({"GET", "HEAD"})
# GET endpoints that write to the database, so their transactions stay IMMEDIATE.
WRITING_READS = frozenset(
    {
        "inbox.notifications",  # opening the page marks the notes read (notes.read_notifications)
        "supervise.rules_page",  # the first view seeds the default rules (rules._ensure_seeded)
        "api.list_rules",  # the same seeding
    }
)
_DEFERRED = "helpdesk.deferred_transaction"  # connection.info: this transaction began DEFERRED
_WRITE = re.compile(
    r"\s*(?:(?:INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b"
    r"|WITH\b.*\b(?:INSERT|UPDATE|DELETE|REPLACE)\b)",
    re.IGNORECASE | re.DOTALL,
)


class DeferredWriteError(RuntimeError):
    """A statement wrote inside a transaction that began DEFERRED (a GET's, on SQLite)."""


def configure_engine(engine: Engine) -> None:
    """Make SQLite safe for several processes; PostgreSQL needs nothing here."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy, not the driver, open transactions (the pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        deferred = may_defer()
        connection.info[_DEFERRED] = deferred
        connection.exec_driver_sql("BEGIN DEFERRED" if deferred else "BEGIN IMMEDIATE")

    @sa.event.listens_for(engine, "commit")
    @sa.event.listens_for(engine, "rollback")
    def _on_end(connection) -> None:
        connection.info.pop(_DEFERRED, None)

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _on_statement(connection, _cursor, statement, _parameters, _context, _many) -> None:
        if connection.info.get(_DEFERRED) and _WRITE.match(statement):
            _deferred_write(statement)


def may_defer() -> bool:
    """Whether a transaction beginning now may be DEFERRED: in a GET or HEAD request that
    is known not to write (see the module's docstring)."""
    if not has_request_context() or request.method not in READ_METHODS:
        return False
    if request.endpoint in WRITING_READS:
        return False
    return not request.headers.get("Authorization", "").lower().startswith("bearer")


def _deferred_write(statement: str) -> None:
    where = (
        f"{request.method} {request.path} ({request.endpoint})"
        if has_request_context()
        else "a transaction begun in a GET request"
    )
    words = " ".join(statement.split())[:120]
    message = (
        f"{where} writes inside a deferred SQLite transaction ({words}); move the write to "
        "a POST or add the endpoint to WRITING_READS in helpdesk/database.py"
    )
    if has_app_context() and current_app.testing:
        raise DeferredWriteError(message)
    logger.error(message)
