"""Fault-suite fixtures: worker processes to kill, a live HTTP server, the session's ledger.

The helpers (invariant checks, set-up, the Workers pool, the ledger's rendering) live in
tests/support/faults.py; its docstring says how seeds, repetitions and the summary work.
"""

from __future__ import annotations

import os
import random
import threading
import time
import warnings
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from helpdesk.extensions import db
from tests.support.app import changed_settings
from tests.support.faults import (
    FAST_REQUEUE,
    LEDGER,
    OUTCOME,
    REPEAT,
    SEED,
    SUMMARY_PATH,
    Ledger,
    Scenario,
    Workers,
    backend_label,
    render_section,
    write_summary,
)


@pytest.fixture(scope="session")
def ledger(environ: dict[str, str]) -> Iterator[Ledger]:
    """The session's scenario runs; their summary goes to benchmarks/faults.md at the end."""
    book = LEDGER
    yield book
    if not book.runs or os.environ.get("FAULTS_SUMMARY") == "0":
        return
    label = backend_label(environ)
    try:
        write_summary(SUMMARY_PATH, label, render_section(label, book))
    except OSError as exc:  # a read-only checkout must not fail the suite
        warnings.warn(f"could not write {SUMMARY_PATH}: {exc}", stacklevel=1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (--dist loadgroup) the fault suite runs on one worker: one ledger
    writes its summary, and its timing is not squeezed by a second fault scenario."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.xdist_group("faults"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    if report.when == "call" or (report.when == "setup" and report.failed):
        item.stash[OUTCOME] = report.outcome
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say which seed this run used, so a failure can be replayed."""
    if not LEDGER.runs:
        return
    terminalreporter.write_line(f"fault suite seed: FAULTS_SEED={SEED} FAULTS_REPEAT={REPEAT}")


@pytest.fixture
def scenario(request: pytest.FixtureRequest, ledger: Ledger) -> Iterator[Scenario]:
    """This test's scenario record, with a random source seeded from the session seed."""
    name = request.node.originalname
    run = request.node.callspec.params.get("run", 0) + 1 if hasattr(request.node, "callspec") else 1
    record = Scenario(name=name, run=run, rng=random.Random(f"{SEED}/{request.node.nodeid}"))
    started = time.monotonic()
    yield record
    record.seconds = time.monotonic() - started
    record.outcome = request.node.stash.get(OUTCOME, "error")
    ledger.runs.append(record)
    print(f"{request.node.name}: {record} {record.seconds:.1f}s {record.outcome}")


@pytest.fixture
def fast_requeue(app: Flask) -> Iterator[timedelta]:
    """The in-process sweep re-enqueues `queued` replies after 3 s instead of a minute."""
    with changed_settings(app, outbox_requeue_seconds=int(FAST_REQUEUE.total_seconds())):
        yield FAST_REQUEUE


@pytest.fixture
def workers(
    app: Flask, environ: dict[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Workers]:
    """Start worker processes on the test's database, Redis and sandbox; all killed after."""
    pool = Workers(environ, tmp_path)
    try:
        yield pool
    finally:
        pool.close()
        if request.node.stash.get(OUTCOME, "passed") != "passed":
            print(pool.log_tail())


@pytest.fixture
def live_api(app: Flask) -> Iterator[str]:
    """The app on a real threaded HTTP server on a free port; the API's base URL."""
    from werkzeug.serving import make_server

    db.session.rollback()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/api/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
