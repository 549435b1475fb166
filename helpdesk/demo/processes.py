"""Process helpers for the demo: free ports, the instance lock, process groups, strays."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any


class Refusal(Exception):
    """The demo cannot start as asked; the message is one line for the terminal."""


@dataclass
class Child:
    """One process the demo started, in its own process group."""

    name: str
    argv: list[str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def how_it_ended(self) -> str:
        code = self.proc.returncode if self.proc else None
        if code is not None and code < 0:
            return f"killed by {signal.Signals(-code).name}"
        return f"exit code {code}"

    def tail(self, lines: int = 15) -> str:
        """The end of this child's log, for a message about why it stopped."""
        try:
            with self.log_path.open("rb") as fh:
                fh.seek(0, os.SEEK_END)
                fh.seek(max(fh.tell() - 4000, 0))
                text = fh.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def port_problem(host: str, port: int) -> str | None:
    """Why host:port cannot be listened on (another process has it), or None."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"unknown host: {exc.strerror}"
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # As the servers do: a port in TIME_WAIT after the last run counts as free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            return "already in use" if exc.errno == 98 else (exc.strerror or str(exc))
    return None


def lock_instance(instance: Path) -> IO[str]:
    """Hold a lock on the instance folder for the demo's lifetime: one demo per folder."""
    import fcntl

    handle = (instance / "demo.lock").open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise Refusal(f"another helpdesk demo is running on {instance}") from None
    return handle


def die_with_parent(parent: int) -> Any:
    """A preexec_fn: on Linux the child gets SIGTERM if the demo dies without cleaning up."""
    if not sys.platform.startswith("linux"):
        return None

    def arrange() -> None:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the demo died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return arrange


def signal_groups(children: list[Child], signum: int) -> None:
    """Signal the process group of every child not yet reaped (so its group id is still ours)."""
    for child in children:
        if child.running and child.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.proc.pid, signum)


def kill_strays(name: str, value: str) -> list[int]:
    """SIGKILL any process still carrying this run's marker (e.g. an RQ job's own group);
    the pids found."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    needle = f"{name}={value}".encode()
    strays = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            strays.append(int(entry.name))
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(strays[-1], signal.SIGKILL)
    for _ in range(50):  # until they are gone, so their Redis connections are closed
        if not any(is_running(pid) for pid in strays):
            break
        time.sleep(0.05)
    return strays


def is_running(pid: int) -> bool:
    """Alive and not a zombie waiting for its parent (or init) to reap it."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
