"""Coverage from roll-ups against the old path, side by side on one seeded database per backend.

For each database given: seed it (`python -m benchmarks.seed`, which builds the roll-ups; with
--no-seed, migrate it to the newest revision instead, which builds the day level), turn it into
a desk of both channels (`add_channels`: a fifth DMs, moves to DM, DMs following some; the
rebuild by channel is timed), then time coverage over a year (Tokyo's days, and a UTC desk's)
and over 30 days (aligned to the desk's midnights, and 30 days ending at an instant inside a
bucket) by the old path (`services.coverage.coverage_exact`: every mention of the period, timed
once), by the 15-minute buckets alone (`rollup_figures.figures(days=False)`) and by the day
level with buckets at the edges (`services.coverage.coverage`, what the page and the API call),
checking that all three agree (counts equal, percentiles within 1%, also per channel and on the
moves to DM; the two roll-up readings equal). Then the reply path: claim + reply through the
services on open mentions, alternating blocks with and without the `changed_at` indexes (the
only synchronous cost of the roll-ups), and the refresh job that takes those replies in.

    python benchmarks/rollups.py [--mentions 100000] [--sqlite PATH] [--postgres URL]
        [--repeat 5] [--replies 200] [--no-seed] [--no-sqlite]

Prints a Markdown table per backend (run from the repository's root).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.seed.database import build_app  # noqa: E402
from helpdesk.extensions import db  # noqa: E402

UNTIL = datetime(2026, 12, 3, 15, tzinfo=UTC)  # midnight in Tokyo: whole buckets
TZ = "Asia/Tokyo"
BLOCK = 10  # replies per block; blocks alternate with and without the changed_at indexes
COUNTED = ("total", "answered", "answered_elsewhere", "dismissed", "open", "within_sla")
PERCENTILES = ("median_first_response_seconds", "p90_first_response_seconds")


def seed(url: str, mentions: int) -> str:
    """Seed the database afresh; the seed's summary lines."""
    argv = [sys.executable, "-m", "benchmarks.seed", "--mentions", str(mentions)]
    argv += ["--database-url", url, "--reset", "--until", UNTIL.isoformat()]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    if done.returncode:
        raise SystemExit(f"seed failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def timed(call: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median milliseconds of `repeat` calls after one warm-up call, and the last result;
    with `repeat` 0, the one call's time."""
    started = time.perf_counter()
    result = call()
    db.session.rollback()
    if not repeat:
        return (time.perf_counter() - started) * 1000, result
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    return statistics.median(times), result


def agree(old: dict, new: dict, what: str) -> None:
    """Counts equal and percentiles within 1%, or stop."""
    for key in COUNTED:
        if old[key] != new[key]:
            raise SystemExit(f"{what}: {key} differs: {old[key]} (exact) vs {new[key]}")
    pairs = [(what, old, new)]
    if "by_channel" in old:  # issue 18: the same figures per channel, and the moves to DM
        if old["moved_to_dm"] != new["moved_to_dm"]:
            raise SystemExit(f"{what}: moved_to_dm differs: {old['moved_to_dm']} vs the roll-ups'")
        for mine, theirs in zip(old["by_channel"], new["by_channel"], strict=True):
            for key in ("total", "answered", "responded", "sla_met", "sla_missed"):
                if mine[key] != theirs[key]:
                    raise SystemExit(f"{what}: {mine['channel']} {key} differs")
            pairs.append((f"{what} ({mine['channel']})", mine, theirs))
    for label, one, other in pairs:
        for key in PERCENTILES:
            a, b = one[key], other[key]
            if (a is None) != (b is None) or (a is not None and abs(a - b) > 0.01 * a + 0.001):
                raise SystemExit(f"{label}: {key} differs by more than 1%: {a} vs {b}")


def coverage_rows(repeat: int) -> list[tuple[str, float, float, float, float, int]]:
    """(period, old ms, buckets-only ms, day level ms, day level with the settled days' cache
    emptied first ms, mentions) for each period: the exact path timed once (the reference),
    the roll-up readings `repeat` times each; stops unless they agree with the exact figures
    and with each other."""
    from helpdesk.services import rollup_figures
    from helpdesk.services.coverage import coverage, coverage_exact

    periods = {
        "1 year": (UNTIL - timedelta(days=365), UNTIL, TZ),
        "1 year, UTC desk": (
            UNTIL - timedelta(days=365, hours=15),
            UNTIL - timedelta(hours=15),
            "UTC",
        ),
        "30 days": (UNTIL - timedelta(days=30), UNTIL, TZ),
        "30 days, unaligned end": (
            UNTIL - timedelta(days=30, minutes=7),
            UNTIL - timedelta(minutes=7, seconds=13),
            TZ,
        ),
    }
    rows = []
    for name, (start, end, tz) in periods.items():
        old_ms, old = timed(lambda s=start, e=end, z=tz: coverage_exact(s, e, z, now=UNTIL), 0)
        hours_ms, hours = timed(
            lambda s=start, e=end, z=tz: rollup_figures.figures(s, e, z, now=UNTIL, days=False),
            repeat,
        )
        new_ms, new = timed(lambda s=start, e=end, z=tz: coverage(s, e, z, now=UNTIL), repeat)
        cold_ms, _cold = timed(
            lambda s=start, e=end, z=tz: (forget_settled(), coverage(s, e, z, now=UNTIL)), repeat
        )
        agree(old, hours, f"{name} (buckets only)")
        agree(old, new, name)
        if rollup_figures.figures(start, end, tz, now=UNTIL) != hours:
            raise SystemExit(f"{name}: the day level and the buckets alone differ")
        db.session.rollback()
        rows.append((name, old_ms, hours_ms, new_ms, cold_ms, int(old["total"])))
    return rows


def forget_settled() -> None:
    """Drop the cached sums of settled days (services/rollup_cache.py): the next report sums
    them from the day tables, as the first one after a rebuild of one of its days does."""
    from flask import current_app

    from helpdesk.services import rollup_cache

    store = current_app.extensions["redis"]
    for key in store.scan_iter(rollup_cache.KEY_PREFIX + "*"):
        store.delete(key)


def add_channels() -> dict[str, float]:
    """Make the seeded desk a desk of both channels (the seed has public posts only): one
    mention in five becomes a DM, one public mention in nine is moved to DM, and a DM follows
    the moved ones whose id is a multiple of 45 (linked to it; answered as the seed had it).
    Then rebuild every roll-up, by channel, timed. Running it again changes nothing."""
    from sqlalchemy.orm import aliased

    from helpdesk.models import Mention, MentionKind
    from helpdesk.services import rollups

    moved = aliased(Mention)
    db.session.execute(
        sa.update(Mention)
        .where(Mention.id % 5 == 2)
        .values(kind=MentionKind.DM, dm_conversation_id="1-dm", changed_at=Mention.changed_at)
    )
    db.session.execute(
        sa.update(Mention)
        .where(Mention.id % 9 == 0, Mention.kind == MentionKind.POST)
        .values(moved_to_dm_at=Mention.created_at, changed_at=Mention.changed_at)
    )
    db.session.execute(
        sa.update(Mention)
        .where(
            Mention.id % 45 == 2,
            sa.exists().where(moved.id == Mention.id - 2, moved.moved_to_dm_at.is_not(None)),
        )
        .values(dm_of_mention_id=Mention.id - 2, changed_at=Mention.changed_at)
    )
    db.session.commit()  # changed_at kept: the roll-ups' watermark is not fooled into live reads
    started = time.perf_counter()
    built = rollups.rebuild()
    rebuild_s = time.perf_counter() - started
    count = sa.select(sa.func.count()).select_from(Mention)
    return {
        "dms": db.session.scalar(count.where(Mention.kind == MentionKind.DM)),
        "moved": db.session.scalar(count.where(Mention.moved_to_dm_at.is_not(None))),
        "linked": db.session.scalar(count.where(Mention.dm_of_mention_id.is_not(None))),
        "rows": float(str(built["rows"])),
        "rebuild_s": rebuild_s,
    }


def migrate() -> str:
    """Bring an existing database to the newest revision (building the day level), timed."""
    from flask_migrate import upgrade

    started = time.perf_counter()
    upgrade()
    db.session.remove()
    return f"migrated to the newest revision in {time.perf_counter() - started:.1f} s"


def level_rows() -> str:
    """How many rows each roll-up table holds."""
    tables = (
        "rollup_counts",
        "rollup_response_bins",
        "rollup_employee_bins",
        "rollup_day_counts",
        "rollup_day_response_bins",
        "rollup_day_employee_bins",
        "rollup_bucket_totals",
    )
    counted = [
        f"{table} {db.session.scalar(sa.text(f'SELECT count(*) FROM {table}')):,}"  # noqa: S608
        for table in tables
    ]
    db.session.rollback()
    return "; ".join(counted)


def fresh_mentions(count: int) -> list[int]:
    """`count` new open mentions (as ingest would store them) in the desk's last hour."""
    from helpdesk.models import Mention

    newest = db.session.scalar(sa.select(Mention).order_by(Mention.tweet_id.desc()).limit(1))
    made = []
    for k in range(count):
        mention = Mention(
            tweet_id=newest.tweet_id + 1 + k,
            brand_account_id=newest.brand_account_id,
            author_x_id=newest.author_x_id,
            conversation_id=newest.tweet_id + 1 + k,
            text=f"@acme where is my order? ({k})",
            lang="en",
            created_at=UNTIL - timedelta(minutes=60 - k * 50 / max(1, count)),
        )
        db.session.add(mention)
        made.append(mention)
    db.session.commit()
    return [mention.id for mention in made]


def reply_path(replies: int) -> dict[str, float]:
    """Claim + reply on open mentions, in blocks with and without the changed_at indexes; then
    one refresh of the roll-ups. Milliseconds per reply."""
    from helpdesk.models import Employee
    from helpdesk.services import inbox, rollups
    from helpdesk.services import replies as reply_service

    agent = db.session.scalar(
        sa.select(Employee).where(Employee.role == "agent", Employee.active.is_(True)).limit(1)
    )
    ids = fresh_mentions(replies)
    number = agent.number
    per: dict[bool, list[float]] = {True: [], False: []}
    indexes = {"ix_mentions_changed_at": "mentions", "ix_replies_changed_at": "replies"}
    for block, first in enumerate(range(0, len(ids), BLOCK)):
        with_index = block % 2 == 0
        db.session.rollback()
        for name, table in indexes.items():
            statement = f"CREATE INDEX IF NOT EXISTS {name} ON {table} (changed_at)"
            db.session.execute(sa.text(statement if with_index else f"DROP INDEX {name}"))
        db.session.commit()
        for mention_id in ids[first : first + BLOCK]:
            agent = db.session.scalar(sa.select(Employee).where(Employee.number == number))
            started = time.perf_counter()
            inbox.claim(mention_id, agent)
            reply_service.create_reply(mention_id, agent, "Thanks for telling us! Checking now.")
            per[with_index].append((time.perf_counter() - started) * 1000)
    db.session.rollback()
    for name, table in indexes.items():
        db.session.execute(sa.text(f"CREATE INDEX IF NOT EXISTS {name} ON {table} (changed_at)"))
    db.session.commit()
    started = time.perf_counter()
    refreshed = rollups.refresh()
    refresh_ms = (time.perf_counter() - started) * 1000
    return {
        "replies": len(ids),
        "with_ms": statistics.median(per[True]),
        "without_ms": statistics.median(per[False]),
        "refresh_ms": refresh_ms,
        "refresh_per_reply_ms": refresh_ms / max(1, len(ids)),
        "buckets": float(refreshed["refreshed"]),
    }


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
        if args.no_seed:
            print(f"{label}: {migrate()}")
        mixed = add_channels()
        print(
            f"{label}: channels: {mixed['dms']:,} DMs, {mixed['moved']:,} moved to DM,"
            f" {mixed['linked']:,} of them followed by a DM; every roll-up rebuilt by channel"
            f" ({mixed['rows']:,.0f} rows) in {mixed['rebuild_s']:.1f} s"
        )
        print(f"{label} roll-up rows: {level_rows()}")
        rows = coverage_rows(args.repeat)
        print(
            f"\n{label}, {args.mentions:,} mentions, old path once, roll-ups median of"
            f" {args.repeat} calls:\n"
        )
        print(
            "| coverage over | mentions | old path ms | buckets only ms | day level ms |"
            " day level, settled days' cache empty ms | speed-up (old / day level) |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, old_ms, hours_ms, new_ms, cold_ms, total in rows:
            print(
                f"| {name} | {total:,} | {old_ms:,.1f} | {hours_ms:,.1f} | {new_ms:,.1f} |"
                f" {cold_ms:,.1f} | {old_ms / new_ms:,.0f}x |"
            )
        if args.replies:
            cost = reply_path(args.replies)
            print(
                f"\nreply path ({cost['replies']:.0f} claim + reply): median"
                f" {cost['with_ms']:.2f} ms with the changed_at indexes,"
                f" {cost['without_ms']:.2f} ms without;"
                f" refresh after them {cost['refresh_ms']:.1f} ms"
                f" ({cost['buckets']:.0f} buckets), {cost['refresh_per_reply_ms']:.2f} ms per reply"
            )
        db.session.remove()
        db.engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--sqlite", help="SQLite file (default: a temporary one)")
    parser.add_argument("--postgres", help="postgresql://... (skipped when absent)")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--replies", type=int, default=200)
    parser.add_argument(
        "--no-seed", action="store_true", help="use the databases as they are (migrated first)"
    )
    args = parser.parse_args()
    print(
        f"rollups benchmark {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}:"
        f" {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    sqlite = args.sqlite or str(Path(tempfile.mkdtemp(prefix="rollups-bench-")) / "desk.sqlite")
    for url in (None if args.no_sqlite else f"sqlite:///{sqlite}", args.postgres):
        if url:
            run(url, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
