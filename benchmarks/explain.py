"""EXPLAIN (ANALYZE, BUFFERS) for every query the load mix's pages issue, slow ones in full.

Opens the app on --database-url, signs in a seeded agent and supervisor with the Flask test
client (login form and CSRF token, as a browser), requests each page of benchmarks/load.py's
mix while a `before_cursor_execute` listener records every statement, then runs each
distinct statement again under EXPLAIN (ANALYZE, BUFFERS) inside a transaction that is
rolled back (so the claim and reply writes change nothing). Prints, per page, the statement
count and each query's execution time, then the full plan of every query over --threshold
ms. On SQLite it times each query and shows EXPLAIN QUERY PLAN instead.

    python benchmarks/explain.py --database-url URL [--threshold 10] [--redis-url URL]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.load import REPLY_TEXT, SECRET_KEY, prepare  # noqa: E402
from benchmarks.seed import SEED_PASSWORD  # noqa: E402
from helpdesk import create_app  # noqa: E402
from helpdesk.extensions import db  # noqa: E402

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
EXECUTION = re.compile(r"Execution Time: ([\d.]+) ms")


@dataclass
class Query:
    """One statement a page ran, with what EXPLAIN found."""

    page: str
    statement: str
    parameters: object
    ms: float = 0.0
    plan: str = ""


@contextmanager
def captured(app: Flask) -> Iterator[list[tuple[str, object]]]:
    """Every (statement, parameters) the app's engine runs inside the block."""
    seen: list[tuple[str, object]] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)


def sign_in(client: FlaskClient, number: str) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    token = CSRF.search(client.get("/auth/login").get_data(as_text=True)).group(1)
    form = {"number": number, "password": SEED_PASSWORD, "csrf_token": token}
    if client.post("/auth/login", data=form).status_code != 302:
        raise SystemExit(f"explain: employee {number} could not sign in")
    return CSRF.search(client.get("/inbox").get_data(as_text=True)).group(1)


def pages(
    today: datetime, agent: str, mention_id: int, fresh_id: int
) -> list[tuple[str, str, str]]:
    """(who, method, url) for every page in the load mix."""
    day = today.date()
    month = f"from={day - timedelta(days=29)}&to={day}"
    year = f"from={day - timedelta(days=364)}&to={day}"
    week = f"from={day - timedelta(days=6)}&to={day}"
    return [
        ("agent", "GET", "/inbox?status=open"),
        ("agent", "GET", "/inbox?status=answered&sort=newest"),
        ("agent", "GET", "/inbox?status=dismissed&sort=oldest"),
        ("agent", "GET", "/inbox?status=all&sort=newest"),
        ("agent", "GET", "/inbox?status=mine"),
        ("agent", "GET", "/inbox?status=answered&cursor=NEXT"),
        ("agent", "GET", "/inbox?status=all&q=配送"),
        ("agent", "GET", "/inbox?status=all&q=refund"),
        ("agent", "GET", f"/mentions/{mention_id}"),
        ("agent", "POST", f"/mentions/{fresh_id}/claim"),
        ("agent", "POST", f"/mentions/{fresh_id}/reply"),
        ("supervisor", "GET", "/supervise/"),
        ("supervisor", "GET", "/supervise/?status=all"),
        ("supervisor", "GET", f"/supervise/coverage?period=custom&{month}"),
        ("supervisor", "GET", f"/supervise/coverage?period=custom&{year}"),
        ("supervisor", "GET", "/supervise/audit"),
        ("supervisor", "GET", "/supervise/audit?cursor=NEXT"),
        ("supervisor", "GET", f"/supervise/audit?action=mention.claimed&day={day}"),
        ("supervisor", "GET", f"/supervise/audit?number={agent}"),
        ("supervisor", "GET", f"/supervise/mentions.csv?{week}"),
    ]


def explain(app: Flask, query: Query) -> None:
    """Run the statement under EXPLAIN in a rolled-back transaction; fill in ms and plan."""
    with app.app_context():
        engine = db.engine
        postgres = engine.dialect.name == "postgresql"
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            cursor = raw.cursor()
            try:
                if postgres:
                    cursor.execute(
                        "EXPLAIN (ANALYZE, BUFFERS) " + query.statement, query.parameters
                    )
                    query.plan = "\n".join(row[0] for row in cursor.fetchall())
                    found = EXECUTION.search(query.plan)
                    query.ms = float(found.group(1)) if found else 0.0
                else:
                    cursor.execute("EXPLAIN QUERY PLAN " + query.statement, query.parameters)
                    query.plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
                    started = time.perf_counter()
                    cursor.execute(query.statement, query.parameters)
                    cursor.fetchall()
                    query.ms = (time.perf_counter() - started) * 1000
            except engine.dialect.dbapi.Error as exc:
                # A write cannot always run twice (the audit chain's unique hash): say so.
                query.plan = f"not re-run: {type(exc).__name__}: {str(exc).splitlines()[0]}"
            finally:
                raw.rollback()


def main(argv: list[str] | None = None) -> int:
    """Capture the pages' queries, explain each, print the slow ones' plans."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--threshold", type=float, default=10.0, help="ms; plans shown above")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url (or set DATABASE_URL)")
    with tempfile.TemporaryDirectory(prefix="explain-") as instance:
        environ = {
            "HELPDESK_INSTANCE": instance,
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "SECRET_KEY": SECRET_KEY,
        }
        plan = prepare(environ, 1, 1, 1)
        app = create_app({}, environ=environ)
        agent, boss = app.test_client(), app.test_client()
        tokens = {
            "agent": sign_in(agent, plan.agents[0]),
            "supervisor": sign_in(boss, plan.supervisors[0]),
        }
        with app.app_context():
            answered = db.session.scalars(
                sa.text(
                    "SELECT id FROM mentions WHERE status = 'answered' ORDER BY id DESC LIMIT 1"
                )
            ).one()
            db.session.remove()
        tz = ZoneInfo(app.config["HELPDESK"].timezone)
        today = datetime.now(UTC).astimezone(tz)
        queries: list[Query] = []
        print(f"{'page':<62} {'status':>6} {'queries':>7}")
        for who, method, url in pages(today, plan.agents[0], answered, plan.pool[0]):
            client = agent if who == "agent" else boss
            url = url.replace("NEXT", str(answered))
            data = {"csrf_token": tokens[who]}
            if url.endswith("/reply"):
                data["text"] = REPLY_TEXT
            with captured(app) as seen:
                response = client.open(url, method=method, data=data if method == "POST" else None)
                response.get_data()
            print(f"{method + ' ' + url:<62} {response.status_code:>6} {len(seen):>7}")
            queries.extend(Query(url, statement, parameters) for statement, parameters in seen)
        distinct: dict[tuple[str, str], Query] = {}
        for query in queries:
            distinct.setdefault((query.page, query.statement), query)
        for query in distinct.values():
            explain(app, query)
        slow = sorted((q for q in distinct.values() if q.ms > args.threshold), key=lambda q: -q.ms)
        print(f"\n{len(distinct)} distinct statements; {len(slow)} over {args.threshold} ms")
        for query in sorted(distinct.values(), key=lambda q: -q.ms)[:25]:
            print(
                f"{query.ms:>9.2f} ms  {query.page[:40]:<40}",
                " ".join(query.statement.split())[:90],
            )
        for query in slow:
            print(
                f"\n=== {query.ms:.2f} ms on {query.page}\n{query.statement}\n-- {query.parameters}"
            )
            print(query.plan)
        with app.app_context():
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
