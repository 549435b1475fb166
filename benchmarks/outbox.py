"""Benchmark: drain a backlog of queued replies with 1, 2 and 4 real RQ workers.

For each worker count: a fresh database and Redis database, a fresh X sandbox holding the
mentions (its posting window shortened, e.g. 100 posts per 10 s instead of X's 15 min,
and its 24-hour limit lifted so the short windows are what binds), N replies accepted
through the reply service while no worker runs, then `python -m workers --queues outbound`
x K. Measures the drain time, X's posting windows used against the minimum, posts per
full window against the limit (target >= 95%), 429s answered by X (target 0), replies on
X more than once (target 0) and replies left unsettled (target 0). Usage:

    python benchmarks/outbox.py [--replies 10000] [--workers 1,2,4] [--post-limit 100]
        [--window-seconds 10] [--database-url URL] [--redis-url URL] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

import sqlalchemy as sa  # noqa: E402

from benchmarks import harness  # noqa: E402
from helpdesk.extensions import db  # noqa: E402
from helpdesk.models import Mention, MentionStatus, Reply, ReplyStatus  # noqa: E402
from helpdesk.x.sandbox.state import EPOCH_MS, POST_KEY  # noqa: E402

SETTLED = (ReplyStatus.POSTED, ReplyStatus.FAILED)


def prepare(desk: harness.Desk, x: Any, replies: int) -> None:
    """Mentions on X, ingested for real, then one accepted reply each (jobs wait in Redis)."""
    from helpdesk.services.employees import create_employee
    from helpdesk.services.ingest import ingest_mentions
    from helpdesk.services.replies import create_reply

    x.state.add_bulk(int(replies * 1.05) + 20, seed=7)  # a few are retweets: not mentions
    with desk.app.app_context():
        summary = ingest_mentions()
        assert summary.outcome == "ok", summary
        agent = create_employee("0427", "Bench Agent", "agent", "correct horse battery")
        db.session.commit()
        ids = db.session.scalars(
            sa.select(Mention.id)
            .where(Mention.status == MentionStatus.OPEN, Mention.in_reply_to_tweet_id.is_(None))
            .order_by(Mention.id)
            .limit(replies)
        ).all()
        assert len(ids) == replies, (len(ids), replies)
        for n, mention_id in enumerate(ids):
            text = f"お問い合わせありがとうございます。担当者が確認してご連絡します（受付 {n:05d}）"
            create_reply(mention_id, agent, text)
        db.session.remove()


def drain(desk: harness.Desk, workers: int, replies: int, limit_seconds: float) -> float:
    """Start the workers and wait until every reply is posted or failed; the seconds taken."""
    services = desk.workers(workers)
    started = time.monotonic()
    for service in services:
        service.start()
    try:
        with desk.app.app_context():
            while time.monotonic() - started < limit_seconds:
                settled = db.session.scalar(
                    sa.select(sa.func.count()).where(Reply.status.in_(SETTLED))
                )
                db.session.rollback()
                if settled >= replies:
                    return time.monotonic() - started
                dead = [s.name for s in services if not s.alive]
                if dead:
                    raise RuntimeError(f"workers exited: {dead}\n" + services[0].tail())
                time.sleep(0.25)
        return time.monotonic() - started
    finally:
        for service in services:
            service.kill()


def windows(post_ms: list[int], length_ms: int) -> list[int]:
    """Posts per X window, rebuilt as the sandbox opens them: at the first post after the
    previous window ended."""
    counts: list[int] = []
    end = None
    for ms in sorted(post_ms):
        if end is None or ms >= end:
            counts.append(0)
            end = ms + length_ms
        counts[-1] += 1
    return counts


def measure(desk: harness.Desk, x: Any, args: argparse.Namespace, seconds: float) -> dict:
    """The figures of one drain, from the database and from what X holds."""
    stats = x.state.stats()
    with x.state.lock:
        brand_posts = [x.state.tweets[i] for i in x.state.by_author.get(x.state.brand.id, [])]
    with desk.app.app_context():
        rows = db.session.execute(
            sa.select(Reply.status, Reply.x_tweet_id, Mention.tweet_id).join(Mention)
        ).all()
        db.session.remove()
    statuses = Counter(r.status.value for r in rows)
    per_parent = Counter(p.in_reply_to_tweet_id for p in brand_posts)
    on_x = {p.id for p in brand_posts}
    posted = [r for r in rows if r.status is ReplyStatus.POSTED]
    per_window = windows([(p.id >> 22) + EPOCH_MS for p in brand_posts], args.window_seconds * 1000)
    full = per_window[:-1] or per_window
    minimum = math.ceil(args.replies / args.post_limit)
    return {
        "workers": args.current_workers,
        "replies": args.replies,
        "seconds": round(seconds, 1),
        "posts_per_second": round(len(brand_posts) / seconds, 1) if seconds else None,
        "windows_used": len(per_window),
        "windows_minimum": minimum,
        "utilisation_mean": round(sum(full) / (len(full) * args.post_limit), 4) if full else 0,
        "utilisation_min": round(min(full) / args.post_limit, 4) if full else 0,
        "x_429s": stats["rate_limited"],
        "x_post_requests": stats["requests"].get(POST_KEY, 0),
        "duplicates_on_x": sum(n - 1 for n in per_parent.values() if n > 1),
        "posted_missing_on_x": sum(1 for r in posted if r.x_tweet_id not in on_x),
        "stray_posts": len(brand_posts) - len(posted),
        "unsettled": args.replies - statuses["posted"] - statuses["failed"],
        "failed": statuses["failed"],
    }


def run_one(args: argparse.Namespace, workers: int) -> dict:
    """One worker count on a fresh database, Redis database and sandbox."""
    args.current_workers = workers
    work = harness.workdir("outbox")
    sandbox = {
        "post_limit": args.post_limit,
        "rate_window_seconds": args.window_seconds,
        "daily_post_limit": 10_000_000,
        "rate_limit": 1_000_000,
        "mentions_window": args.replies * 2 + 100,
    }
    with harness.redis_url(args.redis_url, work) as redis, harness.sandbox(**sandbox) as x:
        environ = harness.desk_environ(
            work,
            args.database_url,
            redis,
            x.url,
            HELPDESK_MENTIONS_WINDOW=str(args.replies * 2 + 100),
            HELPDESK_X_TIMEOUT_SECONDS="10",
        )
        desk = harness.Desk(environ, work)
        desk.reset()
        prepare(desk, x, args.replies)
        x.state.counters.rate_limited = 0  # count only the drain's 429s
        bound = args.window_seconds * (math.ceil(args.replies / args.post_limit) + 2) * 3 + 120
        seconds = drain(desk, workers, args.replies, bound)
        result = measure(desk, x, args, seconds)
    print(json.dumps(result), flush=True)
    return result


def table(results: list[dict], args: argparse.Namespace) -> str:
    """The markdown table of a run."""
    lines = [
        f"{args.replies} replies, X window {args.post_limit} posts / {args.window_seconds} s "
        f"(sandbox settings), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {harness.machine()}",
        "",
        "| workers | drain s | posts/s | windows used (min) | posts per full window "
        "(mean / min) | 429s | duplicates | unsettled | failed |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['workers']} | {r['seconds']} | {r['posts_per_second']} | "
            f"{r['windows_used']} ({r['windows_minimum']}) | "
            f"{r['utilisation_mean']:.1%} / {r['utilisation_min']:.1%} | {r['x_429s']} | "
            f"{r['duplicates_on_x']} | {r['unsettled']} | {r['failed']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Drain the backlog once per worker count; print a JSON line each and a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=10_000)
    parser.add_argument("--workers", default="1,2,4", help="comma-separated worker counts")
    parser.add_argument("--post-limit", type=int, default=100, help="posts per X window")
    parser.add_argument("--window-seconds", type=int, default=10, help="X window length")
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"))
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    try:
        counts = [int(n) for n in args.workers.split(",")]
    except ValueError:
        parser.error("--workers takes comma-separated numbers, e.g. 1,2,4")
    if args.replies < 1 or min(counts) < 1:
        parser.error("--replies and --workers must be positive")
    results = [run_one(args, n) for n in counts]
    print(table(results, args))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    bad = any(
        r["x_429s"] or r["duplicates_on_x"] or r["unsettled"] or r["posted_missing_on_x"]
        for r in results
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
