"""Benchmark: ingest N mentions from the X sandbox against a raw bulk INSERT of the same rows.

The sandbox runs as its own process (`helpdesk sandbox`, mentions window and read limit
raised to hold all N) and is bulk-seeded over its control API. Then, on one database:

1. X alone: the helpdesk's X client walks every page over HTTP (tweepy + parsing, no
   database): the ceiling the sandbox's JSON serving sets;
2. helpdesk: the real `ingest_mentions` pass (tweepy over HTTP, upserts, commit per page,
   cursor, author look-ups) into empty tables;
3. raw INSERT: the same rows, pre-built (not timed), as multi-row INSERT ... ON CONFLICT
   through the DB-API into the emptied tables (benchmarks/ingest.py's floor).

Prints mentions per second for each, the ratio helpdesk / raw, and the helpdesk's mentions per
minute against X's own ceiling for one token (300 requests / 15 min x 100 = 2,000 a minute;
target >= 10x headroom; the old 0.5x-of-raw target is retired, issue 16). Usage:

    python benchmarks/ingest_sandbox.py [--mentions 1000000] [--database-url URL]
        [--redis-url URL] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from benchmarks import harness  # noqa: E402
from benchmarks.ingest import empty, raw  # noqa: E402
from helpdesk.extensions import db  # noqa: E402
from helpdesk.models import Mention  # noqa: E402
from helpdesk.services.brand import get_brand_account, x_client  # noqa: E402
from helpdesk.services.ingest import ingest_mentions  # noqa: E402
from helpdesk.x.models import TweetPage  # noqa: E402
from tests.chaos.cluster import Service, free_port  # noqa: E402

BULK = 200_000  # the sandbox's largest bulk request
# X's own ceiling for one token: 300 mention-timeline requests / 15 min x 100 mentions each.
X_CEILING_PER_MINUTE = 300 * 100 // 15
HEADROOM_TARGET = 10  # ingest must keep this many times ahead of X's ceiling


def start_sandbox(work: Path, mentions: int) -> tuple[Service, str]:
    """`helpdesk sandbox` in its own process, holding `mentions` bulk-seeded mentions."""
    port = free_port()
    helpdesk = str(Path(sys.executable).with_name("helpdesk"))
    argv = [helpdesk, "sandbox", "--port", str(port), "--rate-limit", str(10**6)]
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    service = Service("sandbox", argv, {**os.environ, "PYTHONUNBUFFERED": "1"}, logs)
    service.start()
    url = f"http://127.0.0.1:{port}"
    harness.wait_for_http(url + "/_sandbox/stats", service)
    # Past the command line's cap: the window is a live setting.
    window = {"mentions_window": mentions + 10}
    requests.post(url + "/_sandbox/config", json=window, timeout=30).raise_for_status()
    left, seed = mentions, 1
    while left > 0:
        count = min(left, BULK)
        answer = requests.post(
            url + "/_sandbox/mentions/bulk", json={"count": count, "seed": seed}, timeout=600
        )
        answer.raise_for_status()
        left, seed = left - count, seed + 1
    return service, url


def x_alone() -> tuple[float, list[TweetPage]]:
    """Walk every mentions page with the helpdesk's X client, no database; (seconds, pages)."""
    account = get_brand_account()
    client = x_client()
    db.session.rollback()
    pages: list[TweetPage] = []
    token: str | None = None
    started = time.perf_counter()
    while True:
        page = client.mentions_page(account.x_user_id, pagination_token=token)
        pages.append(page)
        token = page.next_token
        if not token:
            return time.perf_counter() - started, pages


def stored() -> int:
    """Mentions in the database."""
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Mention))
    db.session.rollback()
    return int(count or 0)


def run(args: argparse.Namespace) -> dict:
    """The three passes on one database; their rates and the ratio."""
    work = harness.workdir("ingest")
    service, url = start_sandbox(work, args.mentions)
    try:
        with harness.redis_url(args.redis_url, work) as redis:
            environ = harness.desk_environ(
                work, args.database_url, redis, url, HELPDESK_MENTIONS_WINDOW=str(args.mentions)
            )
            desk = harness.Desk(environ, work)
            desk.reset()
            with desk.app.app_context():
                account = get_brand_account()  # asks X who we are: not timed
                db.session.commit()
                x_seconds, pages = x_alone()
                expected = sum(
                    1 for p in pages for t in p.tweets if not t.is_retweet and t.author_id
                )
                started = time.perf_counter()
                summary = ingest_mentions()
                ours = time.perf_counter() - started
                assert summary.outcome == "ok", summary
                ours_stored = stored()
                empty()
                floor = raw(pages, account)
                raw_stored = stored()
                backend = db.engine.dialect.name
                db.session.remove()
    finally:
        service.kill()
    return {
        "backend": backend,
        "mentions_on_x": args.mentions,
        "mentions_expected": expected,
        "stored_by_helpdesk": ours_stored,
        "stored_by_raw": raw_stored,
        "x_alone_per_second": round(args.mentions / x_seconds),
        "helpdesk_per_second": round(ours_stored / ours),
        "raw_per_second": round(raw_stored / floor),
        "ratio": round((ours_stored / ours) / (raw_stored / floor), 3),
        "helpdesk_per_minute": round(ours_stored / ours * 60),
        "headroom_vs_x": round(ours_stored / ours * 60 / X_CEILING_PER_MINUTE, 1),
        "helpdesk_seconds": round(ours, 1),
        "raw_seconds": round(floor, 1),
        "x_alone_seconds": round(x_seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the passes and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"))
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    if args.mentions < 1:
        parser.error("--mentions must be positive")
    result = run(args)
    print(json.dumps(result), flush=True)
    print(
        f"{result['backend']}, {args.mentions} mentions on X, {harness.machine()}\n"
        f"  X alone (HTTP + parse)  {result['x_alone_per_second']:>9,} mentions/s\n"
        f"  helpdesk ingest         {result['helpdesk_per_second']:>9,} mentions/s\n"
        f"  raw INSERT              {result['raw_per_second']:>9,} mentions/s\n"
        f"  ratio                   {result['ratio']:.2f}x of raw\n"
        f"  per minute              {result['helpdesk_per_minute']:>9,} mentions/min = "
        f"{result['headroom_vs_x']}x X's ceiling of {X_CEILING_PER_MINUTE:,}/min per token "
        f"(target >= {HEADROOM_TARGET}x)"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    complete = result["stored_by_helpdesk"] == result["mentions_expected"]
    return 0 if complete and result["stored_by_raw"] == result["mentions_expected"] else 1


if __name__ == "__main__":
    sys.exit(main())
