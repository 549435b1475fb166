"""Engine set-up per backend: SQLite in WAL mode with a busy timeout and immediate write locks."""

from __future__ import annotations

import sqlite3
import time

import sqlalchemy as sa
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_SECONDS = 30  # how long any statement waits for another connection's lock
STEP_MS = 2  # BEGIN IMMEDIATE's wait per try for the write lock (begin_immediate)


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
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        # IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
        # writes fails with SQLITE_BUSY (no wait) when another writer got in between.
        try:
            begin_immediate(connection.connection.driver_connection)
        except sqlite3.OperationalError as exc:  # as a statement's error would be raised
            raise sa.exc.OperationalError("BEGIN IMMEDIATE", None, exc) from exc


def begin_immediate(raw: sqlite3.Connection, patience: float = BUSY_TIMEOUT_SECONDS) -> None:
    """BEGIN IMMEDIATE on a SQLite connection, waiting up to `patience` seconds for the write
    lock in steps of about STEP_MS.

    SQLite's own busy handler sleeps 1, 2, 5, 10 ... then 100 ms between tries and does not wake
    when the lock is freed: with 50 agents on 4 processes a request waited up to seconds for
    locks held a few milliseconds each (benchmarks/README.md, SQLite at 100k). Here each try
    waits at most STEP_MS inside SQLite, so a freed lock is taken within about that."""
    deadline = time.monotonic() + patience
    raw.execute(f"PRAGMA busy_timeout={STEP_MS}")
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise
    finally:
        raw.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
