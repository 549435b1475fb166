"""SQLite's write lock: BEGIN IMMEDIATE waits for another connection's lock and takes it once
freed, and gives up with SQLite's own error after its patience."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from helpdesk.database import begin_immediate

pytestmark = pytest.mark.backend_free


def connect(path) -> sqlite3.Connection:
    raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    raw.execute("PRAGMA journal_mode=WAL")
    return raw


def test_begin_immediate_takes_the_lock_once_the_holder_commits(tmp_path):
    """A second connection waits while the first holds the write lock, then gets it, and
    sees the first one's row (it began after that commit)."""
    path = tmp_path / "desk.db"
    holder, waiter = connect(path), connect(path)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")
    released = threading.Event()

    def release() -> None:
        released.wait(5)
        holder.execute("COMMIT")

    thread = threading.Thread(target=release)
    thread.start()
    timer = threading.Timer(0.2, released.set)
    timer.start()
    begin_immediate(waiter, patience=10)
    assert released.is_set()  # it did not get the lock while the holder had it
    assert waiter.execute("SELECT count(*) FROM t").fetchone() == (1,)
    waiter.execute("COMMIT")
    thread.join()
    assert waiter.execute("PRAGMA busy_timeout").fetchone() == (30_000,)


def test_begin_immediate_gives_up_after_its_patience(tmp_path):
    """With the lock held throughout, it raises SQLite's 'database is locked' and leaves the
    connection's own busy timeout as it was."""
    path = tmp_path / "desk.db"
    holder, waiter = connect(path), connect(path)
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        begin_immediate(waiter, patience=0.1)
    assert not waiter.in_transaction
    assert waiter.execute("PRAGMA busy_timeout").fetchone() == (30_000,)
    holder.execute("COMMIT")
