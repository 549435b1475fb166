"""Listening from its roll-ups against the old path, side by side on a seeded database per backend.

For each database given: seed it (`python -m benchmarks.seed`, which builds every roll-up), or
with --no-seed take it as it is (migrated to the newest revision, listening's roll-ups built
and timed when missing). Then, for 30 days (aligned to the desk's midnights, and rolling: ending
at an instant inside an hour), 7 days and 24 hours, time the listening figures (volume, spikes,
top terms and hashtags, tone and priority) three ways in one process:

- old: today's path before the roll-ups (`_computed` with MAX_TEXTS: the newest 10,000 texts of
  the period tokenised, volume and priority by GROUP BY over the mentions);
- exact: every text of the period tokenised (`listening_exact`; timed once, the reference);
- roll-ups: what the page and the API call (`listening`), with the process's cache of tokenised
  texts emptied before each call (cold: the figure that counts) and kept (warm).

It stops unless the roll-ups' figures equal the exact ones. Then the job's cost: 60 new mentions
in the desk's last hour, and the refresh that takes them in.

    python benchmarks/listening.py [--mentions 100000] [--sqlite PATH] [--postgres URL]
        [--repeat 5] [--no-seed]

Prints a Markdown table per backend (run from the repository's root).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.rollups import UNTIL, seed  # noqa: E402
from benchmarks.seed.database import build_app  # noqa: E402
from helpdesk.extensions import db  # noqa: E402

TZ = "Asia/Tokyo"
NEW_MENTIONS = 60
PERIODS = {
    "30 days": (UNTIL - timedelta(days=30), UNTIL),
    "30 days, rolling": (
        UNTIL - timedelta(days=30, minutes=7, seconds=13),
        UNTIL - timedelta(minutes=7, seconds=13),
    ),
    "7 days": (UNTIL - timedelta(days=7), UNTIL),
    "24 hours": (UNTIL - timedelta(hours=24), UNTIL),
}


def timed(
    call: Callable[[], object], repeat: int, before: Callable[[], object]
) -> tuple[float, float]:
    """Median milliseconds of `repeat` calls after one warm-up call, wall clock and this
    process's CPU (the machine is shared: CPU time moves less with the load); `before` runs
    untimed ahead of each call."""
    before()
    call()
    db.session.rollback()
    wall, cpu = [], []
    for _ in range(repeat):
        before()
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        db.session.rollback()
    return statistics.median(wall), statistics.median(cpu)


def ensure_built() -> str:
    """Migrate to the newest revision and build listening's roll-ups when they are missing."""
    from flask_migrate import upgrade

    from helpdesk.services import listening_rollups

    upgrade()
    held = listening_rollups.state()
    if held is not None and held.watermark is not None:
        return "listening roll-ups already built"
    started = time.perf_counter()
    done = listening_rollups.rebuild()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE listening_hours, listening_days, listening_state"))
        db.session.commit()
    return (
        f"listening roll-ups built in {time.perf_counter() - started:.1f} s ({done['rows']:,} rows)"
    )


def _without_generated(found: dict) -> dict:
    return {k: v for k, v in found.items() if k != "generated_at"}


def listening_rows(repeat: int) -> list[dict[str, object]]:
    """Per period: mentions, old / exact / cold / warm milliseconds, sample of the old path."""
    from helpdesk.services import listening as service
    from helpdesk.services.listening_rollups import mention_terms

    def cold() -> None:
        mention_terms.cache_clear()

    rows = []
    for name, (start, end) in PERIODS.items():
        old_ms, old_cpu = timed(
            lambda s=start, e=end: service._computed(s, e, TZ, service.MAX_TEXTS, now=UNTIL),
            repeat,
            cold,
        )
        old = service._computed(start, end, TZ, service.MAX_TEXTS, now=UNTIL)
        cold()
        started = time.perf_counter()
        exact = service.listening_exact(start, end, TZ, now=UNTIL)
        exact_ms = (time.perf_counter() - started) * 1000
        db.session.rollback()
        new = service.listening(start, end, TZ, now=UNTIL)
        if _without_generated(new) != _without_generated(exact):
            differ = [k for k in exact if k != "generated_at" and exact[k] != new[k]]
            raise SystemExit(f"{name}: the roll-ups' figures differ from the exact ones: {differ}")
        cold_ms, cold_cpu = timed(
            lambda s=start, e=end: service.listening(s, e, TZ, now=UNTIL), repeat, cold
        )
        warm_ms, _ = timed(
            lambda s=start, e=end: service.listening(s, e, TZ, now=UNTIL), repeat, lambda: None
        )
        rows.append(
            {
                "period": name,
                "mentions": int(exact["total"]),
                "old_sample": int(old["sample"]),
                "old_ms": old_ms,
                "old_cpu": old_cpu,
                "cold_cpu": cold_cpu,
                "exact_ms": exact_ms,
                "cold_ms": cold_ms,
                "warm_ms": warm_ms,
                "spikes": len(new["spikes"]),
            }
        )
    return rows


