"""The desk-wide lists each process keeps in memory: read once, read again after any change."""

from __future__ import annotations

import logging
import socket

import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from helpdesk.extensions import db
from helpdesk.models import DeskSetting, RoutingMode, Tag
from helpdesk.services import canned, process_cache, routing, skills


@pytest.fixture
def supervisor(make_employee):
    """Supervisor 0002."""
    return make_employee("0002", role="supervisor")


def _statements(app: Flask, read) -> tuple[object, int]:
    """What `read()` returns, read in its own app context (as a request), and its statements."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        with app.app_context():
            value = read()
            db.session.remove()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return value, len(seen)


def _insert_tag(name: str) -> None:
    """A tag written by another process: committed, and this process not told."""
    with db.engine.begin() as conn:
        conn.execute(sa.insert(Tag).values(name=name))


def test_a_list_is_read_once_then_from_memory(app, supervisor):
    skills.create_tag("order", actor=supervisor)
    db.session.commit()
    first, read = _statements(app, skills.known_tag_names)
    again, read_again = _statements(app, skills.known_tag_names)
    assert first == again == ["order"]
    assert (read, read_again) == (1, 0)


def test_a_change_made_here_is_seen_by_the_next_read(app, supervisor):
    assert _statements(app, skills.known_tag_names)[0] == []
    skills.create_tag("配送", actor=supervisor)
    assert skills.known_tag_names() == ["配送"]  # this request's own later read
    assert _statements(app, skills.known_tag_names)[0] == ["配送"]


def test_another_process_s_change_is_seen_once_its_token_moves(app):
    """Another process commits, then writes a new token (process_cache.changed): this process
    keeps its copy until the token moves, then reads the table again."""
    assert _statements(app, skills.known_tag_names)[0] == []
    _insert_tag("返品")
    assert _statements(app, skills.known_tag_names) == ([], 0)  # not told yet: from memory
    app.extensions["redis"].hset(process_cache.TOKENS_KEY, skills.CACHE_NAME, "moved elsewhere")
    assert _statements(app, skills.known_tag_names) == (["返品"], 1)


def test_a_copy_older_than_max_age_is_read_again(app, monkeypatch):
    """A lost token write (Redis flushed) leaves a copy stale for MAX_AGE at most."""
    assert _statements(app, skills.known_tag_names)[0] == []
    _insert_tag("refund")
    monkeypatch.setattr(process_cache, "MAX_AGE", 0.0)
    assert _statements(app, skills.known_tag_names) == (["refund"], 1)


def test_without_redis_the_tables_are_read_and_changes_still_commit(app, caplog, supervisor):
    """Tokens that cannot be read or written (Redis down) mean reading the tables and a
    warning, never an error: a change commits and this process sees it."""
    assert _statements(app, skills.known_tag_names)[0] == []
    _insert_tag("refund")
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    working = app.extensions["redis"]
    app.extensions["redis"] = redis.Redis(port=port, socket_connect_timeout=0.5)
    try:
        with caplog.at_level(logging.WARNING, logger="helpdesk.services.process_cache"):
            assert _statements(app, skills.known_tag_names) == (["refund"], 1)
            skills.create_tag("order", actor=supervisor)
            assert _statements(app, skills.known_tag_names)[0] == ["order", "refund"]
    finally:
        app.extensions["redis"] = working
    assert "cache tokens unreadable" in caplog.text
    assert "cache tokens not renewed" in caplog.text


def test_canned_replies_and_the_routing_mode_follow_their_changes(app, supervisor):
    """Each name has its own token: a canned reply's change leaves the tags' copy alone."""
    skills.create_tag("order", actor=supervisor)
    made = canned.create_canned("Thanks", "Thank you, {name}!", "en", actor=supervisor)
    _statements(app, skills.known_tag_names)
    titles = lambda: [c.title for c in canned.active_canned()]  # noqa: E731
    assert _statements(app, titles)[0] == ["Thanks"]
    canned.set_canned_active(made.id, False, actor=supervisor)
    assert _statements(app, titles)[0] == []
    assert _statements(app, skills.known_tag_names) == (["order"], 0)

    mode = lambda: routing.routing_mode(for_page=True)  # noqa: E731
    assert _statements(app, mode)[0] is RoutingMode.PULL
    routing.set_routing_mode("next", actor=supervisor)
    assert _statements(app, mode)[0] is RoutingMode.NEXT
    # Checks never read the copy: the setting changed behind the process's back counts at once.
    with db.engine.begin() as conn:
        conn.execute(sa.update(DeskSetting).values(value="pull"))
    assert _statements(app, mode)[0] is RoutingMode.NEXT
    assert _statements(app, routing.routing_mode)[0] is RoutingMode.PULL
