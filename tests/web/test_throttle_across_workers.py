"""The sign-in limits hold across gunicorn worker processes (their counters live in Redis)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.chaos.cluster import ROOT, free_port
from tests.support.app import PASSWORD
from tests.web.test_brute_force import ACCOUNT_PER_MINUTE


@pytest.fixture
def gunicorn(app, environ: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """gunicorn with three workers, each replaced after every request (--max-requests 1)."""
    port = free_port()
    argv = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "3"]
    argv += ["--max-requests", "1", "--max-requests-jitter", "0", "--pythonpath", str(ROOT)]
    argv += ["--error-logfile", str(tmp_path / "gunicorn.log"), "--log-level", "info"]
    # No control socket: gunicorn 25+ opens one per user in $HOME, which a second gunicorn
    # (another test process, CI's other pass) would share.
    argv += ["--no-control-socket", "wsgi:app"]
    env = {**os.environ, **environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(argv, env=env, cwd=ROOT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(url, tmp_path / "gunicorn.log")
        yield url, tmp_path / "gunicorn.log"
    finally:
        # The whole process group: the master and every worker it forked, whatever happened.
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_until_serving(url: str, log: Path) -> None:
    deadline = time.monotonic() + 90  # three workers importing the app on a loaded machine
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/auth/login", timeout=10)
            return
        except requests.RequestException:
            time.sleep(0.2)
    pytest.fail("gunicorn did not start: " + log.read_text())


def test_failed_token_requests_are_counted_across_worker_processes(gunicorn, make_employee):
    """Each request lands in a fresh worker process, yet the sixth failure is refused."""
    from helpdesk.extensions import db

    url, log = gunicorn
    make_employee("0427")
    db.session.commit()
    body = {"number": "0427", "password": "wrong password!"}
    answers = []
    for _ in range(ACCOUNT_PER_MINUTE + 1):
        answer = requests.post(f"{url}/api/v1/auth/token", json=body, timeout=30)
        answers.append(answer)
    assert [a.status_code for a in answers] == [401] * ACCOUNT_PER_MINUTE + [429]
    assert answers[-1].json()["error"]["code"] == "rate_limited"
    right = requests.post(
        f"{url}/api/v1/auth/token", json={**body, "password": PASSWORD}, timeout=30
    )
    assert right.status_code == 429  # the account stays held, whichever process answers
    # Every answer came from a worker process that then exited (nothing kept in memory).
    assert log.read_text().count("Autorestarting worker") >= ACCOUNT_PER_MINUTE + 1
