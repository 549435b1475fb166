"""Tag suggestions and setting tags against a large `tag_term_counts` table.

Fills a fresh database with --tags tags and --terms distinct terms, each term counted for a few
tags (as years of tagging would leave it), then times, in-process: suggest_tags on mentions of
typical length (fugashi's terms cached after the first call, as on a busy desk), and
set_mention_tags switching a mention between two tag sets (the counts' upsert and take-away
included). Prints the rows, p50/p95 in ms and the query plan of the suggestions' look-up.

    python benchmarks/tags.py [--database-url URL] [--terms 100000] [--tags 40] [--runs 200]

Without --database-url a temporary SQLite file is used. Set REDIS_URL to use a running Redis.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from benchmarks.seed.database import build_app, prepare  # noqa: E402
from helpdesk.extensions import db  # noqa: E402
from helpdesk.models import BrandAccount, Employee, Mention, Tag, TagTermCount, XUser  # noqa: E402
from helpdesk.services import tagging  # noqa: E402
from helpdesk.services.employees import create_employee  # noqa: E402

TEXTS = (
    "注文した充電器がまだ届きません。配送状況を確認してもらえますか？追跡番号が表示されません",
    "開封済みのカメラでも返品できますか？レンズに傷があり交換を希望します",
    "My laptop order was charged twice, please refund one of the payments asap",
    "ポイントが反映されていません。先週の購入分です。アプリの不具合でしょうか",
)


def fill(terms: int, tags: int, seed: int = 7) -> None:
    """Tags, terms counted for 1-4 tags each, four mentions to suggest for, one agent."""
    rng = random.Random(seed)
    rows = [Tag(name=f"タグ{n:02d}") for n in range(tags)]
    db.session.add_all(rows)
    db.session.flush()
    ids = [t.id for t in rows]
    words = {t for text in TEXTS for t in tagging.text_terms(text)}
    vocabulary = sorted(words) + [f"term{n:06d}" for n in range(terms - len(words))]
    batch = []
    for term in vocabulary:
        for tag_id in rng.sample(ids, rng.randint(1, 4)):
            batch.append({"term": term, "tag_id": tag_id, "count": rng.randint(1, 500)})
        if len(batch) >= 20_000:
            db.session.execute(sa.insert(TagTermCount), batch)
            batch = []
    if batch:
        db.session.execute(sa.insert(TagTermCount), batch)
    db.session.add(BrandAccount(x_user_id=1, username="acme_help", name="Acme"))
    db.session.add(XUser(x_user_id=42, username="customer", name="Customer"))
    db.session.flush()
    brand = db.session.scalar(sa.select(BrandAccount.id))
    now = datetime.now(UTC)
    for n, text in enumerate(TEXTS):
        db.session.add(
            Mention(
                tweet_id=10_000 + n,
                brand_account_id=brand,
                author_x_id=42,
                conversation_id=10_000 + n,
                text=text,
                created_at=now,
                ingested_at=now,
            )
        )
    db.session.commit()
    create_employee("0427", "Agent", "agent", "benchmark-password-123")


def timed(call, runs: int) -> tuple[float, float]:
    """p50 and p95 of `runs` calls, in milliseconds (one warm-up call first)."""
    call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def plan(mention: Mention) -> list[str]:
    """The database's plan for the suggestions' look-up of this mention's terms."""
    terms = tagging.text_terms(mention.text)
    total = sa.func.sum(TagTermCount.count)
    query = (
        sa.select(TagTermCount.tag_id, total)
        .where(TagTermCount.term.in_(terms))
        .group_by(TagTermCount.tag_id)
        .order_by(total.desc(), TagTermCount.tag_id)
        .limit(tagging.MAX_SUGGESTIONS)
    )
    bind = db.session.get_bind()
    compiled = query.compile(bind, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if bind.dialect.name == "sqlite" else "EXPLAIN "
    return [
        " ".join(str(c) for c in row) for row in db.session.execute(sa.text(prefix + str(compiled)))
    ]


def main() -> None:
    """Fill, time, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--terms", type=int, default=100_000)
    parser.add_argument("--tags", type=int, default=40)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='helpdesk-tags-')}/tags.db"
    app = build_app(url)
    with app.app_context():
        prepare(reset=True)
        started = time.perf_counter()
        fill(args.terms, args.tags)
        filled = time.perf_counter() - started
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(TagTermCount))
        mentions = list(db.session.scalars(sa.select(Mention).order_by(Mention.id)))
        agent = db.session.scalar(sa.select(Employee).limit(1))
        names = [t.name for t in tagging.list_tags()]
        cycle = iter(range(10**9))

        def suggest() -> None:
            tagging.suggest_tags(mentions[next(cycle) % len(mentions)])

        def set_tags() -> None:
            chosen = names[:3] if next(cycle) % 2 else names[3:5]
            tagging.set_mention_tags(mentions[0].id, chosen, agent)

        suggest_p50, suggest_p95 = timed(suggest, args.runs)
        set_p50, set_p95 = timed(set_tags, args.runs)
        print(
            f"database: {db.engine.dialect.name}; tag_term_counts rows: {rows:,}"
            f" ({args.terms:,} terms, {args.tags} tags; filled in {filled:.1f} s)"
        )
        print("| operation | p50 ms | p95 ms |")
        print("| --- | ---: | ---: |")
        print(f"| suggest_tags (<= 5, text + colleagues) | {suggest_p50:.2f} | {suggest_p95:.2f} |")
        print(f"| set_mention_tags (3 <-> 2 tags, counts moved) | {set_p50:.2f} | {set_p95:.2f} |")
        print("plan of the colleagues' look-up:")
        for line in plan(mentions[0]):
            print("   ", line)


if __name__ == "__main__":
    main()
