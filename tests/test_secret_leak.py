"""Secrets stay secret (invariant 7): with every logger at DEBUG, while real RQ workers ingest
and post through tweepy and X answers normally, 401, 429, 503 and garbage, no credential shows
in the logs, the pages, the API, the stored errors, RQ's records or the error handler's output.

One scenario runs per module (it is the expensive part); each test checks one surface.
"""

from __future__ import annotations

import base64
import io
import logging
import os
import re
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus, unquote, urlsplit, urlunsplit

import pytest
import requests
import sqlalchemy as sa
import tweepy
from flask import Flask
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.serializers import JSONSerializer

from helpdesk import create_app
from helpdesk.extensions import db
from helpdesk.models import ApiToken, Employee, Escalation, Mention, Reply
from helpdesk.queue import DEFAULT, QUEUE_NAMES, enqueue_ingest, get_queue
from helpdesk.services import budget, replies
from helpdesk.services.employees import create_employee, create_token
from helpdesk.services.ingest import PAUSE_KEY
from helpdesk.x.errors import XError
from helpdesk.x.sandbox import BRAND_ID
from tests.support.app import PASSWORD, FreshContextClient, empty_tables
from tests.support.web import csrf_from

# One xdist worker runs this module, so its module-scoped scenario (`run`) plays once, not once
# per worker (CI runs with -n 2).
pytestmark = pytest.mark.xdist_group("secret_leak")
ROOT = Path(__file__).resolve().parents[1]

SECRETS = {
    # Shaped like X's own (a bearer token is already percent-encoded), with characters that
    # change under percent-encoding, so each encoded form differs from the raw one.
    "X_BEARER_TOKEN": "AAAAAAAAbearer%2FLeakCanaryB1%3DZtoken",
    "X_CONSUMER_KEY": "LeakCanaryCK2/consumer+key=",
    "X_CONSUMER_SECRET": "LeakCanaryCS3/consumer+secret==",
    "X_ACCESS_TOKEN": "1234567890-LeakCanaryAT4/access+token",
    "X_ACCESS_TOKEN_SECRET": "LeakCanaryATS5/access+secret=",
    "SECRET_KEY": "LeakCanarySK6/flask+secret+key=",
}
DB_PASSWORD = "LeakCanaryDB7/pass+word"
MENTIONS_PATH = f"/2/users/{BRAND_ID}/mentions"
LIBRARY_LOGGERS = (
    "tweepy",
    "urllib3",
    "requests",
    "requests_oauthlib",
    "oauthlib",
    "rq",
    "rq.worker",
    "werkzeug",
    "sqlalchemy",
    "sqlalchemy.engine",
    "sqlalchemy.pool",
    "alembic",
    "redis",
    "flask_limiter",
    "limits",
    "helpdesk",
    "workers",
)
GARBAGE = "<html><body>502 Bad Gateway from a proxy</body></html>"

# The worker entry point as production runs it, with every logger turned to DEBUG after
# create_app (which keeps tweepy at INFO): the worst case must not leak either.
WORKER_AT_DEBUG = f"""
import logging, sys
import workers.__main__ as entry

real_create_app = entry.create_app

def create_app_at_debug(*args, **kwargs):
    app = real_create_app(*args, **kwargs)
    logging.getLogger().setLevel(logging.DEBUG)
    for name in {LIBRARY_LOGGERS!r}:
        logging.getLogger(name).setLevel(logging.DEBUG)
    return app

entry.create_app = create_app_at_debug
sys.exit(entry.main(["--burst"]))
"""


@dataclass
class Run:
    """What the scenario produced, by surface: (where, text) pairs to search for secrets."""

    surfaces: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    forbidden: dict[str, str] = field(default_factory=dict)  # text -> what it is
    auth_headers: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, surface: str, where: str, text: str) -> None:
        self.surfaces.setdefault(surface, []).append((where, text))

    def text_of(self, surface: str) -> str:
        return "\n".join(text for _, text in self.surfaces.get(surface, []))


