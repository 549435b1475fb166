"""Scale-out run: many clients race to claim and answer the same mentions through gunicorn.

A fresh database, the X sandbox holding `--mentions` mentions (ingested for real), gunicorn
with `--web-workers` processes and `--workers` RQ workers (the outbox). `--clients` async
API clients, one employee each, walk all open mentions in their own random order and, for
each, claim it and, when the claim is granted, reply to it. Then, once the outbox is empty:
every mention must have been granted to exactly one employee (the others got 409), carry
exactly one reply, and be answered on X exactly once. Usage:

    python benchmarks/claims.py [--mentions 300] [--clients 20] [--web-workers 4]
        [--workers 4] [--database-url URL] [--redis-url URL] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from benchmarks import harness  # noqa: E402
from helpdesk.extensions import db  # noqa: E402
from helpdesk.models import Mention, Reply, ReplyStatus  # noqa: E402


def prepare(desk: harness.Desk, x: object, mentions: int, clients: int) -> tuple[list, list]:
    """Mentions ingested for real, one agent and API token per client; (mention ids, tokens)."""
    from helpdesk.services.employees import create_employee, create_token
    from helpdesk.services.ingest import ingest_mentions

    x.state.add_bulk(mentions, seed=5)
    with desk.app.app_context():
        assert ingest_mentions().outcome == "ok"
        tokens = []
        for n in range(clients):
            agent = create_employee(f"{5000 + n}", f"Racer {n}", "agent", "correct horse battery")
            tokens.append(create_token(agent))
        db.session.commit()
        ids = db.session.scalars(sa.select(Mention.id).order_by(Mention.id)).all()
        db.session.remove()
    return list(ids), tokens


async def race(url: str, ids: list[int], tokens: list[str]) -> tuple[Counter, Counter, float]:
    """Every client claims then answers what it wins; (granted claims, accepted replies)."""
    granted: Counter[int] = Counter()
    replied: Counter[int] = Counter()

    async def client(n: int, token: str) -> None:
        order = random.Random(n).sample(ids, len(ids))  # noqa: S311 - a race, not security
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
            for mention_id in order:
                answer = await http.post(f"/api/v1/mentions/{mention_id}/claim")
                if answer.status_code != 200:
                    assert answer.status_code == 409, (answer.status_code, answer.text)
                    continue
                granted[mention_id] += 1
                text = f"ご連絡ありがとうございます。確認してご案内します（{mention_id}-{n}）"
                answer = await http.post(
                    f"/api/v1/mentions/{mention_id}/replies", json={"text": text}
                )
                if answer.status_code == 202:
                    replied[mention_id] += 1

    started = time.monotonic()
    await asyncio.gather(*(client(n, t) for n, t in enumerate(tokens)))
    return granted, replied, time.monotonic() - started


def run(args: argparse.Namespace) -> dict:
    """The race against the real processes, then the checks."""
    work = harness.workdir("claims")
    sandbox = {"mentions_window": args.mentions + 100, "rate_limit": 10**6, "post_limit": 10**5}
    with harness.redis_url(args.redis_url, work) as redis, harness.sandbox(**sandbox) as x:
        environ = harness.desk_environ(
            work, args.database_url, redis, x.url, HELPDESK_MENTIONS_WINDOW=str(args.mentions + 100)
        )
        desk = harness.Desk(environ, work)
        desk.reset()
        ids, tokens = prepare(desk, x, args.mentions, args.clients)
        web, url = desk.gunicorn(args.web_workers)
        workers = desk.workers(args.workers)
        try:
            for service in (web, *workers):
                service.start()
            harness.wait_for_http(url + "/api/v1/health", web)
            granted, replied, seconds = asyncio.run(race(url, ids, tokens))
            settled = _wait_settled(desk, sum(replied.values()), 600)
        finally:
            for service in (web, *workers):
                service.kill()
        with x.state.lock:
            posts = [x.state.tweets[i] for i in x.state.by_author.get(x.state.brand.id, [])]
        with desk.app.app_context():
            rows = db.session.execute(sa.select(Reply.mention_id, Reply.status)).all()
            db.session.remove()
    per_mention = Counter(r.mention_id for r in rows)
    on_x = Counter(p.in_reply_to_tweet_id for p in posts)
    return {
        "mentions": len(ids),
        "clients": args.clients,
        "web_workers": args.web_workers,
        "rq_workers": args.workers,
        "race_seconds": round(seconds, 1),
        "claims_granted": sum(granted.values()),
        "mentions_granted_twice": sum(1 for n in granted.values() if n > 1),
        "mentions_never_granted": len(ids) - len(granted),
        "replies_stored": len(rows),
        "mentions_with_two_replies": sum(1 for n in per_mention.values() if n > 1),
        "posted": sum(1 for r in rows if r.status is ReplyStatus.POSTED),
        "posted_twice_on_x": sum(1 for n in on_x.values() if n > 1),
        "posts_on_x": len(posts),
        "unsettled": sum(
            1 for r in rows if r.status not in (ReplyStatus.POSTED, ReplyStatus.FAILED)
        ),
        "settled_in_time": settled,
    }


def _wait_settled(desk: harness.Desk, replies: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    with desk.app.app_context():
        while time.monotonic() < deadline:
            done = db.session.scalar(
                sa.select(sa.func.count()).where(
                    Reply.status.in_((ReplyStatus.POSTED, ReplyStatus.FAILED))
                )
            )
            db.session.rollback()
            if done >= replies:
                return True
            time.sleep(0.5)
    return False


def main(argv: list[str] | None = None) -> int:
    """Run the race and print the checks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=300)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run(args)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    bad = (
        result["mentions_granted_twice"]
        or result["mentions_with_two_replies"]
        or result["posted_twice_on_x"]
        or result["unsettled"]
        or result["posts_on_x"] != result["posted"]
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
