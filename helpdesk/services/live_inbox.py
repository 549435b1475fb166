"""The inbox's change counter: one Redis number bumped after every commit that touched mentions."""

from __future__ import annotations

import logging

import redis
import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import orm

from helpdesk.models import Mention

logger = logging.getLogger(__name__)

VERSION_KEY = "helpdesk:inbox:version"
_CHANGED = "live_inbox_changed"  # a flag in Session.info: this transaction wrote mentions


def version() -> int:
    """The desk's current inbox version (0 before the first change)."""
    return int(current_app.extensions["redis"].get(VERSION_KEY) or 0)


def bump() -> int:
    """Say that the inbox changed: every poll's ETag moves on."""
    return int(current_app.extensions["redis"].incr(VERSION_KEY))


def _writes_mentions(execute_state: orm.ORMExecuteState) -> None:
    # Claims, releases and ingest's upsert are statements, not flushed objects.
    statement = execute_state.statement
    if not (execute_state.is_insert or execute_state.is_update or execute_state.is_delete):
        return
    table = getattr(statement, "table", None)
    if table is not None and getattr(table, "name", None) == Mention.__tablename__:
        execute_state.session.info[_CHANGED] = True


def _flushes_mentions(session: orm.Session, _context: object) -> None:
    if any(isinstance(obj, Mention) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


def _committed(session: orm.Session) -> None:
    if not session.info.pop(_CHANGED, False) or not has_app_context():
        return
    try:
        bump()
    except redis.RedisError as exc:  # polls then refresh at the next minute's ETag instead
        logger.warning("inbox version not bumped: %s", exc)


def _rolled_back(session: orm.Session) -> None:
    session.info.pop(_CHANGED, None)


def register() -> None:
    """Listen on every ORM session once (web, workers and the CLI alike)."""
    hooks = (
        ("do_orm_execute", _writes_mentions),
        ("after_flush", _flushes_mentions),
        ("after_commit", _committed),
        ("after_rollback", _rolled_back),
    )
    for name, hook in hooks:
        if not sa.event.contains(orm.Session, name, hook):
            sa.event.listen(orm.Session, name, hook)
