"""The helpdesk's real processes for a chaos run: gunicorn, RQ workers, `rq cron`, each in
its own process group, killable with kill -9, stoppable with SIGSTOP, and restartable."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests

from helpdesk.demo.processes import kill_strays
from tests.support.waiting import WaitTimeout, wait_for

ROOT = Path(__file__).resolve().parents[2]
MARKER = "HELPDESK_CHAOS_RUN"  # in every child's environment: finds strays at the end
PG_APP_NAME = "helpdesk-chaos"  # libpq's application_name for the children (PGAPPNAME)


def free_port() -> int:
    """A TCP port on the loopback interface nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def send(pid: int, sig: int) -> bool:
    """os.kill that ignores a process (or group, negative pid) already gone."""
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def children(pid: int) -> list[int]:
    """The direct children of a process."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def own_group_children(pid: int) -> list[int]:
    """Children that lead a process group of their own: RQ's work horses (os.setpgrp)."""
    found = []
    for child in children(pid):
        with contextlib.suppress(OSError):
            if os.getpgid(child) == child:
                found.append(child)
    return found


@dataclass
class Service:
    """One long-running child process (its own process group), restartable."""

    name: str
    argv: list[str]
    env: dict[str, str]
    logs: Path
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    stopped: bool = False
    stopped_horses: list[int] = field(default_factory=list)

    def start(self) -> None:
        """Start (or restart) the process."""
        self.starts += 1
        log = (self.logs / f"{self.name}.log").open("ab")
        log.write(f"---- start {self.starts}: {' '.join(self.argv)}\n".encode())
        log.flush()
        self.proc = subprocess.Popen(  # noqa: S603 - our interpreter, our arguments
            self.argv,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    @property
    def alive(self) -> bool:
        """Running (a stopped process counts as running)."""
        return self.proc is not None and self.proc.poll() is None

    def horses(self) -> list[int]:
        """RQ work horses of this process (they live in their own process group)."""
        return own_group_children(self.proc.pid) if self.alive and self.proc else []

    def kill(self) -> list[int]:
        """kill -9 the whole group and any horse; the horse pids killed."""
        if self.proc is None:
            return []
        pid = self.proc.pid
        send(-pid, signal.SIGSTOP)  # nothing new is forked while we look
        horses = self.horses() + self.stopped_horses
        for horse in horses:
            send(horse, signal.SIGKILL)
        send(-pid, signal.SIGKILL)
        send(-pid, signal.SIGCONT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        self.stopped, self.stopped_horses = False, []
        return horses

    def kill_horse(self) -> list[int]:
        """kill -9 only the work horses (the job dies, the worker lives)."""
        horses = self.horses()
        for horse in horses:
            send(horse, signal.SIGKILL)
        return horses

    def stop(self) -> list[int]:
        """SIGSTOP the group and its horses; the horse pids."""
        if not self.alive or self.proc is None:
            return []
        send(-self.proc.pid, signal.SIGSTOP)
        self.stopped = True
        self.stopped_horses = self.horses()
        for horse in self.stopped_horses:
            send(horse, signal.SIGSTOP)
        return self.stopped_horses

    def resume(self) -> None:
        """SIGCONT what stop() stopped."""
        if self.proc is not None:
            send(-self.proc.pid, signal.SIGCONT)
        for horse in self.stopped_horses:
            send(horse, signal.SIGCONT)
        self.stopped, self.stopped_horses = False, []

    def tail(self, lines: int = 40) -> str:
        """The end of the log."""
        path = self.logs / f"{self.name}.log"
        try:
            text = path.read_text(errors="replace")
        except OSError:
            return ""
        return f"--- {path.name}\n" + "\n".join(text.splitlines()[-lines:])


class Cluster:
    """gunicorn (the JSON API), two RQ workers and the scheduler, on the given environment."""

    def __init__(self, environ: dict[str, str], logs: Path, workers: int = 2) -> None:
        self.run_id = uuid.uuid4().hex
        self.port = free_port()
        self.env = {
            **os.environ,
            **environ,
            MARKER: self.run_id,
            "PGAPPNAME": PG_APP_NAME,
            "PYTHONUNBUFFERED": "1",
        }
        logs.mkdir(parents=True, exist_ok=True)
        self.url = f"http://127.0.0.1:{self.port}"
        python = sys.executable
        gunicorn = [python, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}"]
        gunicorn.append("--no-control-socket")  # gunicorn 25+: else one socket per user, shared
        gunicorn += ["--workers", "2", "--threads", "4", "--graceful-timeout", "2"]
        gunicorn += ["--timeout", "30", "--error-logfile", "-", "--no-control-socket"]
        gunicorn += ["--pythonpath", str(ROOT), "wsgi:app"]
        if not _gunicorn_has("control_socket_disable"):
            gunicorn.remove("--no-control-socket")
        self.web = Service("web", gunicorn, self.env, logs)
        self.workers = [
            Service(f"worker-{i + 1}", [python, "-m", "tests.faults.worker"], self.env, logs)
            for i in range(workers)
        ]
        cron = [python, "-m", "rq.cli", "cron", "--url", environ["REDIS_URL"], "workers.cron"]
        self.cron = Service("cron", cron, self.env, logs)

    @property
    def services(self) -> list[Service]:
        """Every process of the cluster."""
        return [self.web, *self.workers, self.cron]

    def start(self) -> None:
        """Start everything and wait for the web app to answer."""
        for service in self.services:
            service.start()
        self.wait_for_web()

    def wait_for_web(self, seconds: float = 60) -> None:
        """Until GET /api/v1/health answers (any status), or raise."""

        def answered() -> bool:
            if not self.web.alive:
                raise RuntimeError("the web server exited:\n" + self.web.tail())
            try:
                requests.get(f"{self.url}/api/v1/health", timeout=2)
            except requests.RequestException:
                return False
            return True

        try:
            wait_for("the web server to answer", seconds, answered, interval=0.2)
        except WaitTimeout:
            raise RuntimeError(
                f"the web server did not answer in {seconds} s:\n" + self.web.tail()
            ) from None

    def revive(self) -> list[str]:
        """Restart whatever is not running (resuming stopped ones first); their names."""
        revived = []
        for service in self.services:
            if service.stopped:
                service.resume()
            if not service.alive:
                service.start()
                revived.append(service.name)
        return revived

    def close(self) -> list[int]:
        """Kill every process, horses included, then any stray carrying the run marker;
        the pids of strays found (there should be none)."""
        for service in self.services:
            service.kill()
        return kill_strays(MARKER, self.run_id)  # SIGKILL reaches stopped processes too

    def logs_tail(self) -> str:
        """The end of every log, for a failure message."""
        return "\n".join(s.tail() for s in self.services)


def _gunicorn_has(setting: str) -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(s.name == setting for s in KNOWN_SETTINGS)