def forms_of(secret: str) -> set[str]:
    """The forms a secret may travel in, written out here independently of helpdesk.logs."""
    raw = secret.encode()
    forms = {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        quote(quote(secret, safe=""), safe=""),
    }
    for encoded in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()):
        forms |= {encoded, encoded.rstrip("=")}
    return forms


def assert_clean(run: Run, surface: str) -> None:
    """No forbidden text in any item of the surface; a failure shows where and what."""
    items = run.surfaces.get(surface)
    assert items, f"nothing was collected for {surface}"
    found = []
    for where, text in items:
        for needle, what in run.forbidden.items():
            at = text.find(needle)
            if at >= 0:
                found.append(f"{what} in {where}: ...{text[max(at - 120, 0) : at + 60]!r}...")
    assert not found, f"{len(found)} leak(s) in {surface}:\n" + "\n".join(found[:20])


class Capture(logging.Handler):
    """Every record, formatted with its traceback, as one text."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.stream = io.StringIO()
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.stream.write(self.format(record) + "\n")


def everything_at_debug(saved: dict[str, tuple[int, bool]]) -> None:
    """Root, the named libraries and every logger that exists so far at DEBUG, and enabled
    (the migrations' logging.config.fileConfig disables the loggers it does not name)."""
    names = [""] + list(LIBRARY_LOGGERS) + list(logging.root.manager.loggerDict)
    for name in names:
        logger = logging.getLogger(name)
        saved.setdefault(name, (logger.level, logger.disabled))
        logger.setLevel(logging.DEBUG)
        logger.disabled = False


def with_db_password(url: str) -> tuple[str, str | None]:
    """The database URL with a password in it (PostgreSQL only) and that password."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return url, None  # SQLite has no password
    if parts.password:
        return url, unquote(parts.password)
    netloc = f"{parts.username or 'postgres'}:{quote(DB_PASSWORD, safe='')}@{parts.hostname}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc)), DB_PASSWORD


def run_worker(app: Flask) -> None:
    """A real RQ worker in this process runs every queued job (burst), logging at DEBUG."""
    worker = SimpleWorker(
        list(QUEUE_NAMES), connection=app.extensions["redis"], serializer=JSONSerializer
    )
    db.session.remove()
    worker.work(burst=True, logging_level="DEBUG")
    db.session.remove()


def run_worker_process(env: dict[str, str]) -> str:
    """`python -m workers --burst` as its own process (it forks a work horse per job)."""
    db.session.remove()  # no transaction (SQLite write lock) held while it works
    done = subprocess.run(
        [sys.executable, "-c", WORKER_AT_DEBUG],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout + done.stderr


def reply_to(mention_id: int, agent_id: int, text: str) -> None:
    """The agent answers the mention; the reply is queued for the worker."""
    replies.create_reply(mention_id, db.session.get(Employee, agent_id), text)
    db.session.remove()


@pytest.fixture(scope="module")
def run(session_app: Flask, environ: dict[str, str], sandbox_server) -> Iterator[Run]:
    """Configure an app and workers with distinctive secrets and drive every X path once."""
    x = sandbox_server
    x.post("/_sandbox/reset")
    with session_app.app_context():
        empty_tables()
        session_app.extensions["redis"].flushdb()
    result = Run()
    capture = Capture()
    saved: dict[str, tuple[int, bool]] = {}
    logging.getLogger().addHandler(capture)
    everything_at_debug(saved)
    database_url, db_password = with_db_password(environ["DATABASE_URL"])
    env = {**environ, **SECRETS, "DATABASE_URL": database_url}
    app = None
    try:
        app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False}, environ=env)
        everything_at_debug(saved)  # create_app holds tweepy at INFO; the test wants the worst
        session = app.extensions["x_client"]._tweepy.session
        session.hooks["response"].append(
            lambda r, *a, **k: result.auth_headers.add(r.request.headers.get("Authorization", ""))
        )
        with app.app_context():
            _drive(app, x, env, result)
            _collect_pages_and_api(app, result)
            _collect_error_handler(app, x, result)
            _collect_database(result)
            _collect_redis(app, result)
    finally:
        logging.getLogger().removeHandler(capture)
        for name, (level, disabled) in saved.items():
            logging.getLogger(name).setLevel(level)
            logging.getLogger(name).disabled = disabled
        if app is not None:
            with app.app_context():
                db.engine.dispose()
        x.post("/_sandbox/reset")
    result.add("logs", "this process (app, in-process worker, sandbox)", capture.stream.getvalue())
    secrets = {**SECRETS, "employee password": PASSWORD}
    if db_password:
        secrets["database password"] = db_password
    for name, value in secrets.items():
        for form in forms_of(value):
            result.forbidden[form] = name
    pair = f"{SECRETS['X_CONSUMER_KEY']}:{SECRETS['X_CONSUMER_SECRET']}".encode()
    result.forbidden[base64.b64encode(pair).decode()] = "consumer key:secret (Basic)"
    for header in result.auth_headers - {""}:
        result.forbidden[header] = "an Authorization header sent to X"
        scheme, _, credentials = header.partition(" ")
        result.forbidden[credentials] = f"the {scheme} credentials sent to X"
        for signature in re.findall(r'oauth_signature="([^"]+)"', header):
            result.forbidden[signature] = "an OAuth signature sent to X"
            result.forbidden[unquote(signature)] = "an OAuth signature sent to X"
    yield result


def _drive(app: Flask, x, env: dict[str, str], result: Run) -> None:
    """Ingest and post on X's normal answers and on each of its failures."""
    for i in range(7):
        x.mention(f"@acme_help 注文 {i} が届きません", username=f"customer_{i}")
    enqueue_ingest()
    run_worker(app)
    agent = create_employee("0427", "Agent", "agent", PASSWORD)
    create_employee("0100", "Supervisor", "supervisor", PASSWORD)
    create_employee("0001", "Admin", "admin", PASSWORD)
    token = create_token(agent)
    result.forbidden[token] = "an employee's API token"
    agent_id = agent.id
    mention_ids = list(db.session.scalars(sa.select(Mention.id).order_by(Mention.id)))
    db.session.remove()
    assert len(mention_ids) == 7, "the normal ingest did not store the mentions"

    # Posting: normal, then X answering 401, 503, a 2xx that is not JSON, 400 garbage; the
    # sweep reconciles the unknown outcomes; then a 429 (it spends the posting budget).
    post_faults = [
        None,
        {"status": 401},
        {"status": 503},
        {"status": 200, "body": GARBAGE},
        {"status": 400, "body": GARBAGE},
    ]
    for n, fault in enumerate(post_faults):
        if fault:
            x.fault(path="/2/tweets", method="POST", **fault)
        reply_to(mention_ids[n], agent_id, f"Thanks for telling us ({n}); we are checking it.")
        run_worker(app)
    time.sleep(1.2)  # past the posting grace period
    get_queue(DEFAULT).enqueue("workers.jobs.sweep_outbox", job_timeout=60, failure_ttl=3600)
    run_worker(app)
    x.fault(path="/2/tweets", method="POST", status=429)
    reply_to(mention_ids[5], agent_id, "Thanks for telling us (5); we are checking it.")
    run_worker(app)

    # Ingesting: X answering 401, 503, garbage with 200 and with 500, then 429 (last: it
    # pauses ingestion until the reset).
    for fault in (
        {"status": 401},
        {"status": 503},
        {"status": 200, "body": GARBAGE},
        {"status": 500, "body": GARBAGE},
        {"status": 429},
    ):
        x.fault(path=MENTIONS_PATH, method="GET", **fault)
        enqueue_ingest()
        run_worker(app)
        health = app.test_client().get(
            "/api/v1/health", headers={"Authorization": f"Bearer {token}"}
        )
        result.add("api", f"GET /api/v1/health after ingest met {fault}", _dump(health))

    # The worker entry point in its own process: a 401 on ingest and a normal post.
    redis = app.extensions["redis"]
    redis.delete(budget.KEY, *redis.keys(PAUSE_KEY.format(account_id="*")))  # the 429s' pauses
    reply_to(mention_ids[6], agent_id, "Thanks, a colleague from the process worker here.")
    x.fault(path=MENTIONS_PATH, method="GET", status=401)
    enqueue_ingest()
    result.add("worker process", "python -m workers --burst", run_worker_process(env))


def _login(client, number: str) -> None:
    page = client.get("/auth/login")
    answer = client.post(
        "/auth/login",
        data={"number": number, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert answer.status_code in (302, 303), f"could not sign in as {number}"


def _samples() -> dict[str, list[object]]:
    """Values for the URL arguments of the GET routes, from what the scenario stored."""
    return {
        "mention_id": list(db.session.scalars(sa.select(Mention.id))),
        "reply_id": list(db.session.scalars(sa.select(Reply.id))),
        "escalation_id": list(db.session.scalars(sa.select(Escalation.id))),
        "token_id": list(db.session.scalars(sa.select(ApiToken.id))),
        "number": list(db.session.scalars(sa.select(Employee.number))),
    }


def _get_urls(app: Flask, api: bool) -> list[str]:
    """Every GET URL of the app (API or pages), arguments filled from the stored rows."""
    samples = _samples()
    db.session.remove()
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        if rule.rule.startswith("/api/") != api:
            continue
        if not rule.arguments:
            urls.append(rule.rule)
            continue
        (name, *others) = sorted(rule.arguments)
        values = samples.get(name) or [1]  # a route new to this test is still opened once
        for value in values[:10]:
            url = rule.rule
            for arg in [name, *others]:
                url = re.sub(rf"<(?:[^:<>]+:)?{arg}>", str(value if arg == name else 1), url)
            urls.append(url)
    return sorted(set(urls))


def _collect_pages_and_api(app: Flask, result: Run) -> None:
    app.test_client_class = FreshContextClient
    pages = _get_urls(app, api=False)
    for number in ("0427", "0100", "0001"):
        client = app.test_client()
        _login(client, number)
        for url in pages:
            answer = client.get(url)
            result.add("pages", f"{number} GET {url} ({answer.status_code})", _dump(answer))
    result.counts["pages"] = len(pages)

    api_urls = _get_urls(app, api=True)
    client = app.test_client()
    tokens = {"0100": "", "0001": ""}
    for number in tokens:
        answer = client.post("/api/v1/auth/token", json={"number": number, "password": PASSWORD})
        assert answer.status_code == 201
        tokens[number] = answer.get_json()["token"]  # this one answer is where a token is shown
        result.forbidden[tokens[number]] = "an employee's API token"
    agent_token = next(k for k, v in result.forbidden.items() if v == "an employee's API token")
    for who, token in {"agent": agent_token, **tokens}.items():
        for url in api_urls:
            answer = client.get(url, headers={"Authorization": f"Bearer {token}"})
            result.add("api", f"{who} GET {url} ({answer.status_code})", _dump(answer))
    wrong = {
        "no token": {},
        "X's bearer token": {"Authorization": f"Bearer {SECRETS['X_BEARER_TOKEN']}"},
        "a bent token": {"Authorization": f"Bearer {agent_token}x"},
        "a token without scheme": {"Authorization": agent_token},
        "an OAuth header": {"Authorization": f'OAuth oauth_token="{SECRETS["X_ACCESS_TOKEN"]}"'},
    }
    for what, headers in wrong.items():
        for url in ("/api/v1/mentions", "/api/v1/health", "/api/v1/nowhere"):
            answer = client.get(url, headers=headers)
            result.add("api", f"{what}: GET {url} ({answer.status_code})", _dump(answer))
    for body in ({"number": "0427", "password": "wrong password"}, {"number": "0427"}, "x"):
        answer = client.post("/api/v1/auth/token", json=body)
        result.add("api", f"POST /api/v1/auth/token {body!r} ({answer.status_code})", _dump(answer))
    result.counts["api"] = len(api_urls)


def _dump(answer) -> str:
    return f"{answer.headers}\n{answer.get_data(as_text=True)}"


def _collect_error_handler(app: Flask, x, result: Run) -> None:
    """What the app's error handlers make of real X failures, for the API and for pages."""
    failures: list[Exception] = []
    client = app.extensions["x_client"]
    for status in (401, 503):
        x.fault(path="/2/users/me", method="GET", status=status)
        try:
            client.get_me()
        except XError as exc:
            failures.append(exc)
        x.fault(path="/2/users/me", method="GET", status=status)
        try:  # the tweepy exception itself, as if one escaped helpdesk.x
            client._tweepy.get_me(user_auth=True)
        except tweepy.HTTPException as exc:
            failures.append(exc)
    try:
        requests.get("http://127.0.0.1:9/", timeout=2, headers={"Authorization": "Bearer x"})
    except requests.RequestException as exc:
        failures.append(exc)
    assert len(failures) == 5, failures
    for exc in failures:
        for path in ("/api/v1/mentions", "/inbox"):
            with app.test_request_context(path):
                answer = app.make_response(app.handle_user_exception(exc))
            result.add("error handler", f"{type(exc).__name__} on {path}", _dump(answer))


def _collect_database(result: Run) -> None:
    """Every value of every row of every table, by raw SQL."""
    # The error handlers above ran in request contexts inside this test's one app context, so
    # the session's read (the user, the routing mode) is still open; on SQLite a transaction
    # outside a GET request takes the write lock (helpdesk/database.py), so end it first.
    db.session.remove()
    tables = sa.inspect(db.engine).get_table_names()
    with db.engine.connect() as conn:
        for table in tables:
            rows = conn.execute(sa.text(f'SELECT * FROM "{table}"')).mappings().all()  # noqa: S608
            for row in rows:
                result.add("database", table, repr(dict(row)))
    with db.engine.connect() as conn:
        result.counts["failed replies"] = conn.scalar(
            sa.text("SELECT count(*) FROM replies WHERE status = 'failed' AND last_error <> ''")
        )
        result.counts["failed ingest runs"] = conn.scalar(
            sa.text("SELECT count(*) FROM ingest_runs WHERE outcome = 'failed' AND error <> ''")
        )


def _decoded(raw: bytes) -> list[str]:
    """A Redis value as text, and unpacked where RQ packs it (zlib, base64 + zlib)."""
    texts = [raw.decode("utf-8", "replace")]
    for unpack in (zlib.decompress, lambda b: zlib.decompress(base64.b64decode(b))):
        try:
            texts.append(unpack(raw).decode("utf-8", "replace"))
        except (zlib.error, ValueError):
            continue
    return texts


def _values(conn, key: bytes, kind: str) -> list[bytes]:
    """The key and everything stored under it."""
    if kind == "string":
        return [key, conn.get(key)]
    if kind == "hash":
        return [key, *(b for pair in conn.hgetall(key).items() for b in pair)]
    if kind == "list":
        return [key, *conn.lrange(key, 0, -1)]
    if kind == "set":
        return [key, *conn.smembers(key)]
    if kind == "zset":
        return [key, *conn.zrange(key, 0, -1)]
    if kind == "stream":
        entries = conn.xrange(key)
        return [key, *(b for _, fields in entries for pair in fields.items() for b in pair)]
    raise AssertionError(f"a Redis {kind} this test cannot read: {key!r}")


def _collect_redis(app: Flask, result: Run) -> None:
    """Every key and value in Redis, then RQ's job records read through RQ itself."""
    conn = app.extensions["redis"]
    for key in conn.scan_iter(count=1000):
        kind = conn.type(key).decode()
        for value in _values(conn, key, kind):
            for text in _decoded(value):
                result.add("redis", f"{kind} {key.decode()}", text)
    failed = 0
    for name in QUEUE_NAMES:
        queue = Queue(name, connection=conn, serializer=JSONSerializer)
        registries = (
            queue.failed_job_registry,
            queue.finished_job_registry,
            queue.scheduled_job_registry,
            queue.started_job_registry,
            queue.deferred_job_registry,
            queue.canceled_job_registry,
        )
        ids = set(queue.get_job_ids()).union(*(r.get_job_ids() for r in registries))
        for job in Job.fetch_many(sorted(ids), connection=conn, serializer=JSONSerializer):
            if job is None:
                continue
            results = [r.exc_string or repr(r.return_value) for r in job.results()]
            text = "\n".join(map(str, (job.description, job.args, job.kwargs, job.meta, results)))
            failed += any(r.exc_string for r in job.results())
            result.add("rq jobs", f"{name} {job.id}", text)
    result.counts["failed jobs"] = failed


def test_no_secret_in_the_logs(run: Run) -> None:
    """No credential in anything logged, at DEBUG, by us or any library, in either worker."""
    assert_clean(run, "logs")
    assert_clean(run, "worker process")


def test_no_secret_in_the_pages(run: Run) -> None:
    """No credential on any page an agent, a supervisor or an admin can open."""
    assert_clean(run, "pages")


def test_no_secret_in_the_api_answers(run: Run) -> None:
    """No credential in any API answer: lists, details, health and the error answers."""
    assert_clean(run, "api")


def test_no_secret_in_the_database(run: Run) -> None:
    """No credential in any stored row, the failed replies' and ingest runs' errors included."""
    assert_clean(run, "database")


def test_no_secret_in_redis_or_rq_job_records(run: Run) -> None:
    """No credential in Redis: job data, results and tracebacks of failed jobs, health state."""
    assert_clean(run, "redis")
    assert_clean(run, "rq jobs")


def test_no_secret_in_the_error_handlers_output_for_x_errors(run: Run) -> None:
    """The error pages and JSON errors made of real X failures show no credential."""
    assert_clean(run, "error handler")


def test_the_scenario_went_through_every_path_it_claims(run: Run) -> None:
    """The checks above are not vacuous: DEBUG output, credentials sent, failures stored."""
    logs = run.text_of("logs")
    for library_line in (
        "Making API request",  # tweepy DEBUG (its headers carry the bearer token)
        "Updated headers",  # requests-oauthlib DEBUG (the signed OAuth header)
        "Collected params",  # oauthlib DEBUG (consumer key and token)
        "Starting new HTTP connection",  # urllib3 DEBUG
        "SELECT",  # SQLAlchemy's statements
        "Job OK",  # the RQ worker
        "[REDACTED]",  # the filter did its work
    ):
        assert library_line in logs, f"the logs never show {library_line!r}"
    process = run.text_of("worker process")
    assert "Updated headers" in process and "[REDACTED]" in process
    assert "XRejected" in process, "the process worker did not see the 401"
    assert "XRejected" in run.text_of("redis"), "no failed job's traceback was read from Redis"
    assert "XRejected" in run.text_of("rq jobs")
    assert "Unauthorized" in run.text_of("database"), "no stored X error was read"
    schemes = {h.partition(" ")[0] for h in run.auth_headers}
    assert {"Bearer", "OAuth"} <= schemes, run.auth_headers
    assert run.counts["failed replies"] >= 1
    assert run.counts["failed ingest runs"] >= 4
    assert run.counts["failed jobs"] >= 3
    assert run.counts["pages"] >= 8 and run.counts["api"] >= 8
    health = "".join(t for w, t in run.surfaces["api"] if "/api/v1/health after" in w)
    assert '"state":"failing"' in health and '"state":"rate_limited"' in health, health


def test_the_filter_scrubs_tracebacks_and_survives_bad_arguments() -> None:
    """A secret in an exception's traceback is masked; a record with bad %-args never raises."""
    from helpdesk.logs import MASK, RedactingFilter

    scrub = RedactingFilter()
    scrub.add([SECRETS["X_CONSUMER_SECRET"]])
    try:
        raise RuntimeError(f"connect to redis://:{quote(DB_PASSWORD, safe='')}@db:6379 failed")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("t", logging.ERROR, __file__, 1, "boom %s", ("x",), exc_info)
    scrub.filter(record)
    text = logging.Formatter().format(record)
    assert DB_PASSWORD not in unquote(text) and f":{MASK}@db" in text
    odd = logging.LogRecord(
        "t", logging.INFO, __file__, 1, "%s %s", (SECRETS["X_CONSUMER_SECRET"],), None
    )
    assert scrub.filter(odd)
    assert SECRETS["X_CONSUMER_SECRET"] not in odd.getMessage()