def refresh_cost() -> dict[str, float]:
    """NEW_MENTIONS new mentions in the desk's last hour (stored now), then the job's refresh."""
    from helpdesk.models import Mention
    from helpdesk.services import listening_rollups

    newest = db.session.scalar(sa.select(Mention).order_by(Mention.tweet_id.desc()).limit(1))
    for k in range(NEW_MENTIONS):
        db.session.add(
            Mention(
                tweet_id=newest.tweet_id + 1 + k,
                brand_account_id=newest.brand_account_id,
                author_x_id=newest.author_x_id,
                conversation_id=newest.tweet_id + 1 + k,
                text=f"@acme 充電器がまだ届きません。注文番号は{k}です #配送遅延",
                lang="ja",
                created_at=UNTIL - timedelta(minutes=60 - k * 50 / NEW_MENTIONS),
            )
        )
    db.session.commit()
    listening_rollups.mention_terms.cache_clear()
    started = time.perf_counter()
    done = listening_rollups.refresh()
    return {"ms": (time.perf_counter() - started) * 1000, "hours": float(done["refreshed"])}


def run(url: str, args: argparse.Namespace) -> None:
    label = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    if not args.no_seed:
        started = time.perf_counter()
        output = seed(url, args.mentions)
        built = [line.strip() for line in output.splitlines() if "roll-ups built" in line]
        print(
            f"{label}: seeded {args.mentions:,} in {time.perf_counter() - started:.0f} s; {built}"
        )
    app = build_app(url)
    with app.app_context():
        print(f"{label}: {ensure_built()}")
        counted = db.session.scalar(sa.text("SELECT count(*) FROM mentions"))
        hours, days = (
            db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))  # noqa: S608
            for table in ("listening_hours", "listening_days")
        )
        db.session.rollback()
        rows = listening_rows(args.repeat)
        print(
            f"\n{label}, {counted:,} mentions ({hours:,} hour rows, {days:,} day rows),"
            f" median of {args.repeat} calls, ms:\n"
        )
        print(
            "| listening over | mentions | old path (texts tokenised) | exact (once) |"
            " roll-ups, cold cache | roll-ups, warm | speed-up (old / cold) |"
            " CPU ms, old / roll-ups cold |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in rows:
            print(
                f"| {r['period']} | {r['mentions']:,} | {r['old_ms']:,.1f} ({r['old_sample']:,})"
                f" | {r['exact_ms']:,.0f} | {r['cold_ms']:,.1f} | {r['warm_ms']:,.1f}"
                f" | {r['old_ms'] / r['cold_ms']:,.0f}x"
                f" | {r['old_cpu']:,.0f} / {r['cold_cpu']:,.1f} |"
            )
        if not args.no_refresh:
            cost = refresh_cost()
            print(
                f"\nrefresh after {NEW_MENTIONS} new mentions: {cost['ms']:.1f} ms"
                f" ({cost['hours']:.0f} hours recounted)"
            )
        db.session.remove()
        db.engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--sqlite", help="SQLite file (default: a temporary one)")
    parser.add_argument("--postgres", help="postgresql://... (skipped when absent)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-seed", action="store_true", help="use the databases as they are")
    parser.add_argument(
        "--no-refresh", action="store_true", help="add no mentions (keep the database as seeded)"
    )
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    print(
        f"listening benchmark {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}:"
        f" {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    sqlite = args.sqlite or str(Path(tempfile.mkdtemp(prefix="listening-bench-")) / "desk.sqlite")
    for url in (None if args.skip_sqlite else f"sqlite:///{sqlite}", args.postgres):
        if url:
            run(url, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
