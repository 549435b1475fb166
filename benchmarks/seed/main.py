"""The seed's command line: migrate, generate, write, print the figures, optionally --check."""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask

import benchmarks.seed as seed_package
from benchmarks.seed.check import check
from benchmarks.seed.data import SEED_PASSWORD, iso, opt, stamp, to_ms
from benchmarks.seed.database import build_app, driver_url, prepare, rows_in_database
from benchmarks.seed.desk import Desk, password_hash
from benchmarks.seed.sinks import LOAD_ORDER, PostgresSink, Sink, SqliteSink
from helpdesk.extensions import db


def parse_until(raw: str | None) -> int:
    if raw:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return to_ms(value)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return to_ms(now)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=seed_package.__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--employees", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--until", help="end of the data, ISO 8601 (default: this hour)")
    parser.add_argument("--ingest-every", type=int, default=60, help="seconds between passes")
    parser.add_argument("--reset", action="store_true", help="drop what the database holds")
    parser.add_argument("--check", action="store_true", help="run the services on the result")
    parser.add_argument(
        "--check-only", action="store_true", help="only --check an already seeded database"
    )
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url (or set DATABASE_URL)")
    if args.mentions < 1 or args.years < 1 or args.employees < 5 or args.ingest_every < 1:
        parser.error("need at least 1 mention, 1 year, 5 employees and 1 s between passes")
    return args


def build_rollups(app: Flask) -> float:
    """The reports' roll-ups of everything written (what migration 0013 does for old data)."""
    from helpdesk.services import rollups

    started = time.perf_counter()
    with app.app_context():
        rollups.rebuild()
        if db.engine.dialect.name == "postgresql":
            tables = "rollup_counts, rollup_response_bins, rollup_employee_bins, rollup_state"
            db.session.execute(sa.text(f"ANALYZE {tables}"))
            db.session.commit()
        db.session.remove()
    return time.perf_counter() - started


def build_listening(app: Flask) -> float:
    """Listening's roll-ups of everything written (what the job's first run does after 0018)."""
    from helpdesk.services import listening_rollups

    started = time.perf_counter()
    with app.app_context():
        listening_rollups.rebuild()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE listening_hours, listening_days, listening_state"))
            db.session.commit()
        db.session.remove()
    return time.perf_counter() - started


def seed(args: argparse.Namespace, app: Flask, until: int) -> Sink:
    """Migrate, generate and write everything; prints the figures."""
    started = time.perf_counter()
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
        backend = db.engine.dialect.name
        prepare(args.reset)
    migrated = time.perf_counter()
    raw = driver_url(url)
    sink: Sink = PostgresSink(raw) if backend == "postgresql" else SqliteSink(raw)
    desk = Desk(args, until, sink, password_hash(args.seed))
    hashed = time.perf_counter()
    desk.generate(args.employees)
    mark = "%s" if backend == "postgresql" else "?"
    sink.conn.execute(
        f"UPDATE brand_accounts SET ingest_cursor = {mark}, last_ingest_at = {mark}",  # noqa: S608
        (desk.cursor, opt(desk.last_ingest)),
    )
    sink.commit()
    generated = time.perf_counter()
    steps = sink.finish()
    steps["roll-ups built"] = build_rollups(app)
    steps["listening roll-ups built"] = build_listening(app)
    written = sum(sink.seconds.values()) + sink.commit_seconds
    print(
        f"seed: {backend}, --mentions {args.mentions:,} --years {args.years} --employees"
        f" {args.employees} --seed {args.seed} --ingest-every {args.ingest_every},"
        f" until {iso(stamp(until))}"
    )
    print(f"  {'table':<16} {'rows':>11} {'write s':>9}")
    for name in LOAD_ORDER:
        print(f"  {name:<16} {sink.count[name]:>11,} {sink.seconds[name]:>9.1f}")
    print(f"  {'commits':<16} {'':>11} {sink.commit_seconds:>9.1f}")
    print(f"  {'all tables':<16} {sum(sink.count.values()):>11,} {written:>9.1f}")
    print(
        f"  migrations {migrated - started:.1f} s, password hash (once) {hashed - migrated:.2f} s,"
        f" generating (Python, writes excluded) {generated - hashed - written:.1f} s"
    )
    for step, seconds in steps.items():
        print(f"  {step} {seconds:.1f} s")
    print(f"  total {time.perf_counter() - started:.1f} s; peak RSS {_peak_rss_mib():.0f} MiB")
    print(f"  every employee signs in with the password {SEED_PASSWORD!r}")
    sys.stdout.flush()
    return sink


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    assert iso(stamp(1_790_000_000_123)) == datetime.fromtimestamp(
        1_790_000_000.123, UTC
    ).isoformat(timespec="microseconds")
    app = build_app(args.database_url)
    until = parse_until(args.until)
    sink = None if args.check_only else seed(args, app, until)
    if not (args.check or args.check_only):
        return 0
    started = time.perf_counter()
    with app.app_context():
        counts = rows_in_database()
        if sink is not None:
            wrong = {t: (counts.get(t), n) for t, n in sink.count.items() if counts.get(t) != n}
            if wrong:
                raise SystemExit(f"check: rows in the database differ from rows written: {wrong}")
            print("check: rows per table as written")
        else:
            newest = db.session.scalar(sa.text("SELECT max(created_at) FROM mentions"))
            if newest is None:
                raise SystemExit("check: the database has no mentions")
            until = to_ms(datetime.fromisoformat(str(newest)).replace(tzinfo=UTC)) + 1
        for line in check(until):
            print(line)
    print(
        f"check: all good ({time.perf_counter() - started:.1f} s);"
        f" peak RSS {_peak_rss_mib():.0f} MiB"
    )
    return 0


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
